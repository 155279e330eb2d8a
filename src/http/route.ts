// The one requirement vocabulary of every HTTP route (runner.ts runs it). A route is
// declared beside its handler in routes/<resource>.ts:
//
//   { method: "POST", path: "/keys/:id/revoke", who: API, scope: { op: "keys:revoke", target: ":id" },
//     change: "key.revoke", handler: (req, c) => ... }
//
//   who      which credential forms identify the caller ("public": nobody is identified);
//   scope    what the principal needs, its target from the path (":id") or fixed ("*");
//            a handler asks about targets it reads from the body with `c.need(op, target)`;
//   change   the audit action recorded once the handler answered 2xx (auth outcomes and
//            refusals are recorded by the runner for every route that identifies);
//   guard    "password": the handler checks a password (login.ts counts its failures);
//            "secret": the handler checks a bearer of its own (refresh, recovery key): its
//            401s count toward the brute-force guard like a wrong token.
import type { Server } from "bun";
import type { Identified, Operation } from "../auth/index.ts";
import type { NeoConfig } from "../config/index.ts";
import type { Method, Params } from "../lib/http/routes.ts";
import type { FrontPeer } from "../lib/tls-front.ts";

/**
 * A credential form a route accepts:
 *   token       a client token: Authorization: Bearer|Thing|Client <token>
 *   mainflux    also Basic base64(<client id>:<token>), a bare token and ?authorization=
 *   cert        the client certificate from the HTTPS front
 *   access_key  a user's login access key (nac_...)
 *   pat         a personal access token (pat_...)
 *   session     a web console session (nws_...) as a bearer
 *   cookie      the console's HttpOnly session cookie (when no Authorization is sent)
 */
export type Form = "token" | "mainflux" | "cert" | "access_key" | "pat" | "session" | "cookie";

export interface Who {
  forms: readonly Form[];
  /** nothing sent while Http.EnableTokenAuth is off: the anonymous principal (Auth.AnonymousScopes) */
  anonymous?: boolean;
  /**
   * nothing sent is fine: the caller stays unidentified (the MQTT WebSocket, where MQTT
   * CONNECT authenticates); a credential that IS sent must be valid all the same
   */
  optional?: boolean;
  /** an EST enrollment secret (Basic <id>:<secret>) identifies too: the EST routes only */
  enrollments?: boolean;
  /** the realm of the 401 challenge ("Bearer" by default; the Mainflux adapters say "Thing") */
  realm?: "Bearer" | "Thing";
  /**
   * an Authorization header with no scheme is the credential itself (Mainflux's provisioning
   * API: `Authorization: <user token>`); never Basic nor ?authorization= (that is "mainflux")
   */
  bare?: boolean;
}

/** Everything that names a key, a table or a channel: scripts, devices, people and their PATs. */
export const API: Who = { forms: ["token", "cert", "access_key", "pat"], anonymous: true };
/** Mainflux's provisioning API (/things, /channels, /connect): the API forms, the bare header too */
export const PROVISION: Who = { ...API, bare: true };
/**
 * SuperMQ's entity APIs (domains and what lives in them): the API forms, and the console's
 * web session as a bearer (the console's domain pages call them; never the cookie)
 */
export const API_SESSION: Who = { ...API, forms: [...API.forms, "session"] };
/** The Mainflux/SuperMQ adapters: the API forms plus Basic, bare and ?authorization= */
export const THINGS: Who = {
  forms: ["token", "mainflux", "cert", "access_key", "pat"],
  anonymous: true,
  realm: "Thing",
};
/** The MQTT WebSocket upgrade: a credential sent with it (header, ?authorization=) is checked, none is needed */
export const UPGRADE: Who = { forms: ["token", "mainflux", "cert", "access_key", "pat"], optional: true };
/** The console: a web session (bearer or cookie) or a login access key; never a PAT */
export const CONSOLE: Who = { forms: ["session", "cookie", "access_key"] };
/** A person managing their own things (PATs): access key or web session */
export const PERSON: Who = { forms: ["session", "access_key"] };
/** Anyone holding any credential neo knows (the audit trail: the scope decides) */
export const ANY: Who = { forms: ["token", "cert", "access_key", "pat", "session"] };

