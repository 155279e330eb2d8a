// What the registry stores about a client and what it hands back when it issues one.
import type { Enrollments } from "./enrollments.ts";
import type { PendingCerts } from "./pending-certs.ts";
export type KeyType = "ec" | "rsa";
export type ClientStatus = "active" | "revoked";
export type RevocationCause = "revoked" | "deleted" | "rotated";
/** a SuperMQ domain's status; "deleted": the client's domain row is gone */
export type DomainStatus = "enabled" | "disabled" | "frozen" | "deleted";

export interface ClientRecord {
  id: string;
  /** lowercase hex SHA-256 of the current certificate's DER */
  certFingerprint: string;
  /** lowercase hex serial of the current certificate */
  certSerial: string;
  keyType: KeyType;
  /** ms since epoch; the certificate and the token share this validity */
  notBefore: number;
  notAfter: number;
  createdAt: number;
  status: ClientStatus;
  revokedAt: number | null;
  lastUsedAt: number | null;
  /** scope texts, validated by whoever stored them (see lib/scopes.ts) */
  scopes: string[];
  /** the SuperMQ domain the key lives in (DEFAULT_DOMAIN_ID for everything made without one) */
  domainId: string;
  /** its domain's status now: anything but "enabled" makes the key unusable */
  domainStatus: DomainStatus;
  /** SuperMQ's reversible disable (POST /<domain>/clients/<id>/disable): unusable until enabled */
  disabled: boolean;
}

/** The record plus the keyed token hash, for constant-time checks in auth. */
export interface ClientCredentials {
  record: ClientRecord;
  tokenHash: Uint8Array;
}

/** The part of pki the registry needs (pki's `Pki` satisfies it). */
export interface CertIssuer {
  issueClientCert(o: { clientId: string; keyType: KeyType; notBefore: Date; notAfter: Date }): Promise<{
    certPem: string;
    keyPem: string;
    fingerprint256: string;
    serial: string;
  }>;
}

interface CreateClientOptions {
  id: string;
  keyType: KeyType;
  notBefore: Date;
  notAfter: Date;
  pki: CertIssuer;
  /** validated scope texts; default the all-access set (callers pass Auth.DefaultScopes) */
  scopes?: readonly string[];
  /** the SuperMQ domain (default: the default domain) */
  domainId?: string;
}

export interface RotateOptions {
  /** default: the current key type */
  keyType?: KeyType;
  /** default: now */
  notBefore?: Date;
  /** default: the new not-before plus the current validity length */
  notAfter?: Date;
}

/** Returned once, at creation or rotation: the only time key and token exist in clear. */
export interface IssuedClient {
  record: ClientRecord;
  certPem: string;
  keyPem: string;
  token: string;
}

export interface RevokedSerial {
  serial: string;
  clientId: string;
  cause: RevocationCause;
  revokedAt: Date;
}

export interface Registry {
  create(o: CreateClientOptions): Promise<IssuedClient>;
  get(id: string): ClientRecord | null;
  /** record + token hash; null when unknown */
  credentials(id: string): ClientCredentials | null;
  /** keyed hash (HMAC-SHA256 with <data>/token.key) of a token */
  hashToken(token: string): Uint8Array;
  list(): ClientRecord[];
  delete(id: string): void;
  revoke(id: string): ClientRecord;
  rotate(id: string, pki: CertIssuer, o?: RotateOptions): Promise<IssuedClient>;
  /** EST: one-time enrollment secrets and renewed certificates' grace periods */
  readonly enrollments: Enrollments;
  /** approval at first use: refused certificates of pinned trusted CAs, kept for an operator */
  readonly pending: PendingCerts;
  /** the client holding the certificate with this fingerprint (lowercase hex), or null */
  idByFingerprint(fp: string): string | null;
  /** register a certificate made elsewhere as the client's (key import / sign); the old one is retired */
  importCert(id: string, cert: { fingerprint256: string; serial: string }, validity?: [number, number]): ClientRecord;
  /**
   * Change a client's scopes in one transaction: `change` gets the current list and
   * returns the new one (already validated). Returns the stored list. Live sessions see
   * it through dataVersion().
   */
  updateScopes(id: string, change: (current: string[]) => string[]): string[];
  /** record last use; throttled, best effort */
  touch(id: string): void;
  /** certificates that left service (revoked, deleted, rotated away), for the CRL */
  revokedSerials(): RevokedSerial[];
  /** changes whenever any connection (this one or another process) committed a change to clients */
  dataVersion(): number;
  /**
   * Hear of this process's own writes at once (after the turn that made them); another
   * process's are seen through dataVersion(). Returns the unsubscribe.
   */
  onChange(fn: () => void): () => void;
  close(): void;
}
