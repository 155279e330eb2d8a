// Who may connect to the broker, and the live re-check that throws out a client whose
// key was deleted, revoked, rotated or expired. The broker core knows none of this.
import { type AuthResult, type ClientRef, type ConnectRequest, RC } from "../mqtt/index.ts";
import type { Auth, LiveSession } from "../auth/index.ts";
import type { NeoConfig } from "../config/index.ts";

/** what the app remembers about how a session authenticated (checked by the session watch) */
export interface SessionCredential extends LiveSession {
  via: "token" | "cert";
}

export interface MqttAuthDeps {
  config: NeoConfig["mqtt"];
  auth: Auth;
  /** does a registered client with this id exist? */
  isRegistered(id: string): boolean;
  /** the session (connected or not) kept under this MQTT client id, and whose it is */
  session(mqttClientId: string): { owner: string | undefined; connected: boolean } | undefined;
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

  function checkClientId(req: ConnectRequest, identity: string): AuthResult | undefined {
    if (config.requireClientIdMatch && req.clientId !== identity)
      return refuse(RC.notAuthorized, `client id "${req.clientId}" does not match key "${identity}"`);
    // any id is fine except another registered client's id
    if (req.clientId !== identity && deps.isRegistered(req.clientId))
      return refuse(RC.notAuthorized, `client id "${req.clientId}" belongs to another client`);
    // never take over a session that belongs to someone else: a connected one, nor a
    // persistent one waiting for its client (its queued messages are not ours)
    const held = deps.session(req.clientId);
    if (held && held.owner !== undefined && held.owner !== identity)
      return refuse(
        RC.notAuthorized,
        `client id "${req.clientId}" ${held.connected ? "is in use by" : "holds the session of"} another client`,
      );
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
    const username = req.username && req.username !== "" ? req.username : undefined;
    if (cert) {
      // client certificate: chain was verified by TLS; now the registry must agree
      const c = auth.verifyCert({ fingerprint256: cert.fingerprint256, cn: cert.cn });
      if (!c.ok) return refuse(RC.notAuthorized, `certificate refused: ${c.reason}`);
      // seed: "apply client-id": the CONNECT client id must be the certificate's
      if (req.clientId !== c.clientId)
        return refuse(RC.notAuthorized, `client id "${req.clientId}" does not match certificate "${c.clientId}"`);
      let expiresAt = c.expiresAt;
      if (username !== undefined) {
        // a second credential must agree with the certificate
        const t = auth.verifyToken(username);
        if (!t.ok) return refuse(RC.notAuthorized, `token refused: ${t.reason}`);
        if (t.clientId !== c.clientId)
          return refuse(RC.notAuthorized, `token of "${t.clientId}" with certificate of "${c.clientId}"`);
        expiresAt = Math.min(expiresAt, t.expiresAt);
      }
      const clash = checkClientId(req, c.clientId);
      if (clash) return clash;
      const meta: SessionCredential = {
        clientId: c.clientId,
        fingerprint256: c.fingerprint256,
        expiresAt,
        via: "cert",
      };
      return { ok: true, identity: c.clientId, expiresAt, meta };
    }
    if (!tokenRequired()) {
      // open broker: a valid token still identifies its client (so the session survives
      // a reload that turns token auth on); anything else connects anonymously
      const t = username !== undefined ? auth.verifyToken(username) : undefined;
      if (t?.ok && !checkClientId(req, t.clientId)) {
        const meta: SessionCredential = {
          clientId: t.clientId,
          fingerprint256: t.fingerprint256,
          expiresAt: t.expiresAt,
          via: "token",
        };
        return { ok: true, identity: t.clientId, expiresAt: t.expiresAt, meta };
      }
      // an anonymous client never takes over an identified session, connected or not
      if (deps.session(req.clientId)?.owner !== undefined)
        return refuse(RC.notAuthorized, `client id "${req.clientId}" is in use`);
      return { ok: true };
    }
    if (username === undefined) return refuse(RC.notAuthorized, "missing token in username");
    const t = auth.verifyToken(username);
    if (!t.ok) return refuse(RC.notAuthorized, `token refused: ${t.reason}`);
    const clash = checkClientId(req, t.clientId);
    if (clash) return clash;
    const meta: SessionCredential = {
      clientId: t.clientId,
      fingerprint256: t.fingerprint256,
      expiresAt: t.expiresAt,
      via: "token",
    };
    return { ok: true, identity: t.clientId, expiresAt: t.expiresAt, meta };
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
    if (!cred) return !tokenRequired();
    if (config.requireClientIdMatch && c.id !== cred.clientId) return false;
    return true;
  }

  return { authenticate, stillAllowed };
}
