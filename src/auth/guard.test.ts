import { describe, expect, test } from "bun:test";
import { type Ban, createGuard } from "./guard.ts";

const MIN = 60_000;
function setup(over: { maxFailures?: number; maxBanMs?: number } = {}) {
  let clock = 1_000_000;
  const banned: Ban[] = [];
  const guard = createGuard({
    maxFailures: over.maxFailures ?? 10,
    windowMs: MIN,
    maxBanMs: over.maxBanMs ?? 15 * MIN,
    now: () => clock,
    onBan: (b) => banned.push(b),
  });
  return { guard, banned, advance: (ms: number) => (clock += ms), now: () => clock };
}

describe("per-address ban", () => {
  test("ten failures within the window ban the address; other addresses stay free", () => {
    const { guard, banned } = setup();
    for (let i = 0; i < 9; i++) guard.failed("127.0.0.2");
    expect(guard.check("127.0.0.2").ok).toBe(true);
    guard.failed("127.0.0.2");
    const c = guard.check("127.0.0.2");
    expect(c).toMatchObject({ ok: false, retryAfterSec: 60 });
    expect(guard.check("127.0.0.1").ok).toBe(true);
    expect(banned).toHaveLength(1);
    expect(banned[0]).toMatchObject({ address: "127.0.0.2", level: 0, failures: 10 });
  });

  test("failures spread wider than the window never ban", () => {
    const { guard, advance } = setup();
    for (let i = 0; i < 30; i++) {
      guard.failed("a");
      advance(7_000);
    }
    expect(guard.check("a").ok).toBe(true);
  });

  test("each new ban doubles the previous one, up to the maximum", () => {
    const { guard, advance, banned } = setup({ maxFailures: 2, maxBanMs: 5 * MIN });
    const lengths: number[] = [];
    for (let round = 0; round < 5; round++) {
      guard.failed("x");
      guard.failed("x");
      const b = banned.at(-1)!;
      lengths.push(b.until - b.since);
      advance(b.until - b.since);
      expect(guard.check("x").ok).toBe(true);
    }
    expect(lengths).toEqual([MIN, 2 * MIN, 4 * MIN, 5 * MIN, 5 * MIN]);
  });

  test("the back-off is forgotten once the address stays quiet for the maximum ban after a ban", () => {
    const { guard, advance, banned } = setup({ maxFailures: 1 });
    guard.failed("x");
    advance(MIN);
    guard.failed("x");
    expect(banned.at(-1)!.level).toBe(1);
    advance(2 * MIN + 15 * MIN + 1);
    guard.failed("x");
    expect(banned.at(-1)!.level).toBe(0);
  });

  test("clearing lifts one ban or all of them", () => {
    const { guard } = setup({ maxFailures: 1 });
    guard.failed("a");
    guard.failed("b");
    expect(guard.bans().map((b) => b.address)).toEqual(["a", "b"]);
    expect(guard.clear("a")).toBe(1);
    expect(guard.check("a").ok).toBe(true);
    expect(guard.check("b").ok).toBe(false);
    expect(guard.clear()).toBe(1);
    expect(guard.bans()).toEqual([]);
  });

  test("bans set from another process replace the table", () => {
    const { guard, now } = setup();
    guard.setBans([{ address: "z", until: now() + 5000, level: 0, failures: 10, since: now() }]);
    expect(guard.check("z")).toMatchObject({ ok: false, retryAfterSec: 5 });
    guard.setBans([]);
    expect(guard.check("z").ok).toBe(true);
  });

  test("memory stays bounded when failures come from very many addresses", () => {
    let clock = 0;
    const guard = createGuard({ maxFailures: 10, windowMs: MIN, maxBanMs: MIN, now: () => clock, maxEntries: 100 });
    for (let i = 0; i < 10_000; i++) guard.failed(`10.0.${i >> 8}.${i & 255}`);
    clock += 1;
    // the newest addresses are still tracked
    for (let i = 0; i < 9; i++) guard.failed("10.0.39.15");
    expect(guard.check("10.0.39.15").ok).toBe(false);
  });
});

