// CONNECT: client id rules, authentication through the hook, takeover, session
// resume, CONNACK. A refusal is always a proper CONNACK, then close.
import type { IConnackPacket, IConnectPacket } from "mqtt-packet";
import type { Connection } from "../connection.ts";
import type { AuthResult } from "../hooks.ts";
import type { Message, ProtocolVersion, QoS } from "../types.ts";
import { RC, connackCodeV3 } from "../codes.ts";
import { isValidTopicName } from "../topics.ts";

export const SERVER_RECEIVE_MAXIMUM = 1024;
export const SERVER_TOPIC_ALIAS_MAXIMUM = 64;

export function refuse(c: Connection, v5Code: number): void {
  if (c.version === 5) c.sendPacket({ cmd: "connack", reasonCode: v5Code, sessionPresent: false });
  else c.sendPacket({ cmd: "connack", returnCode: connackCodeV3(v5Code), sessionPresent: false }); // [MQTT-3.2.2-4]
  c.close(true);
}

export async function handleConnect(c: Connection, p: IConnectPacket): Promise<void> {
  const core = c.core;
  c.state = "connecting";
  const version = (p.protocolVersion ?? 4) as ProtocolVersion;
  c.version = version;
  const cleanStart = p.clean !== false;
  const props = p.properties ?? {};

  // no enhanced authentication (AUTH exchange) is offered: a v5 client asking for one is
  // refused rather than let in on a method nobody checked [MQTT-4.12.0-1]
  if (version === 5 && props.authenticationMethod !== undefined) return refuse(c, RC.badAuthenticationMethod);

  let clientId = p.clientId ?? "";
  let assigned = false;
  if (clientId === "") {
    // [MQTT-3.1.3-8] an empty id needs a clean session (3.1 never allowed it)
    if (version === 3 || !cleanStart) return refuse(c, RC.clientIdentifierNotValid);
    clientId = core.assignClientId();
    assigned = true; // [MQTT-3.1.3-6] / v5 Assigned Client Identifier
  }

  let will: Message | null = null;
  let willDelayMs = 0;
  if (p.will) {
    if (!isValidTopicName(p.will.topic)) {
      if (version === 5) return refuse(c, RC.topicNameInvalid);
      return c.close();
    }
    const wp = p.will.properties ?? {};
    const { willDelayInterval, ...msgProps } = wp;
    willDelayMs = (willDelayInterval ?? 0) * 1000;
    will = {
      topic: p.will.topic,
      payload: Buffer.from(p.will.payload), // a copy: never keep the received bytes alive
      qos: (p.will.qos ?? 0) as QoS,
      retain: p.will.retain ?? false,
      origin: clientId,
    };
    if (version === 5 && Object.keys(msgProps).length > 0) will.properties = msgProps;
  }

  let res: AuthResult;
  try {
    res = await core.hooks.authenticate({
      clientId,
      username: p.username,
      password: p.password,
      protocolVersion: version,
      peer: c.transport.peer,
    });
  } catch (e) {
    core.log.error(`authenticate hook failed for ${clientId}`, e);
    res = { ok: false, reasonCode: RC.serverUnavailable };
  }
  if (c.state !== "connecting") return; // socket went away while we waited
  if (!res.ok) {
    core.log.debug(
      `connect refused for ${clientId}: 0x${res.reasonCode.toString(16)}${res.reason ? ` ${res.reason}` : ""}`,
    );
    return refuse(c, res.reasonCode);
  }

  c.clientId = clientId;
  c.client = { id: clientId, protocolVersion: version, peer: c.transport.peer };
  if (res.identity !== undefined) c.client.identity = res.identity;
  if (res.meta !== undefined) c.client.meta = res.meta;
  c.keepaliveMs = (p.keepalive ?? 0) * 1000;
  if (version === 5) {
    if (props.receiveMaximum) c.clientReceiveMaximum = props.receiveMaximum;
    if (props.maximumPacketSize) c.clientMaximumPacketSize = props.maximumPacketSize;
    if (props.requestProblemInformation === false) c.problemInfo = false;
  }
  if (will) c.will = { msg: will, delayMs: willDelayMs };

  let expiryMs: number;
  if (version === 5) {
    const e = props.sessionExpiryInterval ?? 0;
    expiryMs = e === 0xffffffff ? Infinity : e * 1000;
  } else {
    expiryMs = cleanStart ? 0 : Infinity;
  }

  const { session, present } = core.attach(c, clientId, cleanStart, expiryMs);
  c.clearConnectTimer();

  const ack: IConnackPacket = { cmd: "connack", sessionPresent: present }; // [MQTT-3.2.2-2, MQTT-3.2.2-3]
  if (version === 5) {
    ack.reasonCode = RC.success;
    ack.properties = {
      receiveMaximum: SERVER_RECEIVE_MAXIMUM,
      maximumPacketSize: core.opts.maxPacketSize,
      topicAliasMaximum: SERVER_TOPIC_ALIAS_MAXIMUM,
      retainAvailable: true,
      wildcardSubscriptionAvailable: true,
      subscriptionIdentifiersAvailable: true,
      sharedSubscriptionAvailable: true,
    };
    if (assigned) ack.properties.assignedClientIdentifier = clientId;
  } else {
    ack.returnCode = 0;
  }
  c.sendPacket(ack);
  c.state = "connected";
  core.connected(c);
  session.resume(); // redeliver in-flight with DUP, then the queue
}
