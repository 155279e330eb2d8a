// One message, several spellings of its topic (SuperMQ's `m/<domain route>/c/<channel>` and
// `m/<domain id>/c/<channel>` name the same channel): the app says so in its publish outcome
// (`also`) or app publish, and the message reaches the subscribers of every spelling, each
// subscriber once (under the first spelling its filters match; shared groups per spelling),
// and is retained under each. Only such messages come here: routing of every other topic
// (core.route) is untouched.
import type { BrokerCore } from "./core.ts";
import { routeShared } from "./shared-route.ts";
import type { Target } from "./route-targets.ts";
import type { Delivery, Message, QoS } from "./types.ts";

export function ingestSpellings(core: BrokerCore, msg: Message, owner: string | undefined, also: readonly string[]) {
  const all = [msg, ...also.filter((t) => t !== msg.topic).map((topic): Message => ({ ...msg, topic }))];
  if (msg.retain) for (const m of all) core.retained.set(m, owner);
  const reached = new Set<string>();
  const deliver = (t: Target, m: Message) => {
    const id = t.sub.clientId;
    if (reached.has(id)) return;
    reached.add(id);
    const s = t.sub.session;
    if (!s || !core.mayDeliver(s, m.topic)) return;
    const d: Delivery = { msg: m, qos: Math.min(m.qos, t.qos) as QoS, retain: t.rap ? m.retain : false }; // [MQTT-3.3.1-12]
    if (t.ids) d.subscriptionIds = t.ids;
    s.deliver(d);
  };
  for (const m of all) {
    for (const t of core.targets(m)) deliver(t, m);
    if (core.shared.size > 0) routeShared(core.shared, core.rr, (ss, topic) => core.mayDeliver(ss, topic), m);
  }
}
