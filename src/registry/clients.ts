// The client registry: one row per client id, its current certificate and token hash.
import type { Database } from "bun:sqlite";
import { mkdirSync } from "node:fs";
import { NeoError, conflict, notFound } from "../lib/errors.ts";
import { ALL_ACCESS_SCOPES } from "../lib/scopes.ts";
import { DEFAULT_DOMAIN_ID } from "../lib/domain-id.ts";
import { createLogger } from "../lib/log.ts";
import { certStatements, importCertInto } from "./client-cert.ts";
import { type ClientRow, type Int, num, type RevokedRow, SELECT, toRecord } from "./client-rows.ts";
import { openEnrollments } from "./enrollments.ts";
import {
  localWriteCount,
  noteLocalWrite,
  OTHERS_SEEN_WITHIN_MS,
  openRegistryDb,
  type RegistryOpenOptions,
} from "./db.ts";
import { recentReading } from "../lib/recent-reading.ts";
import { openPendingCerts } from "./pending-certs.ts";
import { assertClientId, createTokenHasher, loadTokenKey, newToken } from "./token.ts";
import type {
  CertIssuer,
  ClientCredentials,
  ClientRecord,
  KeyType,
  Registry,
  RevocationCause,
  RevokedSerial,
  RotateOptions,
} from "./types.ts";

const log = createLogger("registry");
/** last_used_at is written at most this often per client */
const TOUCH_INTERVAL_MS = 30_000;

const wholeSeconds = (d: Date) => Math.floor(d.getTime() / 1000) * 1000;
const isUniqueViolation = (e: unknown) => e instanceof Error && /UNIQUE constraint failed/i.test(e.message);

