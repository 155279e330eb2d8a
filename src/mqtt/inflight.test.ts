import { describe, expect, test } from "bun:test";
import { InflightTable } from "./inflight.ts";

/** a small deterministic generator (the same sequence every run) */
function rng(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
}

describe("InflightTable", () => {
  test("get, has, set, delete and size as a Map; iteration in the order of sending", () => {
    const t = new InflightTable<string>();
    t.set(5, "a").set(9, "b").set(1, "c");
    expect(t.size).toBe(3);
    expect([t.get(9), t.has(1), t.has(2), t.get(2)]).toEqual(["b", true, false, undefined]);
    t.set(9, "B"); // replaced where it is
    expect([...t]).toEqual([
      [5, "a"],
      [9, "B"],
      [1, "c"],
    ]);
    expect(t.delete(9)).toBe(true);
    expect(t.delete(9)).toBe(false);
    expect([...t]).toEqual([
      [5, "a"],
      [1, "c"],
    ]);
    expect(t.delete(5) && t.delete(1)).toBe(true);
    expect([t.size, [...t]]).toEqual([0, []]);
  });

  test("deleting while iterating (a resend that drops a message) visits each once", () => {
    const t = new InflightTable<number>();
    for (let pid = 1; pid <= 40; pid++) t.set(pid, pid);
    const seen: number[] = [];
    for (const [pid] of t) {
      seen.push(pid);
      if (pid % 3 === 0) t.delete(pid);
    }
    expect(seen).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(t.size).toBe(40 - 13);
  });

  test("agrees with a Map under batches, out-of-order acks, wrap-around ids, growth and compaction", () => {
    const next = rng(7);
    const t = new InflightTable<number>();
    const m = new Map<number, number>();
    let pid = 65_500; // wraps past 65535 to 1
    for (let step = 0; step < 20_000; step++) {
      const r = next();
      if (r < 0.55 || m.size === 0) {
        // send a batch (ids in use are skipped, as Session.allocPid does)
        const n = 1 + Math.floor(next() * 40);
        for (let k = 0; k < n; k++) {
          while (m.has(pid)) pid = pid === 65_535 ? 1 : pid + 1;
          t.set(pid, step);
          m.set(pid, step);
          pid = pid === 65_535 ? 1 : pid + 1;
        }
      } else {
        // ack some: mostly the oldest, sometimes one from the middle, sometimes an unknown id
        const keys = [...m.keys()];
        const n = 1 + Math.floor(next() * keys.length);
        for (let k = 0; k < n; k++) {
          const victim = next() < 0.8 ? keys[k] : keys[Math.floor(next() * keys.length)];
          const unknown = 1 + Math.floor(next() * 65_535);
          const id = next() < 0.05 ? unknown : (victim as number);
          expect(t.delete(id)).toBe(m.delete(id));
        }
      }
      expect(t.size).toBe(m.size);
      if (step % 97 === 0) {
        expect([...t]).toEqual([...m]);
        for (const k of m.keys()) expect(t.get(k)).toBe(m.get(k));
      }
    }
    expect([...t]).toEqual([...m]);
  });
});
