import { describe, expect, test } from "bun:test";
import { createFairQueue } from "./fair-queue.ts";

describe("fair query queue", () => {
  test("principals take turns, each within its running share", () => {
    const q = createFairQueue<string>({ maxRunning: 1, maxQueued: 4, maxWaiting: 64 });
    for (const j of ["a1", "a2", "a3"]) expect(q.push("A", j)).toBe("ok");
    expect(q.push("B", "b1")).toBe("ok");
    expect(q.push("B", "b2")).toBe("ok");
    const first = q.take(false);
    expect(first).toEqual({ who: "A", job: "a1" });
    q.started("A");
    // A is at its share: B goes next, then nobody until someone finishes
    expect(q.take(false)).toEqual({ who: "B", job: "b1" });
    q.started("B");
    expect(q.take(false)).toBeUndefined();
    q.finished("A");
    expect(q.take(false)).toEqual({ who: "A", job: "a2" });
    expect(q.waiting).toBe(2);
  });

  test("a full own line is 'own' (429), a full pool is 'pool' (503)", () => {
    const q = createFairQueue<number>({ maxRunning: 1, maxQueued: 2, maxWaiting: 3 });
    expect(q.push("A", 1)).toBe("ok");
    expect(q.push("A", 2)).toBe("ok");
    expect(q.push("A", 3)).toBe("own");
    expect(q.push("B", 4)).toBe("ok");
    expect(q.push("C", 5)).toBe("pool");
    expect(q.remove("A", 1)).toBe(true);
    expect(q.remove("A", 1)).toBe(false);
    expect(q.drain().sort()).toEqual([2, 4]);
    expect(q.waiting).toBe(0);
  });

  test("a principal borrows idle workers only when nobody within their share waits", () => {
    const q = createFairQueue<string>({ maxRunning: 1, maxQueued: 4, maxWaiting: 64 });
    q.push("A", "a1");
    q.push("A", "a2");
    expect(q.take(true)?.job).toBe("a1");
    q.started("A");
    expect(q.take(false)).toBeUndefined();
    expect(q.take(true)?.job).toBe("a2");
    q.started("A");
    expect(q.borrowing("A")).toBe(true);
    expect(q.shareWaiting()).toBe(false);
    q.push("B", "b1");
    expect(q.shareWaiting()).toBe(true);
    // the pool stops A's borrowed job and queues it again, first in A's line
    q.finished("A");
    q.requeue("A", "a2");
    expect(q.take(true)).toEqual({ who: "B", job: "b1" });
    q.started("B");
    expect(q.take(true)).toEqual({ who: "A", job: "a2" });
  });
});
