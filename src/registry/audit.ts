// The audit trail: every authentication outcome and every change to keys, scopes,
// channels, users and PATs, in its own SQLite file <data>/audit.db (0600), so a storm of
// audit writes never contends with the registry's lookups and `/db/query` can never read
// it. Writes are queued in memory and committed in batches (one transaction every
// FLUSH_MS or BATCH rows) off the request path; the table keeps the newest `maxEvents`
// rows (older ids deleted after each batch).
import type { Database } from "bun:sqlite";
import { join } from "node:path";
import { parseDuration } from "../lib/duration.ts";
import { badRequest } from "../lib/errors.ts";
import { openDatabase, runMigrations } from "../storage/index.ts";

export type AuditKind = "auth" | "change" | "ban";
export type AuditMethod =
  | "token"
  | "certificate"
  | "password"
  | "pat"
  | "session"
  | "access_key"
  | "refresh_key"
  | "recovery_key"
  | "none";

export interface AuditEvent {
  /** ms epoch; set on record() when absent */
  at?: number;
  kind: AuditKind;
  /** auth: "connect" / "login" / "request"; change: e.g. "key.create", "pat.revoke", "user.passwd" */
  action: string;
  result: "ok" | "fail";
  method?: AuditMethod;
  /** mqtt, mqtts, ws, wss, http, https, cli */
  listener?: string;
  address?: string;
  /** the client key involved (who connected, or the key changed) */
  client?: string;
  /** the user involved (who logged in, or who made the change) */
  user?: string;
  /** what was changed (a key id, a PAT id, a user name, a channel) */
  target?: string;
  reason?: string;
  /** extra facts as JSON text (e.g. the scopes added) */
  detail?: string;
}

export interface StoredAuditEvent extends AuditEvent {
  id: number;
  at: number;
}

export interface AuditFilter {
  client?: string;
  user?: string;
  result?: "ok" | "fail";
  /** ms epoch: events at or after */
  since?: number;
  kind?: AuditKind;
  /** newest first, at most this many (default 1000) */
  limit?: number;
}

export interface AuditLog {
  /** queue one event (never throws, never blocks on the disk) */
  record(e: AuditEvent): void;
  /** commit what is queued now */
  flush(): void;
  /** newest first; flushes first so a caller sees its own events */
  query(f?: AuditFilter): StoredAuditEvent[];
  /** events dropped because the queue was full (a storm faster than the disk) */
  dropped(): number;
  close(): void;
}

export interface AuditOptions {
  maxEvents: number;
  /** flush interval; 0 = only on flush()/close() and when a batch is full (CLI) */
  flushMs?: number;
  now?: () => number;
  onError?: (e: unknown) => void;
}

const BATCH = 2000;
/** events per INSERT statement (12 parameters each; SQLite allows 32,766) */
const ROWS = 50;
const MAX_QUEUE = 100_000;
const COLUMNS = [
  "at",
  "kind",
  "action",
  "result",
  "method",
  "listener",
  "address",
  "client",
  "user",
  "target",
  "reason",
  "detail",
] as const;

type Row = { [K in (typeof COLUMNS)[number]]: string | number | bigint | null } & { id: number | bigint };

