// What crosses the uplink besides the queue: the client's connect options from a bridge's
// settings, and a message from the upstream turned into a local delivery (prefix removed,
// the v5 properties a local subscriber can use kept).
import type { ClientOptions, Incoming } from "./client.ts";
import type { BridgeSettings, LocalDelivery } from "./types.ts";

export function connectOptions(s: BridgeSettings): ClientOptions {
  return {
    url: s.address,
    clientId: s.clientId,
    protocol: s.protocol,
    ...(s.username !== undefined ? { username: s.username } : {}),
    ...(s.password !== undefined ? { password: s.password } : {}),
    tls: {
      ...(s.tls.caFile ? { ca: s.tls.caFile } : {}),
      ...(s.tls.certFile ? { cert: s.tls.certFile } : {}),
      ...(s.tls.keyFile ? { key: s.tls.keyFile } : {}),
      ...(s.tls.serverName ? { serverName: s.tls.serverName } : {}),
    },
    keepAlive: s.keepAlive,
    sessionExpiry: s.sessionExpiry,
  };
}

/** the local message for one from the upstream; null when nothing is left of its topic */
export function localDelivery(m: Incoming, prefix: string): LocalDelivery | null {
  const topic = prefix && m.topic.startsWith(prefix) ? m.topic.slice(prefix.length) : m.topic;
  if (topic === "") return null;
  const d: LocalDelivery = { topic, payload: m.payload, qos: m.qos > 0 ? 1 : 0, retain: m.retain };
  const p = m.properties;
  if (
    p &&
    (p.userProperties ||
      p.contentType ||
      p.responseTopic ||
      p.correlationData ||
      p.payloadFormatIndicator !== undefined)
  ) {
    d.properties = {};
    if (p.userProperties) d.properties.userProperties = p.userProperties as Record<string, string | string[]>;
    if (p.contentType) d.properties.contentType = p.contentType;
    if (p.responseTopic) d.properties.responseTopic = p.responseTopic;
    if (p.correlationData) d.properties.correlationData = p.correlationData;
    if (p.payloadFormatIndicator !== undefined) d.properties.payloadFormatIndicator = p.payloadFormatIndicator;
  }
  return d;
}
