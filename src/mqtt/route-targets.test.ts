import { describe, expect, test } from "bun:test";
import { RouteCache } from "./route-targets.ts";
import { TopicTrie } from "./topics.ts";
import type { Message, Subscription } from "./types.ts";

const sub = (clientId: string, filter: string, o: Partial<Subscription> = {}): Subscription => ({
  clientId,
  raw: filter,
  filter,
  qos: 0,
  noLocal: false,
  retainAsPublished: false,
  retainHandling: 0,
  ...o,
});
const msg = (topic: string, origin?: string): Message => ({
  topic,
  payload: Buffer.from("x"),
  qos: 0,
  retain: false,
  ...(origin ? { origin } : {}),
});
const add = (t: TopicTrie<Subscription>, s: Subscription) => t.set(s.filter, s.clientId, s);

describe("route targets", () => {
  test("one target per client: highest QoS, Retain As Published if any, every subscription id", () => {
    const trie = new TopicTrie<Subscription>();
    add(trie, sub("a", "t/#", { subscriptionId: 1 }));
    trie.set("t/+", "a", sub("a", "t/+", { qos: 1, retainAsPublished: true, subscriptionId: 2 }));
    add(trie, sub("b", "t/x"));
    const list = new RouteCache().targets(trie, msg("t/x"));
    expect(list.map((t) => [t.sub.clientId, t.qos, t.rap, t.ids])).toEqual([
      ["a", 1, true, [1, 2]],
      ["b", 0, false, undefined],
    ]);
  });

  test("a topic's targets are kept until cleared; a No Local match is never kept", () => {
    const trie = new TopicTrie<Subscription>();
    const cache = new RouteCache();
    add(trie, sub("a", "t/#"));
    const first = cache.targets(trie, msg("t/x"));
    expect(cache.targets(trie, msg("t/x"))).toBe(first);
    add(trie, sub("b", "t/x", { noLocal: true }));
    cache.clear();
    expect(cache.targets(trie, msg("t/x", "b")).map((t) => t.sub.clientId)).toEqual(["a"]);
    expect(cache.targets(trie, msg("t/x", "a")).map((t) => t.sub.clientId)).toEqual(["a", "b"]);
  });

  test("many clients on one topic are each a target once", () => {
    const trie = new TopicTrie<Subscription>();
    for (let i = 0; i < 40; i++) {
      add(trie, sub(`c${i}`, "t/#"));
      trie.set("t/+", `c${i}`, sub(`c${i}`, "t/+", { qos: 1 }));
    }
    const list = new RouteCache().targets(trie, msg("t/x"));
    expect(list.length).toBe(40);
    expect(list.every((t) => t.qos === 1)).toBe(true);
  });
});
