import type { CredentialRef, Identity } from "./credential.ts";
import type { Current } from "./current.ts";
import type { Credentials } from "./identify.ts";
// Outcomes of authentication. Failures carry a precise reason for logs; HTTP shows
// "invalid token" for every token failure except a missing one (as machbase-neo answers).
export type AuthOutcome =
  | {
      ok: true;
      clientId: string;
      /** ms since epoch: the credential stops working then */
      expiresAt: number;
      /** the client's certificate fingerprint at verification time; identifies the credential generation (rotation changes it) */
      fingerprint256: string;
      /** the key's scopes as stored beside it */
      scopes: readonly string[];
      /** the SuperMQ domain the key lives in (absent: the default domain) */
      domainId?: string;
      /** a certificate of a trusted company CA: which CA and serial, for current()'s CRL question */
      trusted?: { ca: string; serial: string };
    }
  | { ok: false; reason: AuthFailureReason };

export type AuthFailureReason =
  | "missing token"
  | "invalid token"
  | "token expired"
  | "token not yet valid"
  | "key revoked"
  | "domain disabled"
  | "key disabled"
  | "unknown certificate"
  | "certificate expired"
  | "certificate not yet valid"
  | "registry unavailable"
  | "certificate revoked by its CA"
  | "the key in the certificate is not the client's";

export interface Auth {
  verifyToken(token: string | null | undefined): AuthOutcome;
  verifyCert(cert: PresentedCert): AuthOutcome;
  /**
   * Record that a client was let in (LAST USED). Callers do this only once EVERY check
   * of a request or CONNECT passed: a refused attempt changes nothing in the registry.
   */
  markUsed(clientId: string): void;
  /** the one live re-check (see current.ts): usable now, and with which rights */
  current(ref: CredentialRef): Current;
  /** the one identity step (see identify.ts) */
  identify(c: Credentials): Identity;
}

/** A client certificate TLS verified: its CN, SHA-256 fingerprint and (when the transport gives it) the DER */
export interface PresentedCert {
  cn: string;
  fingerprint256: string;
  der?: Uint8Array;
  /** where it was presented from (a pending approval records it) */
  address?: string;
}