export function openAuditLog(dataDir: string, opts: AuditOptions): AuditLog {
  const db: Database = openDatabase(join(dataDir, "audit.db"));
  const migrate = () =>
    runMigrations(db, "audit", [
      {
        id: 1,
        sql: `CREATE TABLE IF NOT EXISTS audit (
          id       INTEGER PRIMARY KEY AUTOINCREMENT,
          at       INTEGER NOT NULL, -- ms
          kind     TEXT NOT NULL,    -- auth | change | ban
          action   TEXT NOT NULL,
          result   TEXT NOT NULL,    -- ok | fail
          method   TEXT,
          listener TEXT,
          address  TEXT,
          client   TEXT,
          user     TEXT,
          target   TEXT,
          reason   TEXT,
          detail   TEXT
        );
        CREATE INDEX IF NOT EXISTS audit_at ON audit (at);`,
      },
    ]);
  try {
    migrate();
  } catch {
    migrate(); // another process migrated at the same moment
  }
  const now = opts.now ?? Date.now;
  // one statement per ROWS events: the per-call cost between JS and SQLite, not the
  // row itself, is most of an insert's price
  const insertSql = (rows: number) =>
    `INSERT INTO audit (${COLUMNS.join(", ")}) VALUES ${Array(rows)
      .fill(`(${COLUMNS.map(() => "?").join(", ")})`)
      .join(", ")}`;
  const insertMany = db.prepare(insertSql(ROWS));
  const insertOne = db.prepare(insertSql(1));
  const trim = db.prepare("DELETE FROM audit WHERE id <= (SELECT max(id) FROM audit) - ?");
  // queued events as their column values, one after another (COLUMNS.length per event):
  // no object per event stays alive until the flush, and the flush binds slices of it as is
  const WIDTH = COLUMNS.length;
  let queue: (string | number | null)[] = [];
  let dropped = 0;
  let closed = false;

  const writeAll = db.transaction((values: (string | number | null)[]) => {
    const per = ROWS * WIDTH;
    let i = 0;
    for (; i + per <= values.length; i += per) insertMany.run(...values.slice(i, i + per));
    for (; i < values.length; i += WIDTH) insertOne.run(...values.slice(i, i + WIDTH));
    trim.run(opts.maxEvents);
  });

  function flush(): void {
    if (queue.length === 0 || closed) return;
    const batch = queue;
    queue = [];
    try {
      writeAll(batch);
    } catch (e) {
      opts.onError?.(e);
    }
  }

  let soon: ReturnType<typeof setTimeout> | undefined;
  const timer = opts.flushMs ? setInterval(flush, opts.flushMs) : undefined;
  timer?.unref?.();

  return {
    record(e) {
      if (closed) return;
      if (queue.length >= MAX_QUEUE * WIDTH) {
        dropped++;
        return;
      }
      queue.push(
        e.at ?? now(),
        e.kind,
        e.action,
        e.result,
        e.method ?? null,
        e.listener ?? null,
        e.address ?? null,
        e.client ?? null,
        e.user ?? null,
        e.target ?? null,
        e.reason ?? null,
        e.detail ?? null,
      );
      if (queue.length >= BATCH * WIDTH && soon === undefined) {
        soon = setTimeout(() => {
          soon = undefined;
          flush();
        }, 0);
      }
    },
    flush,
    query(f = {}) {
      flush();
      const where: string[] = [];
      const args: (string | number)[] = [];
      if (f.client !== undefined) {
        where.push("client = ?");
        args.push(f.client);
      }
      if (f.user !== undefined) {
        where.push("user = ?");
        args.push(f.user);
      }
      if (f.result !== undefined) {
        where.push("result = ?");
        args.push(f.result);
      }
      if (f.kind !== undefined) {
        where.push("kind = ?");
        args.push(f.kind);
      }
      if (f.since !== undefined) {
        where.push("at >= ?");
        args.push(f.since);
      }
      const limit = Math.max(1, Math.min(f.limit ?? 1000, 100_000));
      const sql = `SELECT * FROM audit ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY id DESC LIMIT ${limit}`;
      return db
        .query<Row, (string | number)[]>(sql)
        .all(...args)
        .map((r) => {
          const e: StoredAuditEvent = {
            id: Number(r.id),
            at: Number(r.at),
            kind: r.kind as AuditKind,
            action: String(r.action),
            result: r.result === "ok" ? "ok" : "fail",
          };
          for (const k of ["method", "listener", "address", "client", "user", "target", "reason", "detail"] as const) {
            const v = r[k];
            if (v !== null) (e as unknown as Record<string, string>)[k] = String(v);
          }
          return e;
        });
    },
    dropped: () => dropped,
    close() {
      if (closed) return;
      if (soon) clearTimeout(soon);
      if (timer) clearInterval(timer);
      flush();
      closed = true;
      db.close();
    },
  };
}

/**
 * The filters of `neo shell audit` and `GET /audit`, from their text form:
 * client, user, result (ok|fail), kind, since (a duration back from now, "1h", or a
 * date, "2026-11-30T00:00:00Z"), limit (1-100000). Unknown values are a 400.
 */
export function parseAuditFilter(p: Record<string, string | undefined>, now: number): AuditFilter {
  const f: AuditFilter = {};
  const text = (k: string) => {
    const v = p[k];
    return v === undefined || v === "" ? undefined : v;
  };
  const client = text("client");
  if (client !== undefined) f.client = client;
  const user = text("user");
  if (user !== undefined) f.user = user;
  const result = text("result");
  if (result !== undefined) {
    if (result !== "ok" && result !== "fail")
      throw badRequest("invalid_filter", `result must be ok or fail, got ${JSON.stringify(result)}`);
    f.result = result;
  }
  const kind = text("kind");
  if (kind !== undefined) {
    if (kind !== "auth" && kind !== "change" && kind !== "ban")
      throw badRequest("invalid_filter", `kind must be auth, change or ban, got ${JSON.stringify(kind)}`);
    f.kind = kind;
  }
  const since = text("since");
  if (since !== undefined) {
    const d = parseDuration(since);
    if (d.ok) f.since = now - d.ms;
    else {
      const t = /^\d{4}-\d\d-\d\d/.test(since) ? Date.parse(since) : Number.NaN;
      if (Number.isNaN(t))
        throw badRequest(
          "invalid_filter",
          `since must be a duration ("1h", "30m", "7d") or a date, got ${JSON.stringify(since)}`,
        );
      f.since = t;
    }
  }
  const limit = text("limit");
  if (limit !== undefined) {
    const n = Number(limit);
    if (!Number.isInteger(n) || n < 1 || n > 100_000)
      throw badRequest("invalid_filter", `limit must be an integer 1-100000, got ${JSON.stringify(limit)}`);
    f.limit = n;
  }
  return f;
}

/** An event as JSON for scripts: times in RFC 3339, detail parsed back. */
export function auditJson(e: StoredAuditEvent): Record<string, unknown> {
  const { detail, at, ...rest } = e;
  let parsed: unknown = detail;
  if (detail !== undefined) {
    try {
      parsed = JSON.parse(detail);
    } catch {
      parsed = detail;
    }
  }
  return { ...rest, at: new Date(at).toISOString(), ...(detail !== undefined ? { detail: parsed } : {}) };
}
