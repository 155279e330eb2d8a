// What the Mainflux/Magistrala HTTP and WebSocket adapters do once the HTTP runner has
// identified the caller (the routes: src/http/routes/channel-messages.ts): a message is
// stored (when SenML), then delivered to MQTT subscribers, channel sockets and other
// adapters' observers; channel sockets are re-checked while they live.
import type { Auth } from "../auth/index.ts";
// the route modules themselves, not the HTTP barrel: the broker's first CONNACKs do not wait
// for the HTTP server's code to load (bench/RESULTS.md "Start: the first CONNACK")
import { channelMessageRoutes, type HttpSockets } from "../http/channel-routes.ts";
import type { Logger } from "../lib/log.ts";
import { channelTopic, type ChannelMessages, type MessageOrigin, parseChannelTopic } from "./messages.ts";
import { createChannelSockets, isChannelSocket, type ChannelSocketData } from "./sockets.ts";

export interface ChannelAdapterDeps {
  messages: ChannelMessages;
  auth: Auth;
  /**
   * publish to the broker's MQTT subscribers (no authorization: the adapter checked it);
   * `also`: the topic's other spellings (m/<route>/... and m/<id>/...), their subscribers too
   */
  publish(topic: string, payload: Uint8Array, also: readonly string[]): void;
  /** largest message accepted (HTTP body or WebSocket frame): the broker's packet limit */
  maxBodyBytes: number;
  log: Logger;
  /** read per check (a reload may change it): is token auth on for this HTTP listener (by name; absent: the service's rule)? */
  tokenAuth(listener?: string): boolean;
  /** a message went out on a channel topic: other adapters' subscribers (CoAP observers) */
  delivered?(topic: string, payload: Uint8Array): void;
}

export function createChannelAdapters(deps: ChannelAdapterDeps) {
  const { messages, auth, log } = deps;
  /** store (when SenML), then deliver to MQTT subscribers and channel sockets */
  async function accept(
    channelId: string,
    subtopic: string,
    payload: Uint8Array,
    contentType: string | undefined,
    origin: MessageOrigin,
    from?: unknown,
    domain?: string,
  ): Promise<{ ok: true; stored: number } | { ok: false; status: number; reason: string }> {
    const topic = channelTopic(channelId, subtopic, domain);
    const found = messages.channelOf(topic);
    if (!found) return { ok: false, status: 404, reason: `channel ${JSON.stringify(channelId)} not found` };
    const r = await messages.ingest(found.channel, payload, contentType, origin);
    if (!r.ok) return r;
    const also = messages.spellings(found, topic);
    deps.publish(topic, payload, also);
    for (const t of [topic, ...also]) {
      sockets.fanout(t, payload, from);
      deps.delivered?.(t, payload);
    }
    return { ok: true, stored: r.stored };
  }

  const sockets = createChannelSockets({
    messages,
    log,
    // an anonymous socket ("" client id) lasts while token auth stays off; its rights are re-checked too
    stillValid: (d) => (d.ref.kind === "anonymous" ? !deps.tokenAuth(d.ref.listener) : auth.current(d.ref).ok),
    publish: async (d: ChannelSocketData, payload, from) => {
      if (payload.byteLength > deps.maxBodyBytes)
        return { ok: false, reason: `message exceeds ${deps.maxBodyBytes} bytes` };
      const t = parseChannelTopic(d.topic); // channels/<id>/messages/... or m/<domain>/c/<id>/...
      const sub = t?.subtopic ?? "";
      const origin: MessageOrigin = { publisher: d.clientId, protocol: "websocket", subtopic: sub };
      const r = await accept(d.channelId, sub, payload, undefined, origin, from, t?.domain);
      return r.ok ? { ok: true } : { ok: false, reason: r.reason };
    },
  });

  // the routes (src/http/routes/channel-messages.ts) are run by the HTTP runner: it
  // identifies the caller; these are what they call
  const routes = channelMessageRoutes({
    channel: (id, domain) => messages.channelOf(channelTopic(id, "", domain))?.channel,
    domainOf: (routeOrId) => messages.domainOf(routeOrId),
    accept: (channelId, subtopic, payload, type, publisher, domain) =>
      accept(channelId, subtopic, payload, type, { publisher, protocol: "http", subtopic }, undefined, domain),
    socketData: (who, channelId, subtopic, domain): ChannelSocketData => ({
      kind: "channel-socket",
      clientId: who.id,
      ref: who.ref,
      channelId,
      topic: channelTopic(channelId, subtopic, domain),
      expiresAt: who.expiresAt,
    }),
    maxBodyBytes: deps.maxBodyBytes,
  });
  const socketKind: HttpSockets = { owns: isChannelSocket, handlers: sockets.handlers };

  return { routes, socketKind, sockets, accept };
}
