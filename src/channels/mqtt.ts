// Channels on the MQTT broker: `channels/<id>/messages[/...]` may be published and
// subscribed only by clients connected to the channel; a filter with a wildcard at the
// channel level (`channels/+/messages/#`, `#`) is accepted, and each delivery is checked,
// so it only ever carries the channels the client is connected to. A SenML message is
// stored before it is delivered (unchanged); invalid SenML gets v5 PUBACK 0x99 with the
// reason on the response topic, and is neither stored nor delivered.
import type { CredentialRef } from "../auth/index.ts";
import { type ClientRef, type InboundPublish, type PublishOutcome, RC } from "../mqtt/index.ts";
import type { LogAggregator } from "../lib/log-aggregate.ts";
import { parseChannelTopic, type ChannelMessages } from "./messages.ts";

export interface ChannelMqttDeps {
  messages: ChannelMessages;
  /** a reply to the publisher only (its response topic) */
  replyTo(clientId: string, msg: { topic: string; payload: string; properties?: InboundPublish["properties"] }): void;
  /** a stored or passed-through channel message, for the WebSocket adapter's sockets */
  delivered(topic: string, payload: Uint8Array): void;
  /** refused messages: a few per client in full, then a count a minute */
  refusals: LogAggregator;
}

/** who asks: the session's credential (its rights now are the channel cache's) */
export type ChannelAsker = CredentialRef;

export function createChannelMqtt(deps: ChannelMqttDeps) {
  const { messages, refusals } = deps;
  const may = (who: ChannelAsker, channelId: string, op: "publish" | "subscribe") =>
    messages.allowed(who, channelId, op);

  /** undefined: not a channel topic (the general rules decide); `identity` is asked only for one */
  function mayPublish(identity: () => ChannelAsker, topic: string): boolean | undefined {
    const t = parseChannelTopic(topic);
    if (!t) return undefined;
    // SuperMQ's m/<domain>/c/<channel>: the channel must live in the domain the topic names
    if (t.domain !== undefined && !messages.channelOf(topic)) return false;
    return may(identity(), t.channelId, "publish");
  }

  /**
   * undefined: the filter names no single channel (the general rules decide, and every
   * delivery is checked by mayDeliver); else may this client subscribe on that channel?
   */
  function maySubscribe(identity: ChannelAsker, filter: string): boolean | undefined {
    const levels = filter.split("/");
    if (levels[0] === "m" && levels[2] === "c" && levels.length >= 4) {
      const [, domain = "", , id = ""] = levels;
      if (["+", "#"].includes(domain) || ["+", "#"].includes(id)) return undefined; // each delivery decides
      if (!messages.channelOf(`m/${domain}/c/${id}`)) return false;
      return may(identity, id, "subscribe");
    }
    if (levels[0] !== "channels" || levels.length < 3) return undefined;
    const id = levels[1]!;
    if (id === "+" || id === "#") return undefined;
    const third = levels[2];
    if (third !== "messages" && third !== "+" && third !== "#") return undefined;
    return may(identity, id, "subscribe");
  }

  /** undefined: not a channel topic (the general rules decide); `owner` is asked only for one */
  function mayDeliver(owner: () => ChannelAsker, topic: string): boolean | undefined {
    const t = parseChannelTopic(topic);
    if (t?.domain !== undefined && !messages.channelOf(topic)) return false;
    return t && may(owner(), t.channelId, "subscribe");
  }

  async function store(client: ClientRef, msg: InboundPublish): Promise<PublishOutcome> {
    const found = messages.channelOf(msg.topic);
    if (!found) return { handled: true, reasonCode: RC.notAuthorized }; // deleted after the check
    const r = await messages.ingest(found.channel, msg.payload, msg.properties?.contentType, {
      publisher: client.identity ?? client.id,
      protocol: "mqtt",
      subtopic: found.topic.subtopic,
    });
    const responseTopic = msg.properties?.responseTopic;
    const reply = (body: unknown) => {
      if (!responseTopic) return;
      deps.replyTo(client.id, {
        topic: responseTopic,
        payload: JSON.stringify(body),
        properties: msg.properties?.correlationData ? { correlationData: msg.properties.correlationData } : undefined,
      });
    };
    if (!r.ok) {
      const who = client.identity ?? client.id;
      refusals.warn(who, `refused ${msg.topic} from ${who}: ${r.reason}`);
      reply({ success: false, reason: r.reason });
      if (r.status < 500) return { handled: true, reasonCode: RC.payloadFormatInvalid };
      // not stored: never acknowledged. v5 gets a failure code, a v3.1.1 client (which has
      // none) is disconnected before the PUBACK and sends the message again
      return client.protocolVersion === 5
        ? { handled: true, reasonCode: r.status === 507 ? RC.quotaExceeded : RC.unspecifiedError }
        : { handled: true, reasonCode: RC.unspecifiedError, disconnect: true };
    }
    reply({ success: true, reason: r.senml ? `success, ${r.stored} record(s) stored` : "delivered, not stored" });
    // m/<route>/c/<id> and m/<domain id>/c/<id> are one topic: subscribers of either get it
    const also = messages.spellings(found, msg.topic);
    deps.delivered(msg.topic, msg.payload);
    for (const t of also) deps.delivered(t, msg.payload);
    return also.length > 0
      ? { handled: false, reasonCode: RC.success, also }
      : { handled: false, reasonCode: RC.success };
  }

  return {
    mayPublish,
    maySubscribe,
    mayDeliver,
    /** undefined: not a channel topic */
    onPublish(client: ClientRef, msg: InboundPublish): Promise<PublishOutcome> | undefined {
      if (!parseChannelTopic(msg.topic)) return undefined;
      return store(client, msg);
    },
  };
}
