// Who may connect to the broker: the CONNECT's credentials go to identify() (every form,
// the console's web session over WebSocket included), then the client-id rules. The
// session keeps the principal (with its credential reference) as the broker's meta; the
// live re-check (session-recheck.ts) asks current() about it. The broker core knows none of this.
import { type AuthResult, type Broker, type ClientRef, type ConnectRequest, RC } from "../mqtt/index.ts";
import {
  authorize,
  type Auth,
  type Credentials,
  formOf,
  type Identified,
  type PresentedForm,
  type Refusal,
  type RefusalKind,
} from "../auth/index.ts";
import type { NeoConfig } from "../config/index.ts";

/** what the app keeps on each MQTT session (the broker's meta) */
export interface SessionCredential {
  /** who the session acts as, as identified at CONNECT (current() says who it is now) */
  readonly principal: Identified;
  /** the re-check's epoch when it was identified: any change seen after it makes current() ask again */
  readonly epoch: number;
  /**
   * mqtt-authz.ts's answers about this session, kept on the record itself (no table beside
   * it); null while none were needed: an idle session identified since the last change has none
   */
  rights: object | null;
}

/** the broker as the app runs it: each session's meta is its SessionCredential */
export type NeoBroker = Broker<SessionCredential>;
export type NeoClient = ClientRef<SessionCredential>;

/** the app's record of a session */
export const credentialOf = (c: Pick<NeoClient, "meta"> | null | undefined): SessionCredential | undefined => c?.meta;

/** the console's Live page: a web session over WebSocket, watch only */
export const isConsole = (m: SessionCredential | undefined): boolean => m?.principal.ref.kind === "session";

/** a CONNECT outcome with, when refused, why (the brute-force guard counts `guess`) */
export type MqttRefusal = Extract<AuthResult<SessionCredential>, { ok: false }> & {
  kind: RefusalKind | "client_id" | "banned";
  form?: PresentedForm;
  claimed?: string;
};
export type MqttAuthOutcome = Extract<AuthResult<SessionCredential>, { ok: true }> | MqttRefusal;

export interface MqttAuthDeps {
  config: NeoConfig["mqtt"];
  auth: Auth;
  /** does a registered client with this id exist? */
  isRegistered(id: string): boolean;
  /** the live re-check's epoch now (mqtt-authz.ts) */
  epoch(): number;
  /**
   * a named HTTP listener's rules, for MQTT over WebSocket on its /mqtt (its door: token
   * rule, accepted forms); undefined when no HTTP Listener block has that name
   */
  httpListener?(name: string): { enableTokenAuth: boolean; credentials?: readonly PresentedForm[] } | undefined;
}

const refuse = (
  kind: MqttRefusal["kind"],
  reasonCode: number,
  reason: string,
  who?: Pick<Refusal, "form" | "claimed">,
): MqttRefusal => ({
  ok: false,
  kind,
  reasonCode,
  reason,
  ...(who?.form ? { form: who.form } : {}),
  ...(who?.claimed ? { claimed: who.claimed } : {}),
});

