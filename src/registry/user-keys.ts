// Keys handed to people, in <data>/registry.db table `user_keys`: login access keys,
// refresh keys, web UI sessions and one-time recovery keys. A key is
// `<prefix>_<id>_<secret>` (prefix per kind, 16 hex id, 43 base64url chars of secret);
// only HMAC-SHA256(token.key, key) is stored and compared in constant time. Rows survive
// a restart, so another process (`neo shell user ...`) can revoke them at once.
import type { Database } from "bun:sqlite";
import { join } from "node:path";
import { openDatabase, runMigrations } from "../storage/index.ts";
import { createTokenHasher, loadTokenKey } from "./token.ts";
import { randomBytes, randomHex, sameBytes } from "../lib/secret-bytes.ts";

type UserKeyKind = "access" | "refresh" | "session" | "recovery";

const PREFIX: Record<UserKeyKind, string> = { access: "nac", refresh: "nrf", session: "nws", recovery: "nrc" };
const KEY_RE = /^(nac|nrf|nws|nrc)_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

export interface UserKeyInfo {
  id: string;
  userId: string;
  kind: UserKeyKind;
  /** keys issued together by one login and its refreshes (theft detection revokes them all) */
  family: string;
  /** the user's password stamp when issued: a password change ends the key */
  stamp: number;
  issuedAt: number;
  expiresAt: number;
  usedAt: number | null;
  revokedAt: number | null;
}

type UserKeyCheck =
  | { ok: true; key: UserKeyInfo }
  | { ok: false; reason: "invalid" | "expired" | "revoked" | "used"; key?: UserKeyInfo };

export interface UserKeys {
  issue(
    userId: string,
    kind: UserKeyKind,
    ttlMs: number,
    opts: { stamp: number; family?: string },
  ): { token: string; key: UserKeyInfo };
  /** Does this text look like one of our keys (any kind)? No lookup. */
  looksLike(token: string): boolean;
  /** The key behind a token, checked: known, hash equal, not revoked, not expired (used keys say "used"). */
  check(token: string): UserKeyCheck;
  /** The key with this id as stored (no check, no extension): what a live re-check reads. */
  get(id: string): UserKeyInfo | null;
  /** Mark a key used, once: false if it already was (a refresh key presented twice). */
  consume(id: string): boolean;
  /** Revoke every live key of a family (refresh reuse), or of a user (password reset). */
  revokeFamily(family: string): number;
  revokeUser(userId: string, kinds?: readonly UserKeyKind[]): number;
  revoke(id: string): void;
  /** move a session's expiry (sliding sessions); written at most once a minute */
  extend(key: UserKeyInfo, expiresAt: number): void;
  close(): void;
}

type Int = number | bigint | null;
interface Row {
  id: string;
  user_id: string;
  kind: string;
  family: string;
  hash: Uint8Array;
  stamp: Int;
  issued_at: Int;
  expires_at: Int;
  used_at: Int;
  revoked_at: Int;
}

const n = (v: Int) => (v === null ? null : Number(v));
const toInfo = (r: Row): UserKeyInfo => ({
  id: r.id,
  userId: r.user_id,
  kind: r.kind as UserKeyKind,
  family: r.family,
  stamp: Number(r.stamp ?? 0),
  issuedAt: Number(r.issued_at ?? 0),
  expiresAt: Number(r.expires_at ?? 0),
  usedAt: n(r.used_at),
  revokedAt: n(r.revoked_at),
});

const DUMMY = new Uint8Array(32);

