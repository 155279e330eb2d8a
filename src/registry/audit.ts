// The audit trail: every authentication outcome and every change to keys, scopes,
// channels, users and PATs, in its own SQLite file <data>/audit.db (0600), so a storm of
// audit writes never contends with the registry's lookups and `/db/query` can never read
// it. Writes are queued in memory and committed in batches (one transaction every
// FLUSH_MS or BATCH rows) off the request path. Authentication events are the noise: they
// are aggregated (audit-aggregate.ts: refused ones per address and minute, the first few
// in full, then one count row) and capped at the newest `maxEvents`; changes and bans are
// never deleted to make room for them, only once older than `keepChangesMs`.
import type { Database } from "bun:sqlite";
import { join } from "node:path";
import {
  authorizationRefusals,
  createAuditAggregator,
  refusedAuthentications,
  successfulAuthentications,
} from "./audit-aggregate.ts";
import { openDatabase, runMigrations } from "../storage/index.ts";
import { keepAuditWal } from "./audit-wal.ts";

import type { AuditEvent, AuditKind, AuditLog, AuditOptions, StoredAuditEvent } from "./audit-types.ts";

const BATCH = 2000;
/** events per INSERT statement (12 parameters each; SQLite allows 32,766) */
const ROWS = 50;
const MAX_QUEUE = 100_000;
/** audit.db's page cache, KiB as SQLite counts a negative cache_size */
const CACHE_KIB = -256;
/** the kinds capped by maxEvents (per-request noise: authentications, authorization refusals); changes and bans are history */
const NOISY_KINDS = ["auth", "deny"];
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
  // written in appends, read now and then: a small page cache (SQLite's default 2 MB filled with
  // the newest rows, ~0.2 KB of RSS per connection after a burst of 5,000 CONNECTs)
  db.exec(`PRAGMA cache_size=${CACHE_KIB}`);
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
      // authentication events are capped by count, changes by age: both need their kind
      { id: 2, sql: "CREATE INDEX IF NOT EXISTS audit_kind ON audit (kind, id);" },
    ]);
  try {
    migrate();
  } catch {
    migrate(); // another process migrated at the same moment
  }
  const now = opts.now ?? Date.now;
  // the server's trail (it flushes on a timer): its WAL synced at quiet moments only (audit-wal.ts)
  const wal = opts.flushMs ? keepAuditWal(db, opts.onError ? { onError: opts.onError } : {}) : undefined;
  // one statement per ROWS events: the per-call cost between JS and SQLite, not the
  // row itself, is most of an insert's price
  const insertSql = (rows: number) =>
    `INSERT INTO audit (${COLUMNS.join(", ")}) VALUES ${Array(rows)
      .fill(`(${COLUMNS.map(() => "?").join(", ")})`)
      .join(", ")}`;
  const insertMany = db.prepare(insertSql(ROWS));
  const insertOne = db.prepare(insertSql(1));
  const noisy = NOISY_KINDS.map((k) => `'${k}'`).join(", ");
  // the oldest authentication events beyond the newest maxEvents (an index walk, so it runs
  // only once the table holds `slack` more than that)
  const trim = db.prepare(
    `DELETE FROM audit WHERE kind IN (${noisy}) AND id <= (SELECT id FROM audit WHERE kind IN (${noisy}) ORDER BY id DESC LIMIT 1 OFFSET ?)`,
  );
  const trimChanges = db.prepare(`DELETE FROM audit WHERE kind NOT IN (${noisy}) AND at < ?`);
  const countNoisy = db.prepare<{ n: number }, []>(`SELECT count(*) AS n FROM audit WHERE kind IN (${noisy})`);
  let noisyRows = Number(countNoisy.get()?.n ?? 0);
  const slack = Math.floor(opts.maxEvents / 100);
  const aggregator = createAuditAggregator(
    opts.aggregate ?? [refusedAuthentications(opts.ipv6Prefix), authorizationRefusals, successfulAuthentications],
    opts.inFull ?? 10,
  );
  let lastChangeTrim = 0;
  // queued events as their column values, one after another (COLUMNS.length per event):
  // no object per event stays alive until the flush, and the flush binds slices of it as is
  const WIDTH = COLUMNS.length;
  let queue: (string | number | null)[] = [];
  let queuedNoisy = 0;
  let dropped = 0;
  let closed = false;

  const writeAll = db.transaction((values: (string | number | null)[]) => {
    const per = ROWS * WIDTH;
    let i = 0;
    for (; i + per <= values.length; i += per) insertMany.run(...values.slice(i, i + per));
    for (; i < values.length; i += WIDTH) insertOne.run(...values.slice(i, i + WIDTH));
    if (noisyRows > opts.maxEvents + slack) {
      trim.run(opts.maxEvents);
      noisyRows = Number(countNoisy.get()?.n ?? 0);
    }
    const t = now();
    if (opts.keepChangesMs && t - lastChangeTrim > 60_000) {
      lastChangeTrim = t;
      trimChanges.run(t - opts.keepChangesMs);
    }
  });

  function flush(final = false): void {
    if (closed) return;
    for (const e of aggregator.drain(final ? undefined : now())) push(e, e.at ?? now());
    if (queue.length === 0) return;
    const batch = queue;
    queue = [];
    noisyRows += queuedNoisy;
    queuedNoisy = 0;
    try {
      writeAll(batch);
      wal?.wrote(batch.length / WIDTH);
    } catch (e) {
      opts.onError?.(e);
    }
  }

  function push(e: AuditEvent, at: number): void {
    if (NOISY_KINDS.includes(e.kind)) queuedNoisy++;
    queue.push(
      at,
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
  }

  let soon: ReturnType<typeof setTimeout> | undefined;
  // the flush timer runs only while something waits (rows queued, or a minute still counting
  // until it ends): an idle gateway is not woken every flushMs (bench/RESULTS.md, session 7 tails)
  let timer: ReturnType<typeof setTimeout> | undefined;
  /** when the armed timer fires (performance.now()), and that time by now() */
  let timerAt = Number.POSITIVE_INFINITY;
  let timerWall = Number.POSITIVE_INFINITY;
  const arm = (): void => {
    if (!opts.flushMs || closed) return;
    let wait = opts.flushMs;
    if (queue.length === 0) {
      // only a minute still counting: flushed once it ended (a minute at most, whatever the clock says)
      const next = aggregator.nextDrain();
      if (next === Number.POSITIVE_INFINITY) return; // nothing waits
      wait = Math.max(opts.flushMs, Math.min(60_000, next - now()));
    }
    const at = performance.now() + wait;
    if (timer !== undefined) {
      if (timerAt <= at) return; // armed soon enough
      clearTimeout(timer); // armed for a minute's end, and now rows wait
    }
    timerAt = at;
    timerWall = now() + wait;
    timer = setTimeout(() => {
      timer = undefined;
      timerAt = Number.POSITIVE_INFINITY;
      timerWall = Number.POSITIVE_INFINITY;
      flush();
      arm();
    }, wait);
    timer.unref?.();
  };

  return {
    record(e) {
      if (closed) return;
      if (queue.length >= MAX_QUEUE * WIDTH) {
        dropped++;
        return;
      }
      const at = e.at ?? now();
      if (!aggregator.admit(e, at)) {
        // counted in its minute: nothing to arm when the armed timer fires before that minute ends
        if (timerWall > at - (at % 60_000) + 60_000) arm();
        return;
      }
      push(e, at);
      arm();
      if (queue.length >= BATCH * WIDTH && soon === undefined) {
        soon = setTimeout(() => {
          soon = undefined;
          flush();
        }, 0);
      }
    },
    flush: () => flush(),
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
      if (timer) clearTimeout(timer);
      wal?.stop();
      flush(true);
      closed = true;
      db.close();
    },
  };
}
