import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { TopicTrie, isValidTopicFilter, isValidTopicName, parseFilter, topicMatches } from "./topics.ts";

// Reference matcher: a regular expression built straight from the spec's wording.
function referenceMatch(filter: string, topic: string): boolean {
  if (topic.startsWith("$") && /^[+#]/.test(filter)) return false;
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const parts = filter.split("/");
  let re = "";
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i] as string;
    if (p === "#") {
      re = i === 0 ? ".*" : `${re}(/.*)?`;
      break;
    }
    re += (i === 0 ? "" : "/") + (p === "+" ? "[^/]*" : esc(p));
  }
  return new RegExp(`^${re}$`).test(topic);
}

const level = fc.constantFrom("a", "b", "c", "", "$SYS", "x y", "ü");
const topicArb = fc
  .array(level, { minLength: 1, maxLength: 5 })
  .map((l) => l.join("/"))
  .filter((t) => t.length > 0);
const filterArb = fc
  .tuple(fc.array(fc.oneof(level, fc.constant("+")), { minLength: 0, maxLength: 5 }), fc.boolean())
  .map(([ls, hash]) => [...ls, ...(hash ? ["#"] : [])].join("/"))
  .filter((f) => f.length > 0);

describe("topic matching", () => {
  test("the trie matches exactly the filters the reference matcher matches", () => {
    fc.assert(
      fc.property(fc.array(filterArb, { minLength: 1, maxLength: 20 }), topicArb, (filters, topic) => {
        const trie = new TopicTrie<string>();
        for (const [i, f] of filters.entries()) trie.set(f, String(i), f);
        const got = new Set<string>();
        trie.match(topic, (_v, k) => got.add(k));
        const want = new Set(
          filters.map((f, i) => (referenceMatch(f, topic) ? String(i) : "")).filter((k) => k !== ""),
        );
        expect([...got].sort()).toEqual([...want].sort());
      }),
      { numRuns: 2000 },
    );
  });

  test("topicMatches agrees with the reference matcher", () => {
    fc.assert(
      fc.property(filterArb, topicArb, (f, t) => topicMatches(f, t) === referenceMatch(f, t)),
      { numRuns: 5000 },
    );
  });

  test("deleting every filter leaves an empty trie that matches nothing", () => {
    fc.assert(
      fc.property(fc.array(filterArb, { minLength: 1, maxLength: 20 }), topicArb, (filters, topic) => {
        const trie = new TopicTrie<number>();
        filters.forEach((f, i) => trie.set(f, String(i), i));
        filters.forEach((f, i) => expect(trie.delete(f, String(i))).toBe(true));
        let hits = 0;
        trie.match(topic, () => hits++);
        return trie.size === 0 && hits === 0;
      }),
    );
  });

  test("wildcards at the first level do not match $-topics but explicit $ filters do", () => {
    expect(topicMatches("#", "$SYS/broker/uptime")).toBe(false);
    expect(topicMatches("+/broker/uptime", "$SYS/broker/uptime")).toBe(false);
    expect(topicMatches("$SYS/#", "$SYS/broker/uptime")).toBe(true);
    expect(topicMatches("sport/#", "sport")).toBe(true);
    expect(topicMatches("sport/+", "sport")).toBe(false);
    expect(topicMatches("+/+", "/finance")).toBe(true);
  });
});

describe("topic validation", () => {
  test("topic names may not contain wildcards or be empty", () => {
    expect(isValidTopicName("a/b")).toBe(true);
    expect(isValidTopicName("")).toBe(false);
    expect(isValidTopicName("a/+")).toBe(false);
    expect(isValidTopicName("a/#")).toBe(false);
    expect(isValidTopicName("a\u0000b")).toBe(false);
  });

  test("filters put # only last and + only as a whole level", () => {
    for (const ok of ["#", "+", "a/+/b", "a/#", "/", "+/+"]) expect(isValidTopicFilter(ok)).toBe(true);
    for (const bad of ["", "a/#/b", "a#", "a/b+", "#/a", "a/+b"]) expect(isValidTopicFilter(bad)).toBe(false);
  });

  test("shared subscriptions split into group and filter and reject bad groups", () => {
    expect(parseFilter("$share/g1/a/+")).toEqual({ ok: true, group: "g1", filter: "a/+" });
    expect(parseFilter("$share//a")).toEqual({ ok: false });
    expect(parseFilter("$share/g+/a")).toEqual({ ok: false });
    expect(parseFilter("$share/g")).toEqual({ ok: false });
    expect(parseFilter("a/b")).toEqual({ ok: true, filter: "a/b" });
  });
});
