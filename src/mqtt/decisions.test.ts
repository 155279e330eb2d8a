import { describe, expect, test } from "bun:test";
import { createLogger } from "../lib/log.ts";
import type { Connection } from "./connection.ts";
import { DecisionCache } from "./decisions.ts";
import type { BrokerHooks, ClientRef } from "./hooks.ts";
import { Session } from "./session.ts";

const counters = { droppedQos0: 0, droppedQueued: 0, expired: 0 };
const peer = { transport: "tcp" as const, remoteAddress: "127.0.0.1" };
const clientRef = (id: string): ClientRef => ({ id, identity: id, protocolVersion: 4, peer });

function setup(until?: () => number) {
  const asked = { deliver: 0, publish: 0, until: 0 };
  let allow = true;
  const hooks: BrokerHooks = {
    authenticate: () => ({ ok: true }),
    authorizeSubscribe: () => true,
    authorizePublish: () => {
      asked.publish++;
      return allow;
    },
    authorizeDeliver: () => {
      asked.deliver++;
      return allow;
    },
    ...(until
      ? {
          decisionsUntil: () => {
            asked.until++;
            return until();
          },
        }
      : {}),
  };
  const cache = new DecisionCache(createLogger("test"));
  const s = new Session("dev", { maxQueued: 10, counters, budget: null });
  const c = clientRef("dev");
  s.conn = { client: c } as unknown as Connection;
  s.owner = "dev";
  return { asked, hooks, cache, s, c, deny: () => (allow = false) };
}

describe("answers kept per session", () => {
  test("without decisionsUntil every delivery and publish asks the hooks", () => {
    const { asked, hooks, cache, s, c } = setup();
    for (let i = 0; i < 3; i++) {
      expect(cache.mayDeliver(s, "a/b", hooks)).toBe(true);
      expect(cache.mayPublish(s, c, "a/b", hooks)).toBe(true);
    }
    expect(asked).toEqual({ deliver: 3, publish: 3, until: 0 });
  });

  test("an answer is asked once per topic until the app signals a change, then asked again", () => {
    const { asked, hooks, cache, s, c, deny } = setup(() => Number.POSITIVE_INFINITY);
    for (let i = 0; i < 3; i++) {
      cache.mayDeliver(s, "a/b", hooks);
      cache.mayDeliver(s, "a/c", hooks);
      cache.mayPublish(s, c, "a/b", hooks);
    }
    expect(asked).toEqual({ deliver: 2, publish: 1, until: 1 });
    deny();
    expect(cache.mayDeliver(s, "a/b", hooks)).toBe(true); // no change signalled yet
    cache.changed();
    expect(cache.mayDeliver(s, "a/b", hooks)).toBe(false);
    expect(cache.mayPublish(s, c, "a/b", hooks)).toBe(false);
    expect(asked).toEqual({ deliver: 3, publish: 2, until: 2 });
  });

  test("a client publishing to one topic keeps no Set (and a client that only publishes no deliver Map); more topics are kept too", () => {
    const { asked, hooks, cache, s, c } = setup(() => Number.POSITIVE_INFINITY);
    for (let i = 0; i < 3; i++) expect(cache.mayPublish(s, c, `a/${"b"}`, hooks)).toBe(true); // a new string each time
    expect(asked.publish).toBe(1);
    expect([s.decisions?.published, s.decisions?.publish, s.decisions?.deliver]).toEqual(["a/b", null, null]);
    for (let i = 0; i < 3; i++) for (const t of ["a/b", "a/c", "a/d"]) cache.mayPublish(s, c, t, hooks);
    expect(asked.publish).toBe(3);
    expect([...(s.decisions?.publish ?? [])]).toEqual(["a/c", "a/d"]);
    cache.mayDeliver(s, "x", hooks);
    cache.mayDeliver(s, "x", hooks);
    expect([asked.deliver, s.decisions?.deliver?.get("x")]).toEqual([1, true]);
  });

  test("a refused publish is asked every time (the app audits each refusal); a refused delivery is kept", () => {
    const { asked, hooks, cache, s, c, deny } = setup(() => Number.POSITIVE_INFINITY);
    deny();
    for (let i = 0; i < 3; i++) {
      expect(cache.mayPublish(s, c, "x", hooks)).toBe(false);
      expect(cache.mayDeliver(s, "x", hooks)).toBe(false);
    }
    expect(asked.publish).toBe(3);
    expect(asked.deliver).toBe(1);
  });

  test("past the time the app named (a credential's expiry) nothing kept is used", () => {
    const { asked, hooks, cache, s, c } = setup(() => 1);
    for (let i = 0; i < 3; i++) {
      cache.mayDeliver(s, "a/b", hooks);
      cache.mayPublish(s, c, "a/b", hooks);
    }
    expect(asked.deliver).toBe(3);
    expect(asked.publish).toBe(3);
    const later = setup(() => Date.now() + 60_000);
    for (let i = 0; i < 3; i++) later.cache.mayDeliver(later.s, "a/b", later.hooks);
    expect(later.asked.deliver).toBe(1);
  });

  test("answers past their time are dropped; a later time from the app (a renewed credential) keeps them again", () => {
    let until = 1; // long past
    const { asked, hooks, cache, s } = setup(() => until);
    cache.mayDeliver(s, "a/b", hooks);
    cache.mayDeliver(s, "a/b", hooks);
    expect(asked.deliver).toBe(2);
    until = Date.now() + 60_000;
    cache.mayDeliver(s, "a/b", hooks);
    cache.mayDeliver(s, "a/b", hooks);
    expect(asked.deliver).toBe(3);
  });

  test("a session that changes hands (another connection or owner) is asked again", () => {
    const { asked, hooks, cache, s } = setup(() => Number.POSITIVE_INFINITY);
    cache.mayDeliver(s, "a/b", hooks);
    s.conn = { client: clientRef("dev") } as unknown as Connection;
    cache.mayDeliver(s, "a/b", hooks);
    s.conn = null;
    s.owner = "someone-else";
    cache.mayDeliver(s, "a/b", hooks);
    cache.mayDeliver(s, "a/b", hooks);
    expect(asked.deliver).toBe(3);
  });

  test("a publish by a client that does not hold the session is never answered from the session's answers", () => {
    const { asked, hooks, cache, s, c } = setup(() => Number.POSITIVE_INFINITY);
    cache.mayPublish(s, c, "a/b", hooks);
    const other = clientRef("dev");
    cache.mayPublish(s, other, "a/b", hooks);
    cache.mayPublish(s, other, "a/b", hooks);
    expect(asked.publish).toBe(3);
  });

  test("a hook that throws refuses the delivery and nothing is kept", () => {
    const { hooks, cache, s } = setup(() => Number.POSITIVE_INFINITY);
    let calls = 0;
    hooks.authorizeDeliver = () => {
      calls++;
      throw new Error("boom");
    };
    expect(cache.mayDeliver(s, "a/b", hooks)).toBe(false);
    expect(cache.mayDeliver(s, "a/b", hooks)).toBe(false);
    expect(calls).toBe(2);
  });
});
