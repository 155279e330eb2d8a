// What a v5 client said in its CONNECT about what it takes (Receive Maximum, Maximum Packet
// Size, Topic Alias Maximum, Request Problem Information) and the topic aliases either side
// set up. Every 3.1.1 client, and every v5 client that said nothing, shares one frozen
// object of the defaults: a connection keeps one field for all of it, and an object of its
// own only once it said otherwise or uses an alias (limitsOf, ownLimits).
import type { IConnectPacket } from "mqtt-packet";

export interface ClientLimits {
  /** QoS 1/2 messages it takes in flight at once */
  readonly receiveMaximum: number;
  /** the largest packet it takes (bytes) */
  readonly maximumPacketSize: number;
  /** how many topic aliases it accepts from us */
  readonly topicAliasMaximum: number;
  /** false: it asked for no reason strings or user properties beyond CONNACK/PUBLISH/DISCONNECT */
  readonly problemInfo: boolean;
  /** its topic aliases, alias -> topic (made on first use) */
  aliases: Map<number, string> | null;
  /** aliases we gave it, topic -> alias, up to topicAliasMaximum (made on first use) */
  outAliases: Map<string, number> | null;
}

/** shared by every connection that said nothing: never written (frozen) */
export const DEFAULT_LIMITS: ClientLimits = Object.freeze({
  receiveMaximum: 65535,
  maximumPacketSize: Number.POSITIVE_INFINITY,
  topicAliasMaximum: 0,
  problemInfo: true,
  aliases: null,
  outAliases: null,
});

/** a v5 CONNECT's limits: the shared defaults unless it said something else */
export function limitsOf(props: NonNullable<IConnectPacket["properties"]>): ClientLimits {
  const { receiveMaximum, topicAliasMaximum, maximumPacketSize, requestProblemInformation } = props;
  if (!receiveMaximum && !topicAliasMaximum && !maximumPacketSize && requestProblemInformation !== false)
    return DEFAULT_LIMITS;
  return {
    receiveMaximum: receiveMaximum || DEFAULT_LIMITS.receiveMaximum,
    maximumPacketSize: maximumPacketSize || DEFAULT_LIMITS.maximumPacketSize,
    topicAliasMaximum: topicAliasMaximum || 0,
    problemInfo: requestProblemInformation !== false,
    aliases: null,
    outAliases: null,
  };
}

/** `c`'s limits as an object of its own (to keep aliases in) */
export function ownLimits(c: { limits: ClientLimits }): ClientLimits {
  if (c.limits === DEFAULT_LIMITS) c.limits = { ...DEFAULT_LIMITS };
  return c.limits;
}
