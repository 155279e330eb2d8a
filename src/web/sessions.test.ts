import { describe, expect, test } from "bun:test";
import { createSessions } from "./sessions.ts";

describe("web sessions", () => {
  test("a session token names its user and expires after the idle time", () => {
    let t = 1_000;
    const s = createSessions({ ttlMs: 100, now: () => t });
    const token = s.issue("admin");
    expect(s.check(token)?.user).toBe("admin");
    t += 99;
    expect(s.check(token)?.user).toBe("admin"); // and slides the expiry
    t += 99;
    expect(s.check(token)?.user).toBe("admin");
    t += 100;
    expect(s.check(token)).toBeUndefined();
    expect(s.size()).toBe(0);
  });

  test("tokens are random, unknown tokens are refused, and revocation works per token and per user", () => {
    const s = createSessions();
    const a = s.issue("admin");
    const b = s.issue("admin");
    const c = s.issue("ops");
    expect(a).not.toBe(b);
    expect(s.check("")).toBeUndefined();
    expect(s.check(a.slice(0, -1) + (a.endsWith("A") ? "B" : "A"))).toBeUndefined();
    s.revoke(a);
    expect(s.check(a)).toBeUndefined();
    expect(s.check(b)?.user).toBe("admin");
    s.revokeUser("admin");
    expect(s.check(b)).toBeUndefined();
    expect(s.check(c)?.user).toBe("ops");
  });

  test("the number of live sessions is capped by dropping the oldest", () => {
    const s = createSessions({ maxSessions: 3 });
    const first = s.issue("u");
    for (let i = 0; i < 3; i++) s.issue("u");
    expect(s.size()).toBe(3);
    expect(s.check(first)).toBeUndefined();
  });
});
