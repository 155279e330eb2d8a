// The PUBLISH packet for one delivery when it carries properties (or an expiry): v5 gets
// the remaining Message Expiry Interval, its Subscription Identifiers and topic aliases
// (the first message on a topic names it and its alias, later ones only the alias).
import type { IPublishPacket } from "mqtt-packet";
import type { Delivery, ProtocolVersion } from "./types.ts";
import type { ClientLimits } from "./client-limits.ts";

/** what of the connection the packet depends on: its version, what it takes and the aliases we gave it (filled here) */
interface Receiver {
  version: ProtocolVersion;
  limits: ClientLimits;
}

/** null when the message expired before it could go out */
export function publishPacket(c: Receiver, d: Delivery, pid: number, dup: boolean): IPublishPacket | null {
  const m = d.msg;
  const pkt: IPublishPacket = {
    cmd: "publish",
    topic: m.topic,
    payload: m.payload,
    qos: d.qos,
    retain: d.retain,
    dup,
  };
  if (d.qos > 0) pkt.messageId = pid;
  if (c.version === 5) {
    const props: NonNullable<IPublishPacket["properties"]> = { ...m.properties };
    if (m.expiresAt !== undefined) {
      const left = Math.ceil((m.expiresAt - Date.now()) / 1000);
      if (left <= 0) return null;
      props.messageExpiryInterval = left; // remaining lifetime [MQTT-3.3.2-6]
    }
    if (d.subscriptionIds && d.subscriptionIds.length > 0) props.subscriptionIdentifier = d.subscriptionIds;
    delete props.topicAlias; // an alias from the publisher means nothing on this connection
    const limits = c.limits; // its own object: a client that takes aliases said so in its CONNECT
    if (limits.topicAliasMaximum > 0) {
      // outbound topic aliases: the first message on a topic names it and its alias,
      // later ones send the alias and an empty topic [MQTT-3.3.2-8]
      const aliases = (limits.outAliases ??= new Map());
      const known = aliases.get(m.topic);
      if (known !== undefined) {
        props.topicAlias = known;
        pkt.topic = "";
      } else if (aliases.size < limits.topicAliasMaximum) {
        props.topicAlias = aliases.size + 1;
        aliases.set(m.topic, props.topicAlias);
      }
    }
    pkt.properties = props;
  } else if (m.expiresAt !== undefined && m.expiresAt <= Date.now()) return null;
  return pkt;
}