describe("per-user slow-down", () => {
  test("an address that never failed is not delayed even while the user is under attack", () => {
    const { guard } = setup();
    for (let i = 0; i < 50; i++) guard.failed(`10.1.0.${i}`, "admin");
    expect(guard.userDelay("admin", "127.0.0.1")).toEqual({ waitMs: 0 });
  });

  test("addresses that failed get growing spacing for that user, across addresses", () => {
    const { guard } = setup();
    for (let i = 0; i < 5; i++) guard.failed(`10.1.0.${i}`, "admin");
    const waits = [0, 1, 2, 3].map((i) => {
      const d = guard.userDelay("admin", `10.1.0.${i}`);
      return "waitMs" in d ? d.waitMs : -1;
    });
    // 5 failures: step 250 * 2^2 = 1 s between consecutive checks
    expect(waits).toEqual([0, 1000, 2000, 3000]);
    expect(guard.userDelay("bob", "10.1.0.1")).toEqual({ waitMs: 0 });
  });

  test("an address that would wait too long is told to retry later instead of queueing", () => {
    const { guard } = setup({ maxFailures: 1000 });
    for (let i = 0; i < 20; i++) guard.failed("10.9.9.9", "admin");
    let refused = false;
    for (let i = 0; i < 10 && !refused; i++) refused = "refuse" in guard.userDelay("admin", "10.9.9.9");
    expect(refused).toBe(true);
  });
});

describe("checks in flight", () => {
  test("parallel password checks from one address count against its limit until they end", () => {
    const { guard } = setup({ maxFailures: 3 });
    const a = guard.begin("p");
    const b = guard.begin("p");
    guard.failed("p");
    expect(guard.check("p")).toMatchObject({ ok: false, retryAfterSec: 1 });
    a();
    b();
    b(); // releasing twice is harmless
    expect(guard.check("p").ok).toBe(true);
    expect(guard.check("q").ok).toBe(true);
  });
});

describe("refusals, address groups and the allow-list", () => {
  test("refusals that guessed nothing ban an address past maxRefusals", () => {
    const banned: Ban[] = [];
    const guard = createGuard({
      maxFailures: 10,
      maxRefusals: 5,
      windowMs: MIN,
      maxBanMs: MIN,
      onBan: (b) => banned.push(b),
    });
    for (let i = 0; i < 4; i++) guard.refused("10.0.0.5");
    expect(guard.check("10.0.0.5").ok).toBe(true);
    guard.refused("10.0.0.5");
    expect(guard.check("10.0.0.5").ok).toBe(false);
    expect(banned).toHaveLength(1);
  });

  test("maxRefusals 0 counts nothing", () => {
    const guard = createGuard({ maxFailures: 1, maxRefusals: 0, windowMs: MIN, maxBanMs: MIN });
    for (let i = 0; i < 100; i++) guard.refused("10.0.0.5");
    expect(guard.check("10.0.0.5").ok).toBe(true);
  });

  test("IPv6 addresses of one /64 share one state; another /64 is free", () => {
    const guard = createGuard({ maxFailures: 3, windowMs: MIN, maxBanMs: MIN });
    guard.failed("2001:db8:1:2::1");
    guard.failed("2001:db8:1:2:aaaa::9");
    guard.failed("2001:db8:1:2:ffff:ffff:ffff:ffff");
    expect(guard.check("2001:db8:1:2::77").ok).toBe(false);
    expect(guard.check("2001:db8:1:3::1").ok).toBe(true);
    expect(guard.bans().map((b) => b.address)).toEqual(["2001:db8:1:2::/64"]);
    expect(guard.clear("2001:db8:1:2::5")).toBe(1);
  });

  test("allow-listed addresses are never counted or banned", () => {
    const guard = createGuard({
      maxFailures: 1,
      maxRefusals: 1,
      windowMs: MIN,
      maxBanMs: MIN,
      allow: { has: (a) => a.startsWith("10.") },
    });
    guard.failed("10.1.1.1", "alice");
    guard.refused("10.1.1.1");
    expect(guard.check("10.1.1.1").ok).toBe(true);
    guard.failed("192.0.2.1");
    expect(guard.check("192.0.2.1").ok).toBe(false);
  });

  test("an unknown user name gets the same per-name state and delays as a known one", () => {
    const { guard } = setup({ maxFailures: 1000 });
    const delays = (name: string) => {
      for (let i = 0; i < 6; i++) guard.failed("192.0.2.9", name);
      return guard.userDelay(name, "192.0.2.9");
    };
    expect(delays("mallory")).toEqual(delays("alice"));
  });
});
