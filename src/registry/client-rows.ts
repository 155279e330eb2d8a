// How a client row of registry.db reads back as a ClientRecord (with its domain's status).
import { scopesOf } from "./stored-scopes.ts";
import type { ClientRecord, ClientStatus, DomainStatus } from "./types.ts";

export type Int = number | bigint | null;
export interface ClientRow {
  id: string;
  token_hash: Uint8Array;
  cert_fingerprint: string;
  cert_serial: string;
  key_type: string | null;
  not_before: Int;
  not_after: Int;
  created_at: Int;
  status: string | null;
  revoked_at: Int;
  last_used_at: Int;
  scopes: string | null;
  domain_id: string;
  domain_status: string | null;
  disabled: number | bigint;
}
export interface RevokedRow {
  serial: string;
  client_id: string;
  cause: string;
  revoked_at: Int;
}

export const num = (v: Int): number | null => (v === null ? null : Number(v));

export function toRecord(r: ClientRow): ClientRecord {
  return {
    id: r.id,
    certFingerprint: r.cert_fingerprint,
    certSerial: r.cert_serial,
    keyType: r.key_type === "rsa" ? "rsa" : "ec",
    notBefore: num(r.not_before) ?? 0,
    notAfter: num(r.not_after) ?? 0,
    createdAt: num(r.created_at) ?? 0,
    status: (r.status === "revoked" ? "revoked" : "active") satisfies ClientStatus,
    revokedAt: num(r.revoked_at),
    lastUsedAt: num(r.last_used_at),
    scopes: scopesOf(r.scopes),
    domainId: r.domain_id,
    domainStatus: domainStatusOf(r.domain_status),
    disabled: Number(r.disabled) !== 0,
  };
}

const domainStatusOf = (s: string | null): DomainStatus =>
  s === "enabled" || s === "frozen" ? s : s === null ? "deleted" : "disabled";
/** a client with its domain's status (one primary-key join): a disabled domain stops its keys */
export const SELECT = `SELECT c.*, d.status AS domain_status FROM clients c LEFT JOIN domains d ON d.id = c.domain_id`;