export function openRegistry(dataDir: string, opts: RegistryOpenOptions = {}): Registry {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const hashToken = createTokenHasher(loadTokenKey(dataDir));
  const db: Database = openRegistryDb(dataDir, opts);

  const q = {
    get: db.prepare<ClientRow, [string]>(`${SELECT} WHERE c.id = ?`),
    list: db.prepare<ClientRow, []>(`${SELECT} ORDER BY c.created_at, c.id`),
    insert: db.prepare(
      `INSERT INTO clients (id, token_hash, cert_fingerprint, cert_serial, key_type, not_before, not_after, created_at, status, scopes, domain_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'active', ?, ?)`,
    ),
    del: db.prepare("DELETE FROM clients WHERE id = ?"),
    ungroup: db.prepare("DELETE FROM group_members WHERE kind = 'client' AND entity_id = ?"),
    revoke: db.prepare("UPDATE clients SET status = 'revoked', revoked_at = ? WHERE id = ? AND status = 'active'"),
    rotate: db.prepare(
      `UPDATE clients SET token_hash = ?, cert_fingerprint = ?, cert_serial = ?, key_type = ?, not_before = ?, not_after = ?
       WHERE id = ? AND cert_serial = ? AND status = 'active'`,
    ),
    touch: db.prepare("UPDATE clients SET last_used_at = ? WHERE id = ?"),
    setScopes: db.prepare("UPDATE clients SET scopes = ? WHERE id = ?"),
    addRevoked: db.prepare(
      "INSERT OR IGNORE INTO revoked_certs (serial, client_id, cause, revoked_at) VALUES (?, ?, ?, ?)",
    ),
    revoked: db.prepare<RevokedRow, []>("SELECT * FROM revoked_certs ORDER BY revoked_at, serial"),
    dataVersion: db.prepare<{ data_version: Int }, []>("PRAGMA data_version"),
  };
  /** commits by other connections, other processes included: one SQLite read per millisecond at most */
  const otherCommits = recentReading(() => Number(q.dataVersion.values()[0]?.[0] ?? 0), OTHERS_SEEN_WITHIN_MS);

  const certs = certStatements(db);
  const listeners = new Set<() => void>();
  let announced = false;
  /** a write by this process: the version moves, and listeners hear of it once per turn */
  const wrote = () => {
    noteLocalWrite();
    if (announced || listeners.size === 0) return;
    announced = true;
    queueMicrotask(() => {
      announced = false;
      for (const fn of listeners) fn();
    });
  };
  const enrollments = openEnrollments(db, hashToken, () => wrote());
  const touchedAt = new Map<string, number>();

  const get = (id: string): ClientRecord | null => {
    const row = q.get.get(id);
    return row ? toRecord(row) : null;
  };
  const mustGet = (id: string): ClientRecord => {
    const r = get(id);
    if (!r) throw notFound("client_not_found", `client ${JSON.stringify(id)} not found`);
    return r;
  };
  const retire = (serial: string, clientId: string, cause: RevocationCause, at: number) =>
    q.addRevoked.run(serial, clientId, cause, at);

  const importCert = importCertInto({ db, certs, mustGet, retire, wrote });

  async function issue(pki: CertIssuer, id: string, keyType: KeyType, from: Date, until: Date) {
    // X.509 times have whole seconds: truncate first so the record and the certificate agree
    const notBefore = wholeSeconds(from);
    const notAfter = wholeSeconds(until);
    const cert = await pki.issueClientCert({
      clientId: id,
      keyType,
      notBefore: new Date(notBefore),
      notAfter: new Date(notAfter),
    });
    const token = newToken(id);
    return { cert, token, tokenHash: hashToken(token), notBefore, notAfter };
  }

  return {
    async create({ id, keyType, notBefore, notAfter, pki, scopes, domainId }) {
      assertClientId(id);
      if (get(id)) throw conflict("client_exists", `client ${JSON.stringify(id)} already exists`);
      const { cert, token, tokenHash, ...v } = await issue(pki, id, keyType, notBefore, notAfter);
      try {
        q.insert.run(
          id,
          tokenHash,
          cert.fingerprint256,
          cert.serial,
          keyType,
          v.notBefore,
          v.notAfter,
          Date.now(),
          JSON.stringify(scopes ?? ALL_ACCESS_SCOPES),
          domainId ?? DEFAULT_DOMAIN_ID,
        );
      } catch (e) {
        if (isUniqueViolation(e)) throw conflict("client_exists", `client ${JSON.stringify(id)} already exists`);
        throw e;
      }
      wrote();
      log.info(`registered client ${id} (${keyType}, serial ${cert.serial})`);
      return { record: mustGet(id), certPem: cert.certPem, keyPem: cert.keyPem, token };
    },

    get,
    credentials(id): ClientCredentials | null {
      const row = q.get.get(id);
      return row ? { record: toRecord(row), tokenHash: row.token_hash } : null;
    },
    hashToken,
    list: () => q.list.all().map(toRecord),

    delete(id) {
      const now = Date.now();
      db.transaction(() => {
        const r = mustGet(id);
        q.del.run(id);
        q.ungroup.run(id); // a key made again later with this id joins no group
        db.query("DELETE FROM dashboards WHERE owner = ?").run(id); // nor owns the dashboards this key made
        retire(r.certSerial, id, "deleted", now);
      }).immediate();
      wrote();
      touchedAt.delete(id);
      log.info(`deleted client ${id}`);
    },

    revoke(id) {
      const now = Date.now();
      db.transaction(() => {
        const r = mustGet(id);
        if (r.status === "revoked") return;
        q.revoke.run(now, id);
        retire(r.certSerial, id, "revoked", now);
      }).immediate();
      wrote();
      log.info(`revoked client ${id}`);
      return mustGet(id);
    },

    async rotate(id, pki, o: RotateOptions = {}) {
      const cur = mustGet(id);
      if (cur.status !== "active") {
        throw new NeoError(
          "client_revoked",
          `client ${JSON.stringify(id)} is revoked; delete it and generate a new key`,
          409,
        );
      }
      const keyType = o.keyType ?? cur.keyType;
      const notBefore = o.notBefore ?? new Date();
      const notAfter = o.notAfter ?? new Date(notBefore.getTime() + Math.max(cur.notAfter - cur.notBefore, 86_400_000));
      const { cert, token, tokenHash, ...v } = await issue(pki, id, keyType, notBefore, notAfter);
      const now = Date.now();
      db.transaction(() => {
        // cert_serial in the WHERE: a concurrent rotate/revoke/delete in another process wins, we fail
        const res = q.rotate.run(
          tokenHash,
          cert.fingerprint256,
          cert.serial,
          keyType,
          v.notBefore,
          v.notAfter,
          id,
          cur.certSerial,
        );
        if (res.changes !== 1)
          throw conflict("client_changed", `client ${JSON.stringify(id)} changed while rotating; try again`);
        retire(cur.certSerial, id, "rotated", now);
      }).immediate();
      wrote();
      log.info(`rotated client ${id} (serial ${cur.certSerial} -> ${cert.serial})`);
      return { record: mustGet(id), certPem: cert.certPem, keyPem: cert.keyPem, token };
    },

    enrollments,
    idByFingerprint: (fp) => certs.idByFingerprint(fp),
    importCert,
    pending: openPendingCerts(db, { get, idByFingerprint: (fp) => certs.idByFingerprint(fp), importCert }),
    updateScopes(id, change) {
      let next: string[] = [];
      db.transaction(() => {
        next = change([...mustGet(id).scopes]);
        q.setScopes.run(JSON.stringify(next), id);
      }).immediate();
      wrote(); // a live session's rights change: the live re-check must look
      log.info(`scopes of client ${id}: ${next.join(" ") || "(none)"}`);
      return next;
    },

    touch(id) {
      const now = Date.now();
      const last = touchedAt.get(id);
      if (last !== undefined && now - last < TOUCH_INTERVAL_MS) return;
      touchedAt.set(id, now);
      try {
        q.touch.run(now, id); // not counted in dataVersion: last use changes no one's rights
      } catch (e) {
        log.warn(`could not record last use of ${id}: ${(e as Error).message}`);
      }
    },

    revokedSerials(): RevokedSerial[] {
      return q.revoked.all().map((r) => ({
        serial: r.serial,
        clientId: r.client_id,
        cause: (r.cause === "deleted" || r.cause === "rotated" ? r.cause : "revoked") satisfies RevocationCause,
        revokedAt: new Date(num(r.revoked_at) ?? 0),
      }));
    },

    onChange(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },

    dataVersion() {
      // PRAGMA data_version moves only for commits by OTHER connections (read once per ms at most);
      // add this process's own writes, on any registry connection, at once
      return otherCommits() + localWriteCount();
    },

    close() {
      db.close();
    },
  };
}
