// Who gets one routed message: every client whose (non-shared) subscriptions match,
// once each, however many of its filters match: the highest QoS of them, Retain As
// Published if any asks for it, and every Subscription Identifier [MQTT-3.3.4-3..5].
// Each topic's targets are kept (RouteCache) until any subscription changes, so a topic
// routed again costs one map lookup instead of a walk of the trie.
import type { TopicTrie } from "./topics.ts";
import type { Message, QoS, Subscription } from "./types.ts";

export interface Target {
  sub: Subscription;
  qos: QoS;
  rap: boolean;
  ids: number[] | undefined;
}

/** up to this many targets a client's second match is found by a scan, past it by a map */
const SCAN = 16;

/**
 * The targets of a message, one per client. `noLocal`: a No Local subscription matched, so
 * the answer depends on who published (it is not kept for the next message).
 */
function matchTargets(subs: TopicTrie<Subscription>, msg: Message): { list: Target[]; noLocal: boolean } {
  const list: Target[] = [];
  let byClient: Map<string, Target> | null = null;
  let noLocal = false;
  subs.match(msg.topic, (sub, clientId) => {
    if (sub.noLocal) {
      noLocal = true;
      if (clientId === msg.origin) return; // [MQTT-3.8.3-3]
    }
    let t: Target | undefined;
    if (byClient) t = byClient.get(clientId);
    else
      for (let i = 0; i < list.length; i++)
        if ((list[i] as Target).sub.clientId === clientId) {
          t = list[i];
          break;
        }
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
    list.push(n);
    if (byClient) byClient.set(clientId, n);
    else if (list.length > SCAN) byClient = new Map(list.map((x) => [x.sub.clientId, x]));
  });
  return { list, noLocal };
}

/** targets kept in all (a broker with many topics and wide subscriptions holds no more) */
const MAX_KEPT = 100_000;

/** Each topic's targets until the subscriptions change (clear()); never written into once kept. */
export class RouteCache {
  private byTopic = new Map<string, readonly Target[]>();
  private kept = 0;

  /** a subscription was added, replaced or removed: every kept answer goes */
  clear(): void {
    if (this.byTopic.size === 0) return;
    this.byTopic = new Map();
    this.kept = 0;
  }

  targets(subs: TopicTrie<Subscription>, msg: Message): readonly Target[] {
    const hit = this.byTopic.get(msg.topic);
    if (hit !== undefined) return hit;
    const { list, noLocal } = matchTargets(subs, msg);
    if (noLocal) return list;
    if (this.kept + list.length + 1 > MAX_KEPT) this.clear();
    this.byTopic.set(msg.topic, list);
    this.kept += list.length + 1;
    return list;
  }
}
