// The CoAP listeners wired into the gateway (docs/coap.md): identity and rights through
// auth (identify, authorize, the guard, the audit trail), messages through the channel
// message path (stored as SenML like MQTT and HTTP, published to the broker), and every
// channel message delivered to CoAP observers. Off unless Coap.Listen or Coap.Tls.Listen is set.
// Made with the services (the re-check and the metrics need it), listening with the listeners;
// the adapter's code loads only when a Coap block asks for it.
import type { Auth, Guard } from "../auth/index.ts";
import type { Coap } from "../coap/index.ts";
import type { NeoConfig } from "../config/index.ts";
import { createLogger } from "../lib/log.ts";
import type { Pki } from "../pki/index.ts";
import type { AuditLog, Registry } from "../registry/index.ts";
import { channelTopic } from "../channels/index.ts";
import type { wireChannels } from "./channels-wiring.ts";
import { listening } from "./listen-error.ts";
import { loadTlsMaterial } from "./tls-material.ts";

type Channels = ReturnType<typeof wireChannels>;
const log = createLogger("coap");

export async function createCoapService(d: {
  config: NeoConfig;
  auth: Auth;
  guard: Guard;
  audit: Pick<AuditLog, "record">;
  ch: Channels;
  registry: Pick<Registry, "get">;
}): Promise<Coap | undefined> {
  const { config, auth, ch } = d;
  if (!config.coap.listen && !config.coap.tls.listen) return undefined;
  const { createCoap } = await import("../coap/index.ts");
  const coap = createCoap({
    identify: (cred) => auth.identify(cred),
    guard: d.guard,
    audit: d.audit,
    markUsed: (id) => auth.markUsed(id),
    // the same resolution as the HTTP and MQTT forms (m/<domain>/c/<id>: the channel must live in that domain)
    channel: (id, domain) => ch.messages.channelOf(channelTopic(id, "", domain))?.channel,
    domainOf: (routeOrId) => ch.messages.domainOf(routeOrId),
    accept: (id, sub, payload, type, publisher, domain) =>
      ch.adapters.accept(id, sub, payload, type, { publisher, protocol: "coap", subtopic: sub }, undefined, domain),
    // the one live re-check (as channel sockets and MQTT sessions): the credential's rights now
    current: (o) => {
      const now = auth.current(o.ref);
      return now.ok ? now.principal : null;
    },
    // a channel message becomes an MQTT message: no larger than the broker takes one
    maxBodyBytes: config.mqtt.maxMessageSizeLimit,
    log,
  });
  ch.onDelivered((topic, payload) => coap.fanout(topic, payload));
  return coap;
}

/** start the configured CoAP listeners (a bad certificate or a busy port stops the start) */
export async function listenCoap(
  coap: Coap,
  c: NeoConfig["coap"],
  pki: Pki,
  /** client-certificate CAs trusted besides the gateway's own (Tls.TrustedCA), PEM */
  trusted?: readonly string[],
): Promise<void> {
  const tls = c.tls.listen
    ? { ...c.tls.listen, ...(await loadTlsMaterial(pki, c.tls, "Coap", trusted)), clientAuth: c.tls.clientAuth }
    : undefined;
  const udp = c.listen;
  if (udp) {
    const a = await listening("CoAP", udp.host, udp.port, () => coap.listen({ udp }));
    log.info(`CoAP Listen coap://${a.udp}`);
  }
  if (tls) {
    const a = await listening("CoAP over TLS", tls.host, tls.port, () => coap.listen({ tls }));
    log.info(`CoAP Listen coaps+tcp://${a.tls} (client certificates: ${c.tls.clientAuth})`);
  }
}
