// identify(): the ONE identity step. MQTT CONNECT (TCP, TLS, WS, WSS), HTTP(S) requests,
// the web API and the WebSocket upgrades hand it what the caller presented and get back a
// principal with a typed credential reference (credential.ts) or a refusal with a kind.
//
// Credential forms:
//   token                 HTTP `Authorization: Bearer|Thing|Client <token>`, WS `?authorization=`
//   username = token      machbase-neo MQTT (empty password)
//   username = client id, password = token      Mainflux/Magistrala MQTT (`mosquitto_pub -u <id> -P <token>`)
//   certificate           verified by TLS; the registry must agree (fingerprint, status, validity).
//                         Anything sent besides it (token, password, token as username) must be
//                         the SAME client's valid token: a wrong one is refused, also on an open broker.
//   PAT, login access key, web session   people's credentials (auth/people.ts); a web session
//                         only where the caller says `sessions` (the web API, the console's MQTT)
//   nothing               anonymous, where the caller allows it (token auth off)
// A credential that is sent is always checked, token auth on or off: a wrong one is refused
// (and counted by the brute-force guard), never quietly turned into anonymous.
import { createLogger } from "../lib/log.ts";
import { parseScopes, type Scope } from "../lib/scopes.ts";
import { isEnrollmentSecret, tokenClientId } from "../registry/index.ts";
import type { Principal } from "./authorize.ts";
import { formOf, type Identified, type Identity, type PresentedForm, refusal } from "./credential.ts";
import type { AuthFailureReason, AuthOutcome, PresentedCert } from "./types.ts";

const log = createLogger("auth");

export interface Credentials {
  /** HTTP bearer-style token or the WebSocket `authorization` query value */
  token?: string;
  /** MQTT CONNECT username */
  username?: string;
  /** MQTT CONNECT password (UTF-8) */
  password?: string;
  /** a client certificate whose chain TLS verified */
  certificate?: PresentedCert;
  /** the web UI's session cookie (its value) */
  session?: string;
  /** does this door take web sessions (the web API, the console's MQTT session over WebSocket)? */
  sessions?: boolean;
  /** may the caller go on without a credential (token auth off)? */
  allowAnonymous: boolean;
  /** what `%c` means for an anonymous principal (the MQTT client id) */
  anonymousId?: string;
  /** does this door take EST enrollment secrets (the EST routes only)? */
  enrollments?: boolean;
  /** the named listener the credentials came in on: its rules (AnonymousScopes) apply */
  listener?: string;
  /**
   * the credential forms this door accepts (a listener's `Credentials`; absent = all): a
   * valid credential of another form is refused ("not_here"), like any wrong credential
   */
  accept?: readonly PresentedForm[];
}

export interface IdentifyDeps {
  verifyToken(token: string): AuthOutcome;
  verifyCert(cert: PresentedCert): AuthOutcome;
  /** an EST enrollment secret: whose, until when (registry/enrollments.ts) */
  verifyEnrollment?(
    secret: string,
  ): { ok: true; clientId: string; expiresAt: number } | { ok: false; expired: boolean };
  /** Auth.AnonymousScopes, or a named listener's own */
  anonymousScopes(listener?: string): readonly string[];
  /**
   * People's credentials (login access keys, sessions, PATs; auth/people.ts): an Identity
   * when the credential is one of theirs, undefined to go on with client tokens.
   */
  person?(c: Credentials): Identity | undefined;
}

const present = (s: string | undefined) => (s !== undefined && s !== "" ? s : undefined);

/** parsed scope lists by their text: the same few lists are read over and over */
const parsedCache = new Map<string, readonly Scope[]>();
/** by a frozen list itself (the registry hands out one per stored text): no key to build */
const parsedFrozen = new WeakMap<readonly string[], readonly Scope[]>();
/** parseScopes with a bounded cache (throws NeoError on a bad scope, like parseScopes) */
export function parsed(list: readonly string[]): readonly Scope[] {
  const known = parsedFrozen.get(list);
  if (known) return known;
  const key = list.join("\n");
  let p = parsedCache.get(key);
  if (!p) {
    p = parseScopes(list);
    if (parsedCache.size >= 1024) parsedCache.clear();
    parsedCache.set(key, p);
  }
  if (Object.isFrozen(list)) parsedFrozen.set(list, p);
  return p;
}

/** a token or certificate refusal from the registry check, as a kind */
const KIND: Record<AuthFailureReason, Parameters<typeof refusal>[0]> = {
  "missing token": "missing",
  "invalid token": "guess",
  "token expired": "expired",
  "token not yet valid": "not_yet_valid",
  "key revoked": "revoked",
  "domain disabled": "revoked",
  "key disabled": "revoked",
  "unknown certificate": "unknown_certificate",
  "certificate expired": "expired",
  "certificate not yet valid": "not_yet_valid",
  "registry unavailable": "unavailable",
  "certificate revoked by its CA": "revoked",
  "the key in the certificate is not the client's": "guess",
};

/** the client id a token names, if it has a token's shape (for the audit trail; no lookup) */
const claimedBy = (token: string) => tokenClientId(token) ?? undefined;

