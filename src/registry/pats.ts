// Personal access tokens (SuperMQ's PATs), in <data>/registry.db tables `pats` and
// `pat_scopes`. The secret is `pat_<base64(user id 16 bytes ‖ PAT id 16 bytes)>_<43
// base64url chars>`, shown once; only HMAC-SHA256(token.key, secret) is stored and it is
// compared in constant time. Scopes are stored in SuperMQ's shape (entity_type,
// operation, entity_id, optional_domain_id); auth/pat-scopes.ts maps them onto neo's.
import type { Database } from "bun:sqlite";
import { join } from "node:path";
import { forbidden, notFound } from "../lib/errors.ts";
import { openDatabase, runMigrations } from "../storage/index.ts";
import { createTokenHasher, loadTokenKey } from "./token.ts";
import { randomBytes, sameBytes } from "../lib/secret-bytes.ts";

interface PatScope {
  id: string;
  entity_type: string;
  operation: string;
  entity_id: string;
  optional_domain_id?: string;
}

export interface PatRecord {
  id: string;
  userId: string;
  name: string;
  description: string;
  issuedAt: number;
  /** null: never expires */
  expiresAt: number | null;
  updatedAt: number;
  revoked: boolean;
  revokedAt: number | null;
  lastUsedAt: number | null;
  /** who revoked it (null: not revoked) */
  revokedBy: PatActor | null;
}

/** who acts on a PAT: its owner (the web API, /pats) or an operator (`neo shell pat`) */
type PatActor = "owner" | "operator";

type PatCheck =
  | { ok: true; pat: PatRecord }
  | { ok: false; reason: "invalid" | "revoked" | "expired"; pat?: PatRecord };

export interface Pats {
  create(
    userId: string,
    o: { name: string; description: string; ttlMs: number | null },
  ): { pat: PatRecord; secret: string };
  list(userId: string): PatRecord[];
  get(userId: string, id: string): PatRecord | null;
  getAny(id: string): PatRecord | null;
  /** a new secret (the old one dead at once), a new expiry, and un-revoked (SuperMQ's reset) */
  /** a new secret (and lifetime); the owner may not revive a PAT an operator revoked (403) */
  reset(userId: string, id: string, ttlMs: number | null, by?: PatActor): { pat: PatRecord; secret: string };
  revoke(userId: string, id: string, by?: PatActor): PatRecord;
  remove(userId: string, id: string): void;
  update(userId: string, id: string, o: { name?: string; description?: string }): PatRecord;
  scopes(id: string): PatScope[];
  addScopes(id: string, scopes: Omit<PatScope, "id">[]): PatScope[];
  removeScopes(id: string, scopeIds: string[]): PatScope[];
  clearScopes(id: string): void;
  looksLike(secret: string): boolean;
  /** the PAT behind a secret: known, hash equal, not revoked, not expired */
  check(secret: string): PatCheck;
  /** record a use; written at most every few seconds per PAT */
  touch(id: string): void;
  /** changes when another connection wrote the file */
  close(): void;
}

type Int = number | bigint | null;
interface Row {
  id: string;
  user_id: string;
  name: string;
  description: string;
  hash: Uint8Array;
  issued_at: Int;
  expires_at: Int;
  updated_at: Int;
  revoked: Int;
  revoked_at: Int;
  last_used_at: Int;
  revoked_by: string | null;
}

const TOUCH_MS = 5_000;
const SECRET_RE = /^pat_([A-Za-z0-9+/]{43}=)_([A-Za-z0-9_-]{43})$/;
const n = (v: Int) => (v === null ? null : Number(v));
const toRecord = (r: Row): PatRecord => ({
  id: r.id,
  userId: r.user_id,
  name: r.name,
  description: r.description,
  issuedAt: Number(r.issued_at ?? 0),
  expiresAt: n(r.expires_at),
  updatedAt: Number(r.updated_at ?? 0),
  revoked: Number(r.revoked ?? 0) === 1,
  revokedAt: n(r.revoked_at),
  lastUsedAt: n(r.last_used_at),
  revokedBy: Number(r.revoked ?? 0) === 1 ? (r.revoked_by === "operator" ? "operator" : "owner") : null,
});

