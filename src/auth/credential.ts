// What identify() hands out and current() re-checks: a principal with a typed reference
// to the credential it presented, or a refusal with a kind. Nothing downstream reads
// reason texts to decide; the kind says what happened, the reason is for people.
import type { Principal } from "./authorize.ts";

/**
 * Which credential a principal presented: enough to ask again later "is it still usable,
 * and with which rights now" (current()) without the secret.
 */
export type CredentialRef =
  /** a client key: its token, its certificate, or both (`generation`: the certificate fingerprint; a rotation changes it) */
  | {
      readonly kind: "client";
      readonly id: string;
      readonly form: "token" | "cert";
      readonly generation: string;
      /** a certificate of a trusted company CA (Tls.TrustedCA): current() asks that CA's CRL too */
      readonly trusted?: { readonly ca: string; readonly serial: string };
    }
  /** a personal access token of `user` (`generation`: its updated_at; revoke, reset and scope changes move it) */
  | { readonly kind: "pat"; readonly id: string; readonly user: string; readonly generation: number }
  /** a login access key of `user` (`key`: its id in user_keys) */
  | { readonly kind: "user"; readonly user: string; readonly key: string }
  /** a web UI session (cookie or bearer, and the console's MQTT session) of `user` */
  | { readonly kind: "session"; readonly user: string; readonly key: string }
  /** nothing presented where that is allowed (token auth off); `id`: the MQTT client id, if any;
   *  `listener`: the named listener whose AnonymousScopes apply */
  | { readonly kind: "anonymous"; readonly id: string; readonly listener?: string }
  /** a one-time EST enrollment secret of client `id` (neo shell key enroll): it may enroll, nothing else */
  | { readonly kind: "enrollment"; readonly id: string }
  /** a `Bridge "name"` block: messages from its upstream are published with its Scopes as configured NOW */
  | { readonly kind: "bridge"; readonly name: string };

/** A principal as identify() and current() hand it out. */
export interface Identified extends Principal {
  readonly ref: CredentialRef;
  /** ms since epoch: the credential stops working then (Infinity: never) */
  readonly expiresAt: number;
}

/**
 * Why a credential was refused:
 *   missing        nothing presented where something is required
 *   guess          a secret that matches nothing (the brute-force guard counts these)
 *   expired, not_yet_valid, revoked   a real credential outside its life
 *   unknown_certificate   a CA-signed certificate the registry does not hold (rotated, deleted)
 *   mismatch       two credentials of different principals (certificate + token, username + token)
 *   not_here       a real credential of a form this door does not take (a web session as an API key)
 *   invalid_scopes the stored scopes do not parse
 *   unavailable    the registry could not be read
 */
export type RefusalKind =
  | "missing"
  | "guess"
  | "expired"
  | "not_yet_valid"
  | "revoked"
  | "unknown_certificate"
  | "mismatch"
  | "not_here"
  | "invalid_scopes"
  | "unavailable";

/** which form the refused credential had (audit: `method`) */
export type PresentedForm = "token" | "certificate" | "pat" | "access_key" | "session" | "enrollment" | "none";

export interface Refusal {
  readonly ok: false;
  readonly kind: RefusalKind;
  readonly form: PresentedForm;
  /** who the credential claimed to be (a client id, `user:<name>`), when that is known */
  readonly claimed?: string;
  /** for logs and people; never parsed */
  readonly reason: string;
}

export type Identity = { ok: true; principal: Identified } | Refusal;

export const refusal = (kind: RefusalKind, form: PresentedForm, reason: string, claimed?: string): Refusal => ({
  ok: false,
  kind,
  form,
  reason,
  ...(claimed !== undefined && claimed !== "" ? { claimed } : {}),
});

/**
 * A user's principal id: `user:<name>`. Key ids cannot hold `:` (lib/scopes.ts), so a user
 * and a key of the same name are never the same principal: not for `%c`, not as the owner
 * of an MQTT session.
 */
export const userPrincipalId = (name: string) => `user:${name}`;

/** the name to show and audit: a user's name, a key's id, "" for anonymous */
export function principalName(p: Pick<Principal, "id" | "kind">): string {
  return p.kind === "user" && p.id.startsWith("user:") ? p.id.slice(5) : p.id;
}

/** which kind of secret a bearer value is, by its prefix (the prefixes auth and the registry issue) */
export function bearerKind(token: string): "pat" | "session" | "access_key" | "token" {
  if (token.startsWith("pat_")) return "pat";
  if (token.startsWith("nws_")) return "session";
  if (token.startsWith("nac_")) return "access_key";
  return "token";
}

/** how the audit trail names a credential form */
export function formOf(ref: CredentialRef): PresentedForm {
  switch (ref.kind) {
    case "client":
      return ref.form === "cert" ? "certificate" : "token";
    case "pat":
      return "pat";
    case "user":
      return "access_key";
    case "session":
      return "session";
    case "anonymous":
      return "none";
    case "enrollment":
      return "enrollment";
    case "bridge":
      return "none"; // a bridge presents nothing: its rights are the config's
  }
}