export function openUserKeys(dataDir: string, opts: { now?: () => number } = {}): UserKeys {
  const now = opts.now ?? Date.now;
  const hash = createTokenHasher(loadTokenKey(dataDir));
  const db: Database = openDatabase(join(dataDir, "registry.db"));
  const migrate = () =>
    runMigrations(db, "user_keys", [
      {
        id: 1,
        sql: `CREATE TABLE IF NOT EXISTS user_keys (
          id         TEXT PRIMARY KEY,
          user_id    TEXT NOT NULL,
          kind       TEXT NOT NULL,    -- access | refresh | session | recovery
          family     TEXT NOT NULL,
          hash       BLOB NOT NULL,
          stamp      INTEGER NOT NULL,
          issued_at  INTEGER NOT NULL,
          expires_at INTEGER NOT NULL,
          used_at    INTEGER,
          revoked_at INTEGER
        );
        CREATE INDEX IF NOT EXISTS user_keys_family ON user_keys (family);
        CREATE INDEX IF NOT EXISTS user_keys_user ON user_keys (user_id);`,
      },
    ]);
  try {
    migrate();
  } catch {
    migrate();
  }
  const q = {
    get: db.prepare<Row, [string]>("SELECT * FROM user_keys WHERE id = ?"),
    insert: db.prepare(
      "INSERT INTO user_keys (id, user_id, kind, family, hash, stamp, issued_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    ),
    consume: db.prepare("UPDATE user_keys SET used_at = ? WHERE id = ? AND used_at IS NULL"),
    revokeFamily: db.prepare("UPDATE user_keys SET revoked_at = ? WHERE family = ? AND revoked_at IS NULL"),
    revokeOne: db.prepare("UPDATE user_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL"),
    extend: db.prepare("UPDATE user_keys SET expires_at = ? WHERE id = ?"),
    // rows that cannot matter any more: expired or revoked for a day
    prune: db.prepare("DELETE FROM user_keys WHERE expires_at < ? OR revoked_at < ?"),
  };
  let pruned = 0;

  return {
    issue(userId, kind, ttlMs, o) {
      const t = now();
      if (t - pruned > 3_600_000) {
        pruned = t;
        q.prune.run(t - 86_400_000, t - 86_400_000);
      }
      const id = randomHex(8);
      const token = `${PREFIX[kind]}_${id}_${Buffer.from(randomBytes(32)).toString("base64url")}`;
      const family = o.family ?? id;
      q.insert.run(id, userId, kind, family, hash(token), o.stamp, t, t + ttlMs);
      return {
        token,
        key: {
          id,
          userId,
          kind,
          family,
          stamp: o.stamp,
          issuedAt: t,
          expiresAt: t + ttlMs,
          usedAt: null,
          revokedAt: null,
        },
      };
    },
    looksLike: (token) => KEY_RE.test(token),
    check(token) {
      const m = KEY_RE.exec(token);
      const row = m ? q.get.get(m[2]!) : null;
      // compare even for unknown ids, so timing says nothing about which exist
      const same = sameBytes(hash(token), row ? row.hash : DUMMY) && row !== null;
      if (!row || !same || PREFIX[row.kind as UserKeyKind] !== m?.[1]) return { ok: false, reason: "invalid" };
      const key = toInfo(row);
      if (key.revokedAt !== null) return { ok: false, reason: "revoked", key };
      if (now() >= key.expiresAt) return { ok: false, reason: "expired", key };
      if (key.usedAt !== null) return { ok: false, reason: "used", key };
      return { ok: true, key };
    },
    get(id) {
      const row = q.get.get(id);
      return row ? toInfo(row) : null;
    },
    consume: (id) => q.consume.run(now(), id).changes > 0,
    revokeFamily: (family) => q.revokeFamily.run(now(), family).changes,
    revokeUser(userId, kinds) {
      const list = kinds ?? (["access", "refresh", "session", "recovery"] as const);
      const sql = `UPDATE user_keys SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL AND kind IN (${list.map(() => "?").join(",")})`;
      return db.query(sql).run(now(), userId, ...list).changes;
    },
    revoke: (id) => void q.revokeOne.run(now(), id),
    extend(key, expiresAt) {
      if (expiresAt - key.expiresAt < 60_000) return;
      key.expiresAt = expiresAt;
      q.extend.run(expiresAt, key.id);
    },
    close: () => db.close(),
  };
}
