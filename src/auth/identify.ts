// identify(): the ONE identity step. MQTT CONNECT (TCP, TLS, WS, WSS), HTTP(S) requests
// and the WebSocket upgrade hand it what the client presented and get back a principal
// (client id, how it authenticated, credential generation, scopes) or why not.
//
// Credential forms:
//   token                 HTTP `Authorization: Bearer|Thing|Client <token>`, WS `?authorization=`
//   username = token      machbase-neo MQTT (empty password)
//   username = client id, password = token      Mainflux/Magistrala MQTT (`mosquitto_pub -u <id> -P <token>`)
//   certificate           verified by TLS; the registry must agree (fingerprint, status, validity).
//                         Anything sent besides it (token, password, token as username) must be
//                         the SAME client's valid token: a wrong one is refused, also on an open broker.
import { createLogger } from "../lib/log.ts";
import { parseScopes, type Scope } from "../lib/scopes.ts";
import type { Principal } from "./authorize.ts";
import type { AuthOutcome } from "./types.ts";

const log = createLogger("auth");

export interface Credentials {
  /** HTTP bearer-style token or the WebSocket `authorization` query value */
  token?: string;
  /** MQTT CONNECT username */
  username?: string;
  /** MQTT CONNECT password (UTF-8) */
  password?: string;
  /** a client certificate whose chain TLS verified */
  certificate?: { cn: string; fingerprint256: string };
  /** may the caller go on without a credential (token auth off)? */
  allowAnonymous: boolean;
  /** what `%c` means for an anonymous principal (the MQTT client id) */
  anonymousId?: string;
}

/** A principal as identify() hands it out. */
export interface Identified extends Principal {
  /** "user": a login access key or web session; "pat": a personal access token */
  via: "token" | "cert" | "anonymous" | "user" | "pat";
  /** ms since epoch; Infinity for anonymous */
  expiresAt: number;
  /** the credential generation (certificate fingerprint; rotation changes it); "" for anonymous */
  fingerprint256: string;
}

export type IdentifyFailure =
  | "missing_credentials"
  | "invalid_token"
  | "invalid_certificate"
  | "mismatch"
  | "unavailable"
  | "invalid_scopes";

export type Identity = { ok: true; principal: Identified } | { ok: false; code: IdentifyFailure; reason: string };

export interface IdentifyDeps {
  verifyToken(token: string): AuthOutcome;
  verifyCert(cert: { fingerprint256: string; cn: string }): AuthOutcome;
  anonymousScopes(): readonly string[];
  /**
   * People's credentials (login access keys, sessions, PATs; auth/people.ts): an Identity
   * when the credential is one of theirs, undefined to go on with client tokens.
   */
  person?(c: Credentials): Identity | undefined;
}

const fail = (code: IdentifyFailure, reason: string): Identity => ({ ok: false, code, reason });
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
      return fail("invalid_scopes", "stored scopes are invalid");
    }
  }

  function fromOutcome(o: AuthOutcome, via: "token" | "cert"): Identity {
    if (!o.ok) {
      if (o.reason === "registry unavailable") return fail("unavailable", o.reason);
      return via === "cert"
        ? fail("invalid_certificate", `certificate refused: ${o.reason}`)
        : fail(o.reason === "missing token" ? "missing_credentials" : "invalid_token", `token refused: ${o.reason}`);
    }
    return principal(o.clientId, "client", o.scopes, {
      via,
      expiresAt: o.expiresAt,
      fingerprint256: o.fingerprint256,
    });
  }

  function anonymous(c: Credentials): Identity {
    return principal(c.anonymousId ?? "", "anonymous", deps.anonymousScopes(), {
      via: "anonymous",
      expiresAt: Number.POSITIVE_INFINITY,
      fingerprint256: "",
    });
  }

  function withCertificate(c: Credentials, cert: NonNullable<Credentials["certificate"]>): Identity {
    const byCert = fromOutcome(deps.verifyCert(cert), "cert");
    if (!byCert.ok) return byCert;
    const id = byCert.principal.id;
    const username = present(c.username);
    const password = present(c.password);
    if (password !== undefined && username !== undefined && username !== id)
      return fail("mismatch", `username "${username}" is not the certificate's client "${id}"`);
    // a second credential: the token, the password, or a username that is not the id
    const second = present(c.token) ?? password ?? (username !== id ? username : undefined);
    if (second === undefined) return byCert;
    const t = deps.verifyToken(second);
    if (!t.ok)
      return t.reason === "registry unavailable"
        ? fail("unavailable", t.reason)
        : fail("invalid_token", `token refused: ${t.reason}`);
    if (t.clientId !== id) return fail("mismatch", `token of "${t.clientId}" with certificate of "${id}"`);
    return {
      ok: true,
      principal: { ...byCert.principal, expiresAt: Math.min(byCert.principal.expiresAt, t.expiresAt) },
    };
  }

  /**
   * Who is this? Without a certificate: the token, else the password (username = client
   * id, if given), else the username as a token. Nothing presented is anonymous when the
   * caller allows it. On an open broker a username that is no valid token still connects
   * anonymously (machbase-neo clients often send one); a password, never.
   */
  function identify(c: Credentials): Identity {
    if (c.certificate) return withCertificate(c, c.certificate);
    const person = deps.person?.(c);
    if (person) return person;
    const token = present(c.token);
    const username = present(c.username);
    const password = present(c.password);
    if (token !== undefined) {
      const r = fromOutcome(deps.verifyToken(token), "token");
      return !r.ok && c.allowAnonymous && r.code === "invalid_token" ? anonymous(c) : r;
    }
    if (password !== undefined) {
      const r = fromOutcome(deps.verifyToken(password), "token");
      if (r.ok && username !== undefined && username !== r.principal.id)
        return fail("mismatch", `username "${username}" is not the client of this token`);
      return r;
    }
    if (username !== undefined) {
      const r = fromOutcome(deps.verifyToken(username), "token");
      return !r.ok && c.allowAnonymous && r.code === "invalid_token" ? anonymous(c) : r;
    }
    return c.allowAnonymous ? anonymous(c) : fail("missing_credentials", "missing token");
  }

  return identify;
}