const uuidBytes = (u: string) => Buffer.from(u.replaceAll("-", ""), "hex");
const toUuid = (b: Buffer) => {
  const h = b.toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
};
const DUMMY = new Uint8Array(32);

export function openPats(dataDir: string, opts: { now?: () => number } = {}): Pats {
  const now = opts.now ?? Date.now;
  const hash = createTokenHasher(loadTokenKey(dataDir));
  const db: Database = openDatabase(join(dataDir, "registry.db"));
  const migrate = () =>
    runMigrations(db, "pats", [
      {
        id: 1,
        sql: `CREATE TABLE IF NOT EXISTS pats (
          id           TEXT PRIMARY KEY,
          user_id      TEXT NOT NULL,
          name         TEXT NOT NULL,
          description  TEXT NOT NULL DEFAULT '',
          hash         BLOB NOT NULL,
          issued_at    INTEGER NOT NULL,
          expires_at   INTEGER,          -- NULL: never
          updated_at   INTEGER NOT NULL,
          revoked      INTEGER NOT NULL DEFAULT 0,
          revoked_at   INTEGER,
          last_used_at INTEGER
        );
        CREATE INDEX IF NOT EXISTS pats_user ON pats (user_id);
        CREATE TABLE IF NOT EXISTS pat_scopes (
          id                 TEXT PRIMARY KEY,
          pat_id             TEXT NOT NULL REFERENCES pats (id) ON DELETE CASCADE,
          optional_domain_id TEXT NOT NULL DEFAULT '',
          entity_type        TEXT NOT NULL,
          operation          TEXT NOT NULL,
          entity_id          TEXT NOT NULL,
          UNIQUE (pat_id, optional_domain_id, entity_type, operation, entity_id)
        );`,
      },
      // who revoked it: a PAT an operator revoked may be revived (reset) only by an operator
      { id: 2, sql: "ALTER TABLE pats ADD COLUMN revoked_by TEXT" },
    ]);
  try {
    migrate();
  } catch {
    migrate();
  }
  const q = {
    get: db.prepare<Row, [string]>("SELECT * FROM pats WHERE id = ?"),
    list: db.prepare<Row, [string]>("SELECT * FROM pats WHERE user_id = ? ORDER BY issued_at, id"),
    insert: db.prepare(
      "INSERT INTO pats (id, user_id, name, description, hash, issued_at, expires_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    ),
    touch: db.prepare("UPDATE pats SET last_used_at = ? WHERE id = ?"),
    scopes: db.prepare<
      { id: string; entity_type: string; operation: string; entity_id: string; optional_domain_id: string },
      [string]
    >(
      "SELECT id, entity_type, operation, entity_id, optional_domain_id FROM pat_scopes WHERE pat_id = ? ORDER BY rowid",
    ),
  };
  const touched = new Map<string, number>();

  const secretFor = (userId: string, id: string) =>
    `pat_${Buffer.concat([Buffer.from(userId, "hex"), uuidBytes(id)]).toString("base64")}_${Buffer.from(
      randomBytes(32),
    ).toString("base64url")}`;

  function mine(userId: string, id: string): PatRecord {
    const r = q.get.get(id);
    // another user's PAT is as absent as a missing one (SuperMQ: 404)
    if (!r || r.user_id !== userId) throw notFound("pat_not_found", `no PAT ${id}`);
    return toRecord(r);
  }

  return {
    create(userId, o) {
      const id = crypto.randomUUID();
      const t = now();
      const secret = secretFor(userId, id);
      q.insert.run(id, userId, o.name, o.description, hash(secret), t, o.ttlMs === null ? null : t + o.ttlMs, t);
      return { pat: mine(userId, id), secret };
    },
    list: (userId) => q.list.all(userId).map(toRecord),
    get(userId, id) {
      const r = q.get.get(id);
      return r && r.user_id === userId ? toRecord(r) : null;
    },
    getAny(id) {
      const r = q.get.get(id);
      return r ? toRecord(r) : null;
    },
    reset(userId, id, ttlMs, by = "owner") {
      const p = mine(userId, id);
      if (by === "owner" && p.revokedBy === "operator")
        throw forbidden(
          "pat_revoked_by_operator",
          `PAT ${id} was revoked by an operator: only an operator may reset it`,
        );
      const t = now();
      const secret = secretFor(userId, id);
      db.query(
        "UPDATE pats SET hash = ?, expires_at = ?, updated_at = ?, revoked = 0, revoked_at = NULL, revoked_by = NULL WHERE id = ?",
      ).run(hash(secret), ttlMs === null ? null : t + ttlMs, t, id);
      return { pat: mine(userId, id), secret };
    },
    revoke(userId, id, by = "owner") {
      mine(userId, id);
      const t = now();
      db.query(
        "UPDATE pats SET revoked = 1, revoked_at = ?, updated_at = ?, revoked_by = ? WHERE id = ? AND revoked = 0",
      ).run(t, t, by, id);
      return mine(userId, id);
    },
    remove(userId, id) {
      mine(userId, id);
      db.query("DELETE FROM pats WHERE id = ?").run(id);
    },
    update(userId, id, o) {
      mine(userId, id);
      if (o.name !== undefined)
        db.query("UPDATE pats SET name = ?, updated_at = ? WHERE id = ?").run(o.name, now(), id);
      if (o.description !== undefined)
        db.query("UPDATE pats SET description = ?, updated_at = ? WHERE id = ?").run(o.description, now(), id);
      return mine(userId, id);
    },
    scopes: (id) =>
      q.scopes.all(id).map((r) => ({
        id: r.id,
        entity_type: r.entity_type,
        operation: r.operation,
        entity_id: r.entity_id,
        ...(r.optional_domain_id ? { optional_domain_id: r.optional_domain_id } : {}),
      })),
    addScopes(id, scopes) {
      const ins = db.prepare(
        "INSERT OR IGNORE INTO pat_scopes (id, pat_id, optional_domain_id, entity_type, operation, entity_id) VALUES (?, ?, ?, ?, ?, ?)",
      );
      db.transaction(() => {
        for (const s of scopes)
          ins.run(crypto.randomUUID(), id, s.optional_domain_id ?? "", s.entity_type, s.operation, s.entity_id);
        db.query("UPDATE pats SET updated_at = ? WHERE id = ?").run(now(), id);
      })();
      return this.scopes(id);
    },
    removeScopes(id, scopeIds) {
      const del = db.prepare("DELETE FROM pat_scopes WHERE pat_id = ? AND id = ?");
      db.transaction(() => {
        for (const s of scopeIds) del.run(id, s);
        db.query("UPDATE pats SET updated_at = ? WHERE id = ?").run(now(), id);
      })();
      return this.scopes(id);
    },
    clearScopes(id) {
      db.query("DELETE FROM pat_scopes WHERE pat_id = ?").run(id);
    },
    looksLike: (secret) => SECRET_RE.test(secret),
    check(secret) {
      const m = SECRET_RE.exec(secret);
      let row: Row | null = null;
      if (m) {
        const ids = Buffer.from(m[1]!, "base64");
        if (ids.length === 32) {
          const r = q.get.get(toUuid(ids.subarray(16)));
          row = r && r.user_id === ids.subarray(0, 16).toString("hex") ? r : null;
        }
      }
      // compare even when nothing matched, so timing says nothing about which PATs exist
      const same = sameBytes(hash(secret), row ? row.hash : DUMMY) && row !== null;
      if (!row || !same) return { ok: false, reason: "invalid" };
      const pat = toRecord(row);
      if (pat.revoked) return { ok: false, reason: "revoked", pat };
      if (pat.expiresAt !== null && now() >= pat.expiresAt) return { ok: false, reason: "expired", pat };
      return { ok: true, pat };
    },
    touch(id) {
      const t = now();
      if (t - (touched.get(id) ?? 0) < TOUCH_MS) return;
      if (touched.size > 10_000) touched.clear();
      touched.set(id, t);
      q.touch.run(t, id);
    },
    close: () => db.close(),
  };
}
