// CONNECT as named steps, run in order until one refuses (like Aedes' connectActions):
//   validate -> will -> authenticate -> limits -> attach -> connack -> resume
// Each step is small and exported for its test. A refusal is always a proper CONNACK
// (or, where the spec says so, a plain close); the steps after it never run.
import type { IConnackPacket, IConnectPacket } from "mqtt-packet";
import type { Connection } from "../connection.ts";
import type { AuthResult } from "../hooks.ts";
import type { Message, ProtocolVersion, QoS } from "../types.ts";
import type { Session } from "../session.ts";
import { RC, connackCodeV3 } from "../codes.ts";
import { isValidTopicName } from "../topics.ts";
import { limitsOf } from "../client-limits.ts";

export const SERVER_RECEIVE_MAXIMUM = 1024;
export const SERVER_TOPIC_ALIAS_MAXIMUM = 64;

/** What the steps learn about one CONNECT as they go. */
export interface ConnectState {
  readonly c: Connection;
  readonly p: IConnectPacket;
  readonly version: ProtocolVersion;
  readonly cleanStart: boolean;
  readonly props: NonNullable<IConnectPacket["properties"]>;
  clientId: string;
  /** the server chose the id (empty id from the client) */
  assigned: boolean;
  will: { msg: Message; delayMs: number } | null;
  auth: Extract<AuthResult, { ok: true }> | null;
  session: Session | null;
  sessionPresent: boolean;
  /** v5: the keep alive the server imposes (Server Keep Alive in CONNACK) */
  serverKeepAlive?: number;
  /** v5: the session expiry (s) the server uses instead of the client's "never" (CONNACK property) */
  serverSessionExpiry?: number;
}

/** false (or a promise of false): the CONNECT was refused or the socket went away; stop. */
export type ConnectStep = (s: ConnectState) => boolean | Promise<boolean>;

function refuse(c: Connection, v5Code: number): false {
  if (c.version === 5) c.sendPacket({ cmd: "connack", reasonCode: v5Code, sessionPresent: false });
  else c.sendPacket({ cmd: "connack", returnCode: connackCodeV3(v5Code), sessionPresent: false }); // [MQTT-3.2.2-4]
  c.close(true);
  return false;
}

/** Client id rules and what this broker does not offer. */
export const validate: ConnectStep = (s) => {
  // too many connections from this address (Mqtt.MaxConnectionsPerAddress): at once, before any credential work
  if (s.c.core.conns.overAddress(s.c.transport.peer.remoteAddress)) return refuse(s.c, RC.connectionRateExceeded);
  // no enhanced authentication (AUTH exchange) is offered: a v5 client asking for one is
  // refused rather than let in on a method nobody checked [MQTT-4.12.0-1]
  if (s.version === 5 && s.props.authenticationMethod !== undefined) return refuse(s.c, RC.badAuthenticationMethod);
  if (s.clientId !== "") return true;
  // [MQTT-3.1.3-8] an empty id needs a clean session (3.1 never allowed it)
  if (s.version === 3 || !s.cleanStart) return refuse(s.c, RC.clientIdentifierNotValid);
  s.clientId = s.c.core.assignClientId();
  s.assigned = true; // [MQTT-3.1.3-6] / v5 Assigned Client Identifier
  return true;
};

/** The will message: a valid topic, a copy of the payload, v5 properties and delay. */
export const will: ConnectStep = (s) => {
  const w = s.p.will;
  if (!w) return true;
  if (!isValidTopicName(w.topic)) {
    if (s.version === 5) return refuse(s.c, RC.topicNameInvalid);
    s.c.close();
    return false;
  }
  const { willDelayInterval, ...msgProps } = w.properties ?? {};
  const msg: Message = {
    topic: w.topic,
    payload: Buffer.from(w.payload), // a copy: never keep the received bytes alive
    qos: (w.qos ?? 0) as QoS,
    retain: w.retain ?? false,
    origin: s.clientId,
  };
  if (s.version === 5 && Object.keys(msgProps).length > 0) msg.properties = msgProps;
  s.will = { msg, delayMs: (willDelayInterval ?? 0) * 1000 };
  return true;
};

/** The app's authenticate hook decides; a hook that throws is "server unavailable". */
export const authenticate: ConnectStep = async (s) => {
  const { c, p } = s;
  const core = c.core;
  let res: AuthResult;
  try {
    res = await core.hooks.authenticate({
      clientId: s.clientId,
      username: p.username,
      password: p.password,
      protocolVersion: s.version,
      peer: c.transport.peer,
    });
  } catch (e) {
    core.log.error(`authenticate hook failed for ${s.clientId}`, e);
    res = { ok: false, reasonCode: RC.serverUnavailable };
  }
  if (c.state !== "connecting") return false; // socket went away while we waited
  if (!res.ok) {
    core.log.debug(
      `connect refused for ${s.clientId}: 0x${res.reasonCode.toString(16)}${res.reason ? ` ${res.reason}` : ""}`,
    );
    return refuse(c, res.reasonCode);
  }
  // a session belongs to the client that made it: never take over another identity's
  // session, connected or waiting with its queued messages (an anonymous one is anyone's)
  const held = core.sessions.get(s.clientId);
  if (held && held.owner !== undefined && held.owner !== res.identity) {
    core.log.warn(
      `CONNECT refused for "${s.clientId}": the client id ${held.conn ? "is in use by" : "holds the session of"} another client`,
    );
    return refuse(c, RC.notAuthorized);
  }
  // too many connected clients of this key (Mqtt.MaxConnectionsPerClient); taking over one's own client id is not one more
  if (res.identity !== undefined && core.clients.get(s.clientId)?.client?.identity !== res.identity) {
    if (!core.conns.mayConnect(res.identity)) {
      core.log.debug(`CONNECT refused for "${s.clientId}": ${res.identity} has its maximum of connections`);
      return refuse(c, RC.quotaExceeded);
    }
  }
  s.auth = res;
  return true;
};

