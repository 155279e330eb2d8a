import { describe, expect, test } from "bun:test";
import { nextDelay, RateLimiter, RateMeter } from "./pacing.ts";

describe("reconnect back-off", () => {
  test("doubles from 1 s up to 60 s, jittered within the upper half, never below 1 s", () => {
    const low = [0, 1, 2, 3, 4, 5, 6, 7, 20].map((a) => nextDelay(a, () => 0));
    const high = [0, 1, 2, 3, 4, 5, 6, 7, 20].map((a) => nextDelay(a, () => 1));
    expect(high).toEqual([1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000]);
    expect(low).toEqual([1000, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  });
});

describe("MaxRate", () => {
  test("a limit lets a one-second burst through, then refills at the rate", () => {
    let t = 0;
    const r = new RateLimiter(100, () => t);
    expect(r.available(1000)).toBe(100);
    r.take(100);
    expect(r.available(1000)).toBe(0);
    expect(r.waitMs()).toBe(10);
    t += 250;
    expect(r.available(1000)).toBe(25);
  });

  test("no limit (0) never holds anything back", () => {
    const r = new RateLimiter(0);
    r.take(1e9);
    expect(r.available(500)).toBe(500);
    expect(r.waitMs()).toBe(0);
  });
});

describe("sent/s meter", () => {
  test("averages the last ten whole seconds and forgets older ones", () => {
    let t = 1_000_000;
    const m = new RateMeter(() => t);
    for (let s = 0; s < 10; s++) {
      m.add(50);
      t += 1000;
    }
    expect(m.perSecond()).toBe(50);
    t += 20_000;
    expect(m.perSecond()).toBe(0);
  });
});
