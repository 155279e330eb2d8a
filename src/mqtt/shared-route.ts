// `$share/<group>/<filter>` routing: one member per group gets a message, round robin,
// online members first, and only among members that may receive it (a member whose filter
// is only partly allowed is skipped for the topics it may not read, so it never swallows
// the group's copy); when no member may, nobody in the group gets it.
import type { Session } from "./session.ts";
import type { TopicTrie } from "./topics.ts";
import type { Delivery, Message, QoS, Subscription } from "./types.ts";

type MayDeliver = (s: Session, topic: string) => boolean;

export function routeShared(
  shared: TopicTrie<Subscription>,
  rr: Map<string, number>,
  mayDeliver: MayDeliver,
  msg: Message,
): void {
  const groups = new Map<string, Subscription[]>();
  shared.match(msg.topic, (sub) => {
    const key = `${sub.group}\u0000${sub.filter}`;
    const list = groups.get(key);
    if (list) list.push(sub);
    else groups.set(key, [sub]);
  });
  for (const [key, members] of groups) {
    const i = rr.get(key) ?? 0;
    rr.set(key, (i + 1) % 1_000_000_000);
    const online = members.filter((m) => m.session?.conn?.isConnected());
    const pick =
      pickMember(online, i, msg.topic, mayDeliver) ??
      (online.length < members.length ? pickMember(members, i, msg.topic, mayDeliver) : undefined);
    if (!pick) continue;
    const { sub, session } = pick;
    // [MQTT-3.3.1-12] retain as published
    const d: Delivery = {
      msg,
      qos: Math.min(msg.qos, sub.qos) as QoS,
      retain: sub.retainAsPublished ? msg.retain : false,
    };
    if (sub.subscriptionId !== undefined) d.subscriptionIds = [sub.subscriptionId];
    session.deliver(d);
  }
}

/** the first member from the `start`-th on (wrapping) whose session may receive `topic` */
function pickMember(
  pool: Subscription[],
  start: number,
  topic: string,
  mayDeliver: MayDeliver,
): { sub: Subscription; session: Session } | undefined {
  for (let k = 0; k < pool.length; k++) {
    const sub = pool[(start + k) % pool.length] as Subscription;
    const session = sub.session;
    if (session && mayDeliver(session, topic)) return { sub, session };
  }
  return undefined;
}
