// Who may connect to the broker, and the live re-check that throws out a client whose
// key was deleted, revoked, rotated or expired. The broker core knows none of this.
import { type AuthResult, type ClientRef, type ConnectRequest, RC } from "../mqtt/index.ts";
import { authorize, type Auth, type Identified, type LiveSession } from "../auth/index.ts";
import type { NeoConfig } from "../config/index.ts";

/** what the app remembers about how a session authenticated (checked by the session watch) */
export interface SessionCredential extends LiveSession {
  via: "token" | "cert" | "anonymous" | "user" | "pat";
  /** who the session acts as: its scopes decide what it may do */
  principal: Identified;
}

export interface MqttAuthDeps {
  config: NeoConfig["mqtt"];
  auth: Auth;
  /** does a registered client with this id exist? */
  isRegistered(id: string): boolean;
}

const refuse = (reasonCode: number, reason: string): AuthResult => ({ ok: false, reasonCode, reason });

/** a refusal because a presented secret did not match (a guess): the brute-force guard counts these */
export const GUESS_REASONS = new Set(["invalid token"]);
/** did this CONNECT fail on a secret that did not match? (not: expired, revoked, missing, certificate, client id) */
export function isGuess(r: AuthResult): boolean {
  return (
    !r.ok && r.reason !== undefined && r.reason.startsWith("token refused: ") && GUESS_REASONS.has(r.reason.slice(15))
  );
}

export function createMqttAuthenticator(deps: MqttAuthDeps) {
  const { config, auth } = deps;
  // TLS never turns authentication off: when the TLS listener demands client
  // certificates, clients arriving without one (WebSocket on the HTTP port) need a
  // token even if token auth was not switched on.
  // read on every call: a SIGHUP reload may switch token auth on or off
  const tokenRequired = () => config.enableTokenAuth || (config.tls.enabled && config.tls.clientAuth === "require");

  /** which MQTT client ids this principal may use (sessions held by others are the broker's rule) */
  function checkClientId(req: ConnectRequest, p: Identified): AuthResult | undefined {
    // machbase-neo: "apply client-id": with a certificate alone the CONNECT client id must be
    // the certificate's. Mainflux/Magistrala things send the certificate AND `-u <id> -P <token>`
    // with any MQTT client id (their documented mosquitto_pub sets none): with that second
    // factor the client id follows the token rules below.
    const mainflux = req.username === p.id && req.password !== undefined && req.password.length > 0;
    if (p.via === "cert" && req.clientId !== p.id && !mainflux)
      return refuse(RC.notAuthorized, `client id "${req.clientId}" does not match certificate "${p.id}"`);
    if (p.kind !== "anonymous") {
      if (config.requireClientIdMatch && req.clientId !== p.id)
        return refuse(RC.notAuthorized, `client id "${req.clientId}" does not match key "${p.id}"`);
      // any id is fine except another registered client's id
      if (req.clientId !== p.id && deps.isRegistered(req.clientId))
        return refuse(RC.notAuthorized, `client id "${req.clientId}" belongs to another client`);
    }
    const d = authorize(p, "clients:connect", req.clientId);
    if (!d.allow) return refuse(RC.notAuthorized, d.scope ? `${d.reason} (${d.scope})` : d.reason);
    return undefined;
  }

  /** every check passed: only now does the registry record LAST USED */
  function authenticate(req: ConnectRequest): AuthResult {
    const r = check(req);
    if (r.ok && r.identity !== undefined) auth.markUsed(r.identity);
    return r;
  }

  function check(req: ConnectRequest): AuthResult {
    const cert = req.peer.cert;
    const who = auth.identify({
      ...(req.username !== undefined ? { username: req.username } : {}),
      ...(req.password !== undefined ? { password: req.password.toString("utf8") } : {}),
      ...(cert ? { certificate: { cn: cert.cn, fingerprint256: cert.fingerprint256 } } : {}),
      allowAnonymous: !tokenRequired(),
      anonymousId: req.clientId,
    });
    if (!who.ok) {
      if (who.code === "unavailable") return refuse(RC.serverUnavailable, who.reason);
      return refuse(RC.notAuthorized, who.code === "missing_credentials" ? "missing token in username" : who.reason);
    }
    const p = who.principal;
    const clash = checkClientId(req, p);
    if (clash) return clash;
    const meta: SessionCredential = {
      clientId: p.id,
      fingerprint256: p.fingerprint256,
      expiresAt: p.expiresAt,
      via: p.via,
      principal: p,
    };
    if (p.kind === "anonymous") return { ok: true, meta };
    return { ok: true, identity: p.id, expiresAt: p.expiresAt, meta };
  }

  /**
   * After a config reload: may this live session stay? Anonymous sessions go when a
   * token became mandatory; identified ones when the client id must now match the key.
   * (Deleted, revoked and expired keys are the session watch's job.)
   */
  function stillAllowed(c: ClientRef): boolean {
    // MQTT TLS switched on: a plaintext TCP session no longer meets the config
    if (config.tls.enabled && c.peer.transport === "tcp") return false;
    const cred = c.meta as SessionCredential | undefined;
    if (!cred || cred.via === "anonymous") return !tokenRequired();
    if (config.requireClientIdMatch && c.id !== cred.clientId) return false;
    return true;
  }

  return { authenticate, stillAllowed };
}
