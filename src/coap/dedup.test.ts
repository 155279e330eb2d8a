import { expect, test } from "bun:test";
import { createDedup, EXCHANGE_LIFETIME_MS, NON_LIFETIME_MS } from "./dedup.ts";

test("a CON seen again within the exchange lifetime gets the same response; after it, it is new", () => {
  let now = 0;
  const d = createDedup({ now: () => now });
  expect(d.seen("a|1", true)).toEqual({ kind: "new" });
  expect(d.seen("a|1", true)).toEqual({ kind: "pending" });
  d.answered("a|1", new Uint8Array([1, 2, 3]));
  expect(d.seen("a|1", true)).toEqual({ kind: "answered", response: new Uint8Array([1, 2, 3]) });
  now = EXCHANGE_LIFETIME_MS;
  expect(d.seen("a|1", true)).toEqual({ kind: "new" });
  expect(d.seen("a|2", false)).toEqual({ kind: "new" });
  now += NON_LIFETIME_MS - 1;
  expect(d.seen("a|2", false)).toEqual({ kind: "pending" });
});

test("bounded in entries and bytes: the oldest go first", () => {
  const d = createDedup({ maxEntries: 100, maxBytes: 1000 });
  for (let i = 0; i < 1000; i++) d.seen(`p|${i}`, true);
  expect(d.size()).toBeLessThanOrEqual(100);
  expect(d.seen("p|999", true).kind).toBe("pending");
  expect(d.seen("p|0", true).kind).toBe("new");
  for (let i = 0; i < 50; i++) {
    d.seen(`b|${i}`, true);
    d.answered(`b|${i}`, new Uint8Array(100));
  }
  expect(d.bytes()).toBeLessThanOrEqual(1000);
});