/** the scope a route needs; `target` ":name" is that path parameter, anything else is literal */
interface ScopeNeed {
  op: Operation;
  target: string;
  /** an anonymous caller (token auth off) passes without the scope (/metrics, as before) */
  anonymousPasses?: boolean;
  /** the route's answer for a target that does not exist, given (audited) to one of another
   * domain that the caller would be answered so for here (Checked.absent) */
  absent?: (target: string) => Error;
}

/** How the request reached us; all optional, so a test can call fetch(req) alone. */
export interface Connection {
  /** behind the HTTPS client-certificate front: real remote address and verified certificate */
  peer?: FrontPeer;
  /** the real peer address */
  clientIp?: string;
  /** the Bun server, for WebSocket upgrades */
  server?: Server<unknown>;
  /** the listener's name (an Http.Listener block; the one listener is "http" or "https") */
  listener?: string;
  /** the connection is TLS (the server terminates it, itself or behind the front) */
  tls?: boolean;
}

/** What a handler gets besides the request. */
/** a decision as a route sees it; `absent`: refused as an entity of another domain the caller
 * would be answered "not found" for here (auth/authorize.ts Decision) */
export type Checked = { allow: boolean; reason: string; absent?: true };

export interface RouteContext extends Connection {
  url: URL;
  /** `:name` path segments, percent-decoded */
  params: Params;
  /** performance.now() when the request arrived (for `elapse`) */
  started: number;
  listener: string;
  tls: boolean;
  /** the peer address ("" when unknown) */
  address: string;
  /** who is asking; undefined on public routes */
  principal?: Identified;
  /** the credential that identified the caller (logout ends this session) */
  credential?: { form: Form; secret?: string };
  /** a client's id, when a client key or certificate identified the caller */
  clientId?: string;
  /**
   * may the caller do `op` on `target` (of SuperMQ domain `domain`, default: the default
   * domain)? No: the refusal is audited and a 403 thrown
   */
  need(op: Operation, target: string, domain?: string, absent?: (target: string) => Error): void;
  /** the same decision as `need`, answered (a refusal is audited) instead of thrown */
  check(op: Operation, target: string, domain?: string): Checked;
  /** may the caller do `op` on `target`? (for filtering a list: nothing is audited) */
  may(op: Operation, target: string, domain?: string): boolean;
  /** a change route's audit target and detail (when not the path's `:id`), or another action */
  changed?: { target: string; detail?: unknown; action?: string };
  /**
   * a public route that checks a secret of its own (guard "secret": a refresh key, a
   * recovery key; guard "password": a login) reports the outcome here; the runner audits it
   * (a `reason`: refused)
   */
  checked?: SecretOutcome;
}

/** what a guard "secret" or "password" route's own credential check came to (audited by the runner) */
export interface SecretOutcome {
  kind: "auth" | "change";
  action: string;
  method: "refresh_key" | "recovery_key" | "password";
  /** the user the secret belonged to (when it was accepted) */
  user?: string;
  target?: string;
  /** why it was refused; absent: accepted */
  reason?: string;
}

export interface RouteSpec {
  method: Method;
  path: string;
  who: Who | "public";
  /** open to anyone when this says so (Http.MetricsPublic), read per request */
  openWhen?: (config: NeoConfig) => boolean;
  scope?: ScopeNeed;
  change?: string;
  guard?: "password" | "secret";
  /** a WebSocket route: a real upgrade of it skips the brute-force guard (the protocol answers) */
  upgrade?: "mqtt";
  /** served on TLS listeners only (EST, RFC 7030 3.3): elsewhere 403 before any credential is looked at */
  tlsOnly?: true;
  /** undefined: the handler took the connection over (a WebSocket upgrade) */
  handler: (req: Request, ctx: RouteContext) => Response | undefined | Promise<Response | undefined>;
}