export function createIdentify(deps: IdentifyDeps) {
  function principal(
    id: string,
    kind: Principal["kind"],
    list: readonly string[],
    rest: Omit<Identified, "id" | "kind" | "scopes">,
  ): Identity {
    try {
      return { ok: true, principal: { id, kind, scopes: parsed(list), ...rest } };
    } catch (e) {
      log.error(`scopes of ${kind === "anonymous" ? "anonymous clients" : `"${id}"`} are invalid`, e);
      return refusal("invalid_scopes", "none", "stored scopes are invalid", kind === "anonymous" ? undefined : id);
    }
  }

  /** `claimed`: who the credential says it is, asked only for a refusal */
  function fromOutcome(o: AuthOutcome, form: "token" | "cert", claimed: () => string | undefined): Identity {
    if (!o.ok) {
      const f = form === "cert" ? "certificate" : "token";
      return refusal(KIND[o.reason], f, `${f} refused: ${o.reason}`, claimed());
    }
    return principal(o.clientId, "client", o.scopes, {
      ref: {
        kind: "client",
        id: o.clientId,
        form,
        generation: o.fingerprint256,
        ...(o.trusted ? { trusted: o.trusted } : {}),
      },
      expiresAt: o.expiresAt,
      ...(o.domainId ? { domain: o.domainId } : {}),
    });
  }

  /**
   * the identity made from a verified token's outcome: the token cache hands out the same
   * outcome object until the registry moves (then a new one), so the same identity serves
   * every request of that token meanwhile (principals are never changed after they are made)
   */
  const byOutcome = new WeakMap<AuthOutcome, Identity>();
  function viaToken(token: string): Identity {
    const o = deps.verifyToken(token);
    if (!o.ok) return fromOutcome(o, "token", () => claimedBy(token));
    let who = byOutcome.get(o);
    if (!who) byOutcome.set(o, (who = fromOutcome(o, "token", () => undefined)));
    return who;
  }

  function anonymous(c: Credentials): Identity {
    const id = c.anonymousId ?? "";
    return principal(id, "anonymous", deps.anonymousScopes(c.listener), {
      ref: c.listener !== undefined ? { kind: "anonymous", id, listener: c.listener } : { kind: "anonymous", id },
      expiresAt: Number.POSITIVE_INFINITY,
    });
  }

  function withCertificate(c: Credentials, cert: NonNullable<Credentials["certificate"]>): Identity {
    const byCert = fromOutcome(deps.verifyCert(cert), "cert", () => cert.cn);
    if (!byCert.ok) return byCert;
    const id = byCert.principal.id;
    const username = present(c.username);
    const password = present(c.password);
    if (password !== undefined && username !== undefined && username !== id)
      return refusal("mismatch", "certificate", `username "${username}" is not the certificate's client "${id}"`, id);
    // a second credential: the token, the password, or a username that is not the id
    const second = present(c.token) ?? password ?? (username !== id ? username : undefined);
    if (second === undefined) return byCert;
    const t = deps.verifyToken(second);
    if (!t.ok) return refusal(KIND[t.reason], "token", `token refused: ${t.reason}`, claimedBy(second) ?? id);
    if (t.clientId !== id)
      return refusal("mismatch", "certificate", `token of "${t.clientId}" with certificate of "${id}"`, id);
    return {
      ok: true,
      principal: { ...byCert.principal, expiresAt: Math.min(byCert.principal.expiresAt, t.expiresAt) },
    };
  }

  /**
   * Who is this? Without a certificate: people's credentials, then the token, else the
   * password (username = client id, if given), else the username as a token. Nothing
   * presented is anonymous when the caller allows it. On an open broker a username that
   * does not have a credential's shape is no credential (machbase-neo clients often send
   * one) and the client connects anonymously; anything with a credential's shape is checked.
   */
  /** an enrollment secret opens nothing but its own enrollment: a principal without scopes */
  function viaEnrollment(secret: string, username: string | undefined): Identity {
    const e = deps.verifyEnrollment?.(secret);
    const claimed = secret.split(":e:")[0];
    if (!e?.ok) return refusal(e?.expired ? "expired" : "guess", "token", "enrollment secret refused", claimed);
    if (username !== undefined && username !== e.clientId)
      return refusal("mismatch", "token", `username "${username}" is not the client of this enrollment`, username);
    return principal(e.clientId, "client", [], { ref: { kind: "enrollment", id: e.clientId }, expiresAt: e.expiresAt });
  }

  function identify(c: Credentials): Identity {
    const who = identifyAny(c);
    // an enrollment secret is taken by the EST routes alone (`enrollments`): Credentials does not name it
    const kind = who.ok ? who.principal.ref.kind : undefined;
    if (!c.accept || !who.ok || kind === "anonymous" || kind === "enrollment") return who;
    const form = formOf(who.principal.ref);
    if (c.accept.includes(form)) return who;
    const where = c.listener !== undefined ? `listener "${c.listener}"` : "this door";
    return refusal("not_here", form, `${form} refused: ${where} does not accept it`, who.principal.id);
  }

  function identifyAny(c: Credentials): Identity {
    if (c.certificate) return withCertificate(c, c.certificate);
    const secret = present(c.password) ?? present(c.token);
    if (c.enrollments && secret !== undefined && isEnrollmentSecret(secret))
      return viaEnrollment(secret, present(c.username));
    const person = deps.person?.(c);
    if (person) return person;
    const token = present(c.token);
    const username = present(c.username);
    const password = present(c.password);
    if (token !== undefined) return viaToken(token);
    if (password !== undefined) {
      const r = viaToken(password);
      if (r.ok && username !== undefined && username !== r.principal.id)
        return refusal("mismatch", "token", `username "${username}" is not the client of this token`, username);
      return r;
    }
    if (username !== undefined) {
      if (c.allowAnonymous && claimedBy(username) === undefined) return anonymous(c);
      return viaToken(username);
    }
    return c.allowAnonymous ? anonymous(c) : refusal("missing", "none", "missing token");
  }

  return identify;
}