export function createMqttAuthenticator(deps: MqttAuthDeps) {
  const { config, auth } = deps;
  // one record per principal and epoch, shared by its sessions: identify() gives the same
  // principal to every CONNECT of a cached credential, and the answers kept on the record
  // (`rights`) depend only on the principal and the epoch (48 B an idle session less)
  const records = new WeakMap<Identified, SessionCredential>();
  const recordOf = (p: Identified): SessionCredential => {
    const epoch = deps.epoch();
    let r = records.get(p);
    if (r === undefined || r.epoch !== epoch) records.set(p, (r = { principal: p, epoch, rights: null }));
    return r;
  };
  // TLS never turns authentication off: when the TLS listener demands client
  // certificates, clients arriving without one (WebSocket on the HTTP port) need a
  // token even if token auth was not switched on.
  // read on every call: a SIGHUP reload may switch token auth on or off
  const serviceRule = () => config.enableTokenAuth || (config.tls.enabled && config.tls.clientAuth === "require");
  /** the named MQTT listener's own rules (a Listener block), undefined for the service's one listener and WebSocket */
  const mqttRules = (name: string) => config.listeners?.find((l) => l.name === name);
  /** the credential forms the connection's listener accepts (an MQTT Listener block, or the named HTTP listener it came through) */
  const acceptOf = (peer: ConnectRequest["peer"]) =>
    peer.listener === undefined
      ? undefined
      : (mqttRules(peer.listener)?.credentials ?? deps.httpListener?.(peer.listener)?.credentials);
  /** must this connection present a credential? A named listener says so itself (Mqtt.EnableTokenAuth by default) */
  const tokenRequired = (peer: ConnectRequest["peer"]) => {
    if (peer.listener === undefined) return serviceRule();
    const own = mqttRules(peer.listener);
    if (own) return own.enableTokenAuth ?? config.enableTokenAuth;
    // MQTT over WebSocket on a named HTTP listener: that listener's rule (Http.EnableTokenAuth by default)
    const http = deps.httpListener?.(peer.listener);
    // a listener a reload removed: its connections are closed; nothing new is let in anonymously
    return http ? http.enableTokenAuth : true;
  };

  /** which MQTT client ids this principal may use (sessions held by others are the broker's rule) */
  function checkClientId(req: ConnectRequest, p: Identified): MqttRefusal | undefined {
    const ref = p.ref;
    // the console watches with a session of its own (broker-hooks.ts: never one that exists)
    if (ref.kind === "session") return undefined;
    // machbase-neo: "apply client-id": with a certificate alone the CONNECT client id must be
    // the certificate's. Mainflux/Magistrala things send the certificate AND `-u <id> -P <token>`
    // with any MQTT client id (their documented mosquitto_pub sets none): with that second
    // factor the client id follows the token rules below.
    const mainflux = req.username === p.id && req.password !== undefined && req.password.length > 0;
    if (ref.kind === "client" && ref.form === "cert" && req.clientId !== p.id && !mainflux)
      return refuse("client_id", RC.notAuthorized, `client id "${req.clientId}" does not match certificate "${p.id}"`);
    if (p.kind === "client" && config.requireClientIdMatch && req.clientId !== p.id)
      return refuse("client_id", RC.notAuthorized, `client id "${req.clientId}" does not match key "${p.id}"`);
    // any id is fine except a registered key's, unless it is this key's own: an anonymous
    // client or a user never takes a key's id (nor its retained messages and session)
    if ((p.kind !== "client" || req.clientId !== p.id) && deps.isRegistered(req.clientId))
      return refuse("client_id", RC.notAuthorized, `client id "${req.clientId}" belongs to a registered key`);
    const d = authorize(p, "clients:connect", req.clientId, p.domain); // a client id is one of its own domain
    if (!d.allow) return refuse("client_id", RC.notAuthorized, d.scope ? `${d.reason} (${d.scope})` : d.reason);
    return undefined;
  }

  /** every check passed: only now does the registry record LAST USED */
  function authenticate(req: ConnectRequest): MqttAuthOutcome {
    const r = check(req);
    if (r.ok && r.identity !== undefined && credentialOf(r)?.principal.kind === "client") auth.markUsed(r.identity);
    return r;
  }

  function check(req: ConnectRequest): MqttAuthOutcome {
    const cert = req.peer.cert;
    const ws = req.peer.transport === "ws" || req.peer.transport === "wss";
    // built field by field: this runs for every CONNECT (no object spreads on the hot path)
    const c: Credentials = {
      // the console's Live page signs in with its web session, over WebSocket only
      sessions: ws && cert === undefined,
      allowAnonymous: !tokenRequired(req.peer),
      anonymousId: req.clientId,
    };
    if (req.username !== undefined) c.username = req.username;
    if (req.password !== undefined) c.password = req.password.toString("utf8");
    if (cert) {
      c.certificate = { cn: cert.cn, fingerprint256: cert.fingerprint256, address: req.peer.remoteAddress };
      if (cert.der) c.certificate.der = cert.der;
    }
    if (req.peer.listener !== undefined) {
      c.listener = req.peer.listener;
      const accept = acceptOf(req.peer);
      if (accept) c.accept = accept;
    }
    const who = auth.identify(c);
    if (!who.ok) {
      if (who.kind === "unavailable") return refuse(who.kind, RC.serverUnavailable, who.reason, who);
      return refuse(who.kind, RC.notAuthorized, who.kind === "missing" ? "missing token in username" : who.reason, who);
    }
    const p = who.principal;
    const clash = checkClientId(req, p);
    if (clash) return { ...clash, form: formOf(p.ref), ...(p.kind !== "anonymous" ? { claimed: p.id } : {}) };
    // anonymous clients and the console hold no identity: their sessions are nobody's (and
    // their principals are one per CONNECT: a record of their own)
    if (p.kind === "anonymous" || p.ref.kind === "session")
      return { ok: true, meta: { principal: p, epoch: deps.epoch(), rights: null } };
    return { ok: true, identity: p.id, expiresAt: p.expiresAt, meta: recordOf(p) };
  }

  /**
   * After a config reload: may this live session stay? Anonymous sessions go when a
   * token became mandatory; identified ones when the client id must now match the key, or
   * when their listener no longer accepts their credential's form.
   * (Deleted, revoked and expired credentials are the re-check's job: current().)
   */
  function stillAllowed(c: NeoClient): boolean {
    const cred = credentialOf(c);
    if (isConsole(cred)) return true;
    // MQTT TLS switched on: a plaintext TCP session of the one listener no longer meets the config
    if (c.peer.listener === undefined && config.tls.enabled && c.peer.transport === "tcp") return false;
    if (!cred || cred.principal.kind === "anonymous") return !tokenRequired(c.peer);
    if (config.requireClientIdMatch && cred.principal.kind === "client" && c.id !== cred.principal.id) return false;
    // the listener no longer accepts this credential's form (its Credentials changed)
    const accept = acceptOf(c.peer);
    const form = formOf(cred.principal.ref);
    return !accept || accept.some((f) => f === form);
  }

  return { authenticate, stillAllowed };
}
