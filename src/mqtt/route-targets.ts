// Who gets one routed message: every client whose (non-shared) subscriptions match,
// once each, however many of its filters match: the highest QoS of them, Retain As
// Published if any asks for it, and every Subscription Identifier [MQTT-3.3.4-3..5].
// One match (the common case) allocates no map.
import type { TopicTrie } from "./topics.ts";
import type { Message, QoS, Subscription } from "./types.ts";

export interface Target {
  sub: Subscription;
  qos: QoS;
  rap: boolean;
  ids: number[] | undefined;
}

/** the one target, the targets by client id when several, or null when none */
export function matchTargets(subs: TopicTrie<Subscription>, msg: Message): Target | Map<string, Target> | null {
  let first: Target | null = null;
  let many: Map<string, Target> | null = null;
  subs.match(msg.topic, (sub, clientId) => {
    if (sub.noLocal && clientId === msg.origin) return; // [MQTT-3.8.3-3]
    const t = first && first.sub.clientId === clientId ? first : many?.get(clientId);
    if (t) {
      // overlapping subscriptions of one client: one copy, highest QoS, every identifier
      if (sub.qos > t.qos) t.qos = sub.qos;
      t.rap ||= sub.retainAsPublished;
      if (sub.subscriptionId !== undefined) (t.ids ??= []).push(sub.subscriptionId);
      return;
    }
    const n: Target = {
      sub,
      qos: sub.qos,
      rap: sub.retainAsPublished,
      ids: sub.subscriptionId !== undefined ? [sub.subscriptionId] : undefined,
    };
    if (!first) first = n;
    else {
      if (!many) many = new Map([[first.sub.clientId, first]]);
      many.set(clientId, n);
    }
  });
  return many ?? first;
}
