import { expect, test } from "bun:test";
import type { AuditEvent, AuditLog } from "../registry/index.ts";
import { auditOpenedLater } from "./audit.ts";

function fakeTrail() {
  const recorded: AuditEvent[] = [];
  let closes = 0;
  const trail: AuditLog = {
    record: (e) => void recorded.push(e),
    flush() {},
    query: () => recorded.map((e, i) => ({ ...e, id: i + 1, at: e.at ?? 0 })),
    dropped: () => 0,
    close: () => void closes++,
  };
  return { trail, recorded, closes: () => closes };
}

const ev = (target: string, at?: number): AuditEvent => ({
  kind: "auth",
  action: "connect",
  result: "ok",
  target,
  ...(at !== undefined ? { at } : {}),
});

test("events wait in memory, stamped, until open(); then in order, and straight through after", () => {
  const f = fakeTrail();
  let opens = 0;
  const a = auditOpenedLater(() => {
    opens++;
    return f.trail;
  });
  const before = Date.now();
  a.record(ev("one"));
  a.record(ev("two", 5));
  expect(opens).toBe(0);
  a.open();
  a.open();
  expect(opens).toBe(1);
  expect(f.recorded.map((e) => e.target)).toEqual(["one", "two"]);
  expect(f.recorded[0]?.at).toBeGreaterThanOrEqual(before);
  expect(f.recorded[1]?.at).toBe(5);
  a.record(ev("three"));
  expect(f.recorded.map((e) => e.target)).toEqual(["one", "two", "three"]);
  a.close();
  expect(f.closes()).toBe(1);
});

test("query() opens first; close() opens only when events wait; a failed open throws and is tried again", () => {
  const f = fakeTrail();
  const q = auditOpenedLater(() => f.trail);
  q.record(ev("x"));
  expect(q.query().map((e) => e.target)).toEqual(["x"]);

  let opens = 0;
  const idle = auditOpenedLater(() => {
    opens++;
    return fakeTrail().trail;
  });
  idle.close();
  expect(opens).toBe(0);

  const g = fakeTrail();
  let fail = true;
  const flaky = auditOpenedLater(() => {
    if (fail) throw new Error("disk gone");
    return g.trail;
  });
  flaky.record(ev("kept"));
  expect(() => flaky.open()).toThrow("disk gone");
  fail = false;
  flaky.close();
  expect(g.recorded.map((e) => e.target)).toEqual(["kept"]);
  expect(g.closes()).toBe(1);
});
