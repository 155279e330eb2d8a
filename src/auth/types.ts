import type { Credentials, Identity } from "./identify.ts";
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
    }
  | { ok: false; reason: AuthFailureReason };

export type AuthFailureReason =
  | "missing token"
  | "invalid token"
  | "token expired"
  | "token not yet valid"
  | "key revoked"
  | "unknown certificate"
  | "certificate expired"
  | "certificate not yet valid"
  | "registry unavailable";

/** What a long-lived session (MQTT connection) remembers about its credential. */
export interface LiveSession {
  clientId: string;
  fingerprint256: string;
  expiresAt: number;
}

export interface SessionWatch {
  /**
   * The sessions that must be dropped now (key deleted, revoked, rotated, expired).
   * When nothing was written to the registry since the last call, this only compares
   * expiry times in memory; otherwise it reads each distinct client once.
   */
  check<T extends LiveSession>(sessions: Iterable<T>): T[];
}

export interface Auth {
  verifyToken(token: string | null | undefined): AuthOutcome;
  verifyCert(cert: { fingerprint256: string; cn: string }): AuthOutcome;
  /**
   * Record that a client was let in (LAST USED). Callers do this only once EVERY check
   * of a request or CONNECT passed: a refused attempt changes nothing in the registry.
   */
  markUsed(clientId: string): void;
  /** one cheap lookup by primary key */
  isStillValid(clientId: string, via: { fingerprint256: string }): boolean;
  /** a watcher with its own view of registry changes; create one per caller */
  createSessionWatch(): SessionWatch;
  /** the one identity step (see identify.ts) */
  identify(c: Credentials): Identity;
}
