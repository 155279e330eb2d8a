// EST enrollment state in registry.db: one-time enrollment secrets (`neo shell key enroll`:
// `<id>:e:<64 hex>`, stored as HMAC only, with the scopes the enrolled client will get and
// an expiry), and the certificates a renewal replaced, which still work until their
// grace period ends.
import type { Database } from "bun:sqlite";
import { randomHex, sameBytes } from "../lib/secret-bytes.ts";

interface Enrollment {
  clientId: string;
  scopes: string[];
  expiresAt: number;
}

export interface Enrollments {
  /** a new one-time secret for `clientId` (any earlier one is replaced) */
  create(clientId: string, scopes: readonly string[], expiresAt: number): string;
  /** the enrollment this secret opens, or why not ("unknown" covers a wrong secret) */
  check(secret: string, now?: number): Enrollment | "unknown" | "expired";
  /** is the enrollment of this client still open (for the live re-check)? */
  open(clientId: string, now?: number): Enrollment | null;
  /** used: gone */
  consume(clientId: string): void;
  /** a renewed client's previous certificate works until `until` */
  addGrace(fingerprint: string, clientId: string, until: number): void;
  grace(fingerprint: string): { clientId: string; until: number } | null;
}

const SHAPE = /^([^:]+):e:[0-9a-f]{64}$/;
/** does this text have an enrollment secret's shape (no lookup) */
export const isEnrollmentSecret = (s: string): boolean => SHAPE.test(s);

interface Row {
  client_id: string;
  secret_hash: Uint8Array;
  scopes: string;
  expires_at: number | bigint;
}

export function openEnrollments(db: Database, hash: (s: string) => Uint8Array, changed: () => void): Enrollments {
  const q = {
    put: db.prepare(
      "INSERT OR REPLACE INTO enrollments (client_id, secret_hash, scopes, expires_at, created_at) VALUES (?, ?, ?, ?, ?)",
    ),
    get: db.prepare<Row, [string]>("SELECT * FROM enrollments WHERE client_id = ?"),
    del: db.prepare("DELETE FROM enrollments WHERE client_id = ?"),
    addGrace: db.prepare("INSERT OR REPLACE INTO cert_grace (cert_fingerprint, client_id, until) VALUES (?, ?, ?)"),
    grace: db.prepare<{ client_id: string; until: number | bigint }, [string]>(
      "SELECT client_id, until FROM cert_grace WHERE cert_fingerprint = ?",
    ),
    prune: db.prepare("DELETE FROM cert_grace WHERE until < ?"),
  };
  const toEnrollment = (r: Row): Enrollment => ({
    clientId: r.client_id,
    scopes: JSON.parse(r.scopes) as string[],
    expiresAt: Number(r.expires_at),
  });
  return {
    create(clientId, scopes, expiresAt) {
      const secret = `${clientId}:e:${randomHex(32)}`;
      q.put.run(clientId, hash(secret), JSON.stringify(scopes), expiresAt, Date.now());
      changed();
      return secret;
    },
    check(secret, now = Date.now()) {
      const id = SHAPE.exec(secret)?.[1];
      const row = id === undefined ? null : q.get.get(id);
      // compare even when there is none, so timing says nothing about which exist
      const match = sameBytes(hash(secret), row?.secret_hash ?? new Uint8Array(32)) && row !== null;
      if (!match || !row) return "unknown";
      const e = toEnrollment(row);
      return now >= e.expiresAt ? "expired" : e;
    },
    open(clientId, now = Date.now()) {
      const row = q.get.get(clientId);
      return row && now < Number(row.expires_at) ? toEnrollment(row) : null;
    },
    consume(clientId) {
      q.del.run(clientId);
      changed();
    },
    addGrace(fingerprint, clientId, until) {
      q.prune.run(Date.now());
      q.addGrace.run(fingerprint, clientId, until);
      changed();
    },
    grace(fingerprint) {
      const r = q.grace.get(fingerprint);
      return r ? { clientId: r.client_id, until: Number(r.until) } : null;
    },
  };
}
