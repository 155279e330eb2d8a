// SUBSCRIBE: validate each filter, ask the app, store, SUBACK, then retained messages.
import type { ISubackPacket, ISubscribePacket } from "mqtt-packet";
import type { Connection } from "../connection.ts";
import type { QoS, Subscription } from "../types.ts";
import { RC, V3_SUBACK_FAILURE } from "../codes.ts";
import { parseFilter } from "../topics.ts";

export function handleSubscribe(c: Connection, p: ISubscribePacket): void {
  const core = c.core;
  const session = c.session;
  const client = c.client;
  if (!session || !client) return c.close();
  // a SUBSCRIBE without a topic filter is a Protocol Error [MQTT-3.8.3-2]
  if (!p.subscriptions || p.subscriptions.length === 0) return c.protocolClose(RC.protocolError);
  const v5 = c.version === 5;
  const subId = v5 ? p.properties?.subscriptionIdentifier : undefined;
  if (subId === 0) return c.protocolClose(RC.protocolError); // identifier 0 is a Protocol Error (v5 §3.8.2.1.2)
  const granted: number[] = [];
  const retainedFor: { sub: Subscription; isNew: boolean }[] = [];

  for (const s of p.subscriptions) {
    const parsed = parseFilter(s.topic);
    if (!parsed.ok) {
      granted.push(v5 ? RC.topicFilterInvalid : V3_SUBACK_FAILURE); // invalid filter (v5 §3.9.3)
      continue;
    }
    if (parsed.group !== undefined && v5 && s.nl) {
      return c.protocolClose(RC.protocolError); // [MQTT-3.8.3-4] No Local on a shared subscription
    }
    if (!core.hooks.authorizeSubscribe(client, s.topic)) {
      granted.push(v5 ? RC.notAuthorized : V3_SUBACK_FAILURE);
      continue;
    }
    const sub: Subscription = {
      clientId: c.clientId,
      raw: s.topic,
      filter: parsed.filter,
      qos: s.qos as QoS,
      noLocal: v5 ? s.nl === true : false,
      retainAsPublished: v5 ? s.rap === true : false,
      retainHandling: (v5 ? (s.rh ?? 0) : 0) as 0 | 1 | 2,
      session, // core.addSubscription sets it too: here so the object is made with it
    };
    if (parsed.group !== undefined) sub.group = parsed.group;
    if (subId !== undefined) sub.subscriptionId = subId;
    const isNew = core.addSubscription(session, sub); // replaces an existing one [MQTT-3.8.4-3]
    granted.push(sub.qos);
    retainedFor.push({ sub, isNew });
  }

  const ack: ISubackPacket = { cmd: "suback", messageId: p.messageId ?? 0, granted };
  c.sendPacket(ack); // [MQTT-3.8.4-1]
  for (const { sub, isNew } of retainedFor) {
    // [MQTT-3.3.1-9] retained messages on subscribe; v5 Retain Handling 1 = only if new, 2 = never.
    // Shared subscriptions never get retained messages (v5 §4.8.2).
    if (sub.group !== undefined || sub.retainHandling === 2 || (sub.retainHandling === 1 && !isNew)) continue;
    core.sendRetained(session, sub);
  }
}
