// Approval at first use (Tls.TrustedCA with Policy "pinned"): a certificate of a trusted CA
// that names a registered client by the CA's rule but is not registered itself is refused
// AND kept here, until an operator approves it (it becomes the client's certificate, as
// `neo shell key import` would make it) or rejects it. Bounded: at most MAX_PER_CLIENT per
// client (the oldest gives way) and MAX_PENDING in all (beyond that nothing new is kept);
// a certificate seen again moves its last-seen time at most once per SEEN_WRITE_MS, so
// repeated connects do not turn into writes. Nothing here changes anyone's rights, so it
// does not move the registry's change signal (an approval does, through importCert).
import type { Database } from "bun:sqlite";
import { conflict, notFound } from "../lib/errors.ts";
import type { ClientRecord, Registry } from "./types.ts";

export const MAX_PENDING = 256;
export const MAX_PER_CLIENT = 4;
const SEEN_WRITE_MS = 10_000;
/** registered meanwhile (`key import` of the same certificate): no longer waiting */
const WAITING = "NOT EXISTS (SELECT 1 FROM clients c WHERE c.cert_fingerprint = p.fingerprint)";

export interface PendingCert {
  /** SHA-256 of the DER, lowercase hex */
  fingerprint: string;
  /** the client the certificate names by its CA's identity rule */
  clientId: string;
  /** the Tls.TrustedCA name */
  ca: string;
  subject: string;
  /** lowercase hex */
  serial: string;
  /** the certificate's validity, ms */
  notBefore: number;
  notAfter: number;
  firstSeen: number;
  lastSeen: number;
  /** where it was last presented from ("" when the transport did not say) */
  address: string;
}

type PendingInput = Omit<PendingCert, "firstSeen" | "lastSeen">;

export interface PendingCerts {
  /** a refused certificate seen (again): kept, seen again, or not kept (the table is full) */
  record(p: PendingInput, now?: number): "kept" | "seen" | "full";
  list(): PendingCert[];
  /** by fingerprint (hex, colons allowed), or by client id when it has exactly one */
  find(key: string): PendingCert;
  /** register it as its client's certificate (the old one is retired) and drop it here */
  approve(key: string): { pending: PendingCert; record: ClientRecord };
  reject(key: string): PendingCert;
}

interface Row {
  fingerprint: string;
  client_id: string;
  ca: string;
  subject: string;
  serial: string;
  not_before: number | bigint;
  not_after: number | bigint;
  first_seen: number | bigint;
  last_seen: number | bigint;
  address: string;
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

/** one pending certificate as JSON (`neo shell key pending --format json`, GET /keys/pending) */
export const pendingJson = (p: PendingCert) => ({
  clientId: p.clientId,
  ca: p.ca,
  fingerprint: p.fingerprint,
  subject: p.subject,
  serial: p.serial,
  notBefore: iso(p.notBefore),
  notAfter: iso(p.notAfter),
  firstSeen: iso(p.firstSeen),
  lastSeen: iso(p.lastSeen),
  address: p.address,
});

const toPending = (r: Row): PendingCert => ({
  fingerprint: r.fingerprint,
  clientId: r.client_id,
  ca: r.ca,
  subject: r.subject,
  serial: r.serial,
  notBefore: Number(r.not_before),
  notAfter: Number(r.not_after),
  firstSeen: Number(r.first_seen),
  lastSeen: Number(r.last_seen),
  address: r.address,
});

export function openPendingCerts(
  db: Database,
  clients: Pick<Registry, "get" | "idByFingerprint" | "importCert">,
): PendingCerts {
  const q = {
    get: db.prepare<Row, [string]>("SELECT * FROM pending_certs WHERE fingerprint = ?"),
    ofClient: db.prepare<Row, [string]>(
      `SELECT * FROM pending_certs p WHERE client_id = ? AND ${WAITING} ORDER BY last_seen`,
    ),
    all: db.prepare<Row, []>(`SELECT * FROM pending_certs p WHERE ${WAITING} ORDER BY last_seen DESC`),
    count: db.prepare<{ n: number }, []>("SELECT count(*) AS n FROM pending_certs"),
    insert: db.prepare(
      `INSERT INTO pending_certs (fingerprint, client_id, ca, subject, serial, not_before, not_after, first_seen, last_seen, address)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    seen: db.prepare("UPDATE pending_certs SET last_seen = ?, address = ? WHERE fingerprint = ?"),
    del: db.prepare("DELETE FROM pending_certs WHERE fingerprint = ?"),
    expired: db.prepare("DELETE FROM pending_certs WHERE not_after < ?"),
    stale: db.prepare(`DELETE FROM pending_certs AS p WHERE NOT ${WAITING}`),
  };
  /** fingerprint -> when its row was last written by this process (bounded) */
  const written = new Map<string, number>();

  function find(key: string): PendingCert {
    const fp = key.replace(/:/g, "").toLowerCase();
    const byFp = /^[0-9a-f]{64}$/.test(fp) ? q.get.get(fp) : null;
    if (byFp) return toPending(byFp);
    const mine = q.ofClient.all(key);
    if (mine.length > 1)
      throw conflict(
        "pending_ambiguous",
        `client ${JSON.stringify(key)} has ${mine.length} pending certificates; give the fingerprint`,
      );
    const one = mine[0];
    if (!one) throw notFound("pending_not_found", `no pending certificate ${JSON.stringify(key)}`);
    return toPending(one);
  }

  return {
    record(p, now = Date.now()) {
      const last = written.get(p.fingerprint);
      if (last !== undefined && now - last < SEEN_WRITE_MS) return "seen";
      if (written.size >= 4096) written.clear();
      written.set(p.fingerprint, now);
      return db
        .transaction((): "kept" | "seen" | "full" => {
          if (q.seen.run(now, p.address, p.fingerprint).changes === 1) return "seen";
          q.expired.run(now);
          q.stale.run();
          const mine = q.ofClient.all(p.clientId);
          // the client's oldest gives way; the table as a whole does not grow past its bound
          for (const old of mine.slice(0, Math.max(0, mine.length - MAX_PER_CLIENT + 1))) q.del.run(old.fingerprint);
          if ((q.count.get()?.n ?? 0) >= MAX_PENDING) return "full";
          q.insert.run(
            p.fingerprint,
            p.clientId,
            p.ca,
            p.subject,
            p.serial,
            p.notBefore,
            p.notAfter,
            now,
            now,
            p.address,
          );
          return "kept";
        })
        .immediate();
    },
    list: () => q.all.all().map(toPending),
    find,
    approve(key) {
      const p = find(key);
      const holder = clients.idByFingerprint(p.fingerprint);
      if (holder !== null) {
        q.del.run(p.fingerprint);
        throw conflict("certificate_registered", `the certificate is already client "${holder}"'s`);
      }
      if (!clients.get(p.clientId))
        throw notFound("client_not_found", `client ${JSON.stringify(p.clientId)} no longer exists`);
      const record = clients.importCert(p.clientId, { fingerprint256: p.fingerprint, serial: p.serial });
      q.del.run(p.fingerprint);
      written.delete(p.fingerprint);
      return { pending: p, record };
    },
    reject(key) {
      const p = find(key);
      q.del.run(p.fingerprint);
      written.delete(p.fingerprint);
      return p;
    },
  };
}