/** Session expiry in ms: v5's property (0xFFFFFFFF = never), v3 clean session = 0, else forever. */
export function sessionExpiryMs(version: ProtocolVersion, cleanStart: boolean, expiryInterval?: number): number {
  if (version !== 5) return cleanStart ? 0 : Infinity;
  const e = expiryInterval ?? 0;
  return e === 0xffffffff ? Infinity : e * 1000;
}

/** The connection takes its identity and the client's limits (keep-alive, v5 receive/packet maximum). */
export const limits: ConnectStep = (s) => {
  const { c, props } = s;
  c.identify(s.auth?.identity, s.auth?.meta); // the connection is now the client hooks see (c.client)
  let keepalive = s.p.keepalive ?? 0;
  const max = c.core.opts.maxKeepAlive ?? 65_535;
  if (s.version === 5 && (keepalive > max || (keepalive === 0 && max < 65_535))) {
    keepalive = max; // the client must use ours [MQTT-3.2.2-21]
    s.serverKeepAlive = max;
  } else if (s.version !== 5 && keepalive > max) {
    // 3.1.1 cannot be told another value: refused, as Mosquitto does (identifier rejected)
    return refuse(c, RC.clientIdentifierNotValid);
  }
  c.keepaliveMs = keepalive * 1000;
  if (s.version === 5) c.limits = limitsOf(props); // the shared defaults unless it said otherwise
  if (s.will) c.will = s.will;
  return true;
};

/** Take over, resume or create the session (Clean Start, expiry). */
export const attach: ConnectStep = (s) => {
  let expiry = sessionExpiryMs(s.version, s.cleanStart, s.props.sessionExpiryInterval);
  // a session that would never end ends this long after its client left (Mqtt.PersistentSessionExpiry)
  const cap = s.c.core.budget.limits.persistentExpiryMs;
  if (expiry === Infinity && Number.isFinite(cap)) {
    expiry = cap;
    if (s.version === 5) s.serverSessionExpiry = Math.ceil(cap / 1000);
  }
  const got = s.c.core.attach(s.c, s.clientId, s.cleanStart, expiry);
  if (!got) {
    s.c.core.log.debug(
      `CONNECT refused for "${s.clientId}": no more persistent sessions allowed (Mqtt.MaxPersistentSessions*)`,
    );
    return refuse(s.c, RC.quotaExceeded); // 3.1.1: return code 3, server unavailable
  }
  const { session, present } = got;
  s.session = session;
  s.sessionPresent = present;
  s.c.clearConnectTimer();
  return true;
};

/** The CONNACK this broker sends on success. */
function connackFor(s: ConnectState, maxPacketSize: number): IConnackPacket {
  const ack: IConnackPacket = { cmd: "connack", sessionPresent: s.sessionPresent }; // [MQTT-3.2.2-2, MQTT-3.2.2-3]
  if (s.version !== 5) {
    ack.returnCode = 0;
    return ack;
  }
  ack.reasonCode = RC.success;
  ack.properties = {
    receiveMaximum: SERVER_RECEIVE_MAXIMUM,
    maximumPacketSize: maxPacketSize,
    topicAliasMaximum: SERVER_TOPIC_ALIAS_MAXIMUM,
    retainAvailable: true,
    wildcardSubscriptionAvailable: true,
    subscriptionIdentifiersAvailable: true,
    sharedSubscriptionAvailable: true,
  };
  if (s.assigned) ack.properties.assignedClientIdentifier = s.clientId;
  if (s.serverKeepAlive !== undefined) ack.properties.serverKeepAlive = s.serverKeepAlive;
  if (s.serverSessionExpiry !== undefined) ack.properties.sessionExpiryInterval = s.serverSessionExpiry;
  return ack;
}

export const connack: ConnectStep = (s) => {
  s.c.sendPacket(connackFor(s, s.c.core.opts.maxPacketSize));
  s.c.state = "connected";
  s.c.core.connected(s.c);
  return true;
};

/** Redeliver in-flight messages with DUP, then the queue. */
export const resume: ConnectStep = (s) => {
  s.session?.resume();
  return true;
};

export const CONNECT_STEPS: readonly ConnectStep[] = [validate, will, authenticate, limits, attach, connack, resume];

export function connectState(c: Connection, p: IConnectPacket): ConnectState {
  const version = (p.protocolVersion ?? 4) as ProtocolVersion;
  return {
    c,
    p,
    version,
    cleanStart: p.clean !== false,
    props: p.properties ?? {},
    clientId: p.clientId ?? "",
    assigned: false,
    will: null,
    auth: null,
    session: null,
    sessionPresent: false,
  };
}

export async function handleConnect(c: Connection, p: IConnectPacket): Promise<void> {
  const s = connectState(c, p);
  c.state = "connecting";
  c.version = s.version;
  for (const step of CONNECT_STEPS) {
    const r = step(s);
    if (!(r === true || (r !== false && (await r)))) return;
  }
}
