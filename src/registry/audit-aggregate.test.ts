import { describe, expect, test } from "bun:test";
import {
  authorizationRefusals,
  createAuditAggregator,
  refusedAuthentications,
  successfulAuthentications,
} from "./audit-aggregate.ts";
import type { AuditEvent } from "./audit-types.ts";

const deny = (client: string, action = "topics:publish", target = "secret/x"): AuditEvent => ({
  kind: "deny",
  action,
  result: "fail",
  listener: "mqtt",
  client,
  target,
  reason: `not allowed to publish to ${target}`,
});

describe("authorization refusals in the audit trail", () => {
  test("per principal, operation and minute: the first few in full, then one count row", () => {
    const a = createAuditAggregator([authorizationRefusals], 3);
    const t = Date.UTC(2026, 11, 7, 15, 0, 5);
    const kept = [...Array(1000)].map(() => a.admit(deny("lim"), t)).filter(Boolean).length;
    expect(kept).toBe(3);
    // another operation, another key: their own groups
    expect(a.admit(deny("lim", "topics:subscribe", "secret/#"), t)).toBe(true);
    expect(a.admit(deny("other"), t)).toBe(true);
    expect(a.drain(t)).toEqual([]); // the minute is not over
    const rows = a.drain(t + 60_000);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ kind: "deny", action: "topics:publish", result: "fail", client: "lim" });
    expect(JSON.parse(rows[0]!.detail!).count).toBe(997);
  });
});

describe("refused authentications in the audit trail", () => {
  const refused = (address: string): AuditEvent => ({ kind: "auth", action: "connect", result: "fail", address });
  test("IPv6 addresses count per Guard.IPv6Prefix, like the guard: /64 by default, /48 when configured", () => {
    const t = Date.UTC(2026, 11, 7, 15, 0, 5);
    const hosts = ["2001:db8:1:1::1", "2001:db8:1:1::2", "2001:db8:1:2::1", "2001:db8:1:3::1"];
    const by64 = createAuditAggregator([refusedAuthentications()], 1);
    expect(hosts.map((h) => by64.admit(refused(h), t))).toEqual([true, false, true, true]);
    const by48 = createAuditAggregator([refusedAuthentications(48)], 1);
    expect(hosts.map((h) => by48.admit(refused(h), t))).toEqual([true, false, false, false]);
  });
});

describe("successful authentications in the audit trail", () => {
  const ok = (client: string, address = "10.0.0.5", target = "GET /db/query"): AuditEvent => ({
    kind: "auth",
    action: "request",
    result: "ok",
    method: "token",
    listener: "http",
    address,
    client,
    target,
  });
  test("a key polling an API: ten rows a minute per address and target, then one count row keeping them", () => {
    // its own ten, whatever the aggregator's number for refusals (Audit.RefusalsInFull = 0 here)
    const a = createAuditAggregator([refusedAuthentications(), successfulAuthentications], 0);
    const t = Date.UTC(2026, 11, 7, 15, 0, 5);
    expect([...Array(600)].map(() => a.admit(ok("poller"), t)).filter(Boolean)).toHaveLength(10);
    // the same key from a new address, another path, another key: recorded
    expect(a.admit(ok("poller", "203.0.113.9"), t)).toBe(true);
    expect(a.admit(ok("poller", "10.0.0.5", "GET /db/tables"), t)).toBe(true);
    expect(a.admit(ok("other"), t)).toBe(true);
    // a refusal is still its own rule
    expect(a.admit({ kind: "auth", action: "request", result: "fail", address: "10.0.0.5" }, t)).toBe(false);
    const rows = a.drain(t + 60_000).filter((r) => r.result === "ok");
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      kind: "auth",
      result: "ok",
      client: "poller",
      address: "10.0.0.5",
      listener: "http",
      method: "token",
      target: "GET /db/query",
    });
    expect(JSON.parse(rows[0]!.detail!).count).toBe(590);
  });
});

describe("groups beyond the minute's cap", () => {
  test("past 10,000 groups, new ones share one group ('other groups'), known ones keep their own", () => {
    const a = createAuditAggregator([successfulAuthentications], 10);
    const t = Date.UTC(2026, 11, 7, 15, 0, 5);
    const ok = (target: string): AuditEvent => ({ kind: "auth", action: "connect", result: "ok", client: "k", target });
    for (let i = 0; i < 10_000; i++) expect(a.admit(ok(`c${i}`), t)).toBe(true);
    // ten in full for the shared group, then counted
    const rest = [...Array(30)].map((_, i) => a.admit(ok(`n${i}`), t));
    expect(rest.filter(Boolean)).toHaveLength(10);
    expect(a.admit(ok("c5"), t)).toBe(true); // a known group: its second event, in full
    const rows = a.drain(t + 60_000);
    expect(rows).toHaveLength(1);
    expect(JSON.parse(rows[0]!.detail!).count).toBe(20);
  });
  test("a rule recording none in full counts from the first event, within the cap", () => {
    const a = createAuditAggregator([refusedAuthentications()], 0);
    const t = Date.UTC(2026, 11, 7, 15, 0, 5);
    for (let i = 0; i < 12_000; i++)
      expect(
        a.admit({ kind: "auth", action: "connect", result: "fail", address: `10.0.${i >> 8}.${i & 255}` }, t),
      ).toBe(false);
    const rows = a.drain(t + 60_000);
    expect(rows).toHaveLength(10_001); // 10,000 groups and "other groups" for the rest
    expect(rows.reduce((n, r) => n + JSON.parse(r.detail!).count, 0)).toBe(12_000);
  });
});

describe("two groups on one number", () => {
  test("an event is never counted in another group's row: it is recorded in full", () => {
    const a = createAuditAggregator([authorizationRefusals], 2, () => 7); // every group meets
    const t = Date.UTC(2026, 11, 7, 15, 0, 5);
    const first = [...Array(5)].map(() => a.admit(deny("one"), t));
    expect(first).toEqual([true, true, false, false, false]); // two in full, then counted
    // "two" shares the number: its events are not hidden in "one"'s count
    expect([...Array(3)].map(() => a.admit(deny("two"), t))).toEqual([true, true, true]);
    const rows = a.drain(t + 60_000);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ client: "one" });
    expect(JSON.parse(rows[0]!.detail!).count).toBe(3);
  });
});

describe("a row handed in again (frozen: the HTTP runner's row of a key polling one route)", () => {
  const row = Object.freeze<AuditEvent>({
    kind: "auth",
    action: "request",
    result: "ok",
    method: "token",
    listener: "http",
    address: "10.0.0.5",
    client: "poller",
    target: "GET /db/query",
  });
  test("counts as equal rows made each time: ten in full a minute, the rest in the minute's count row", () => {
    const a = createAuditAggregator([refusedAuthentications(), successfulAuthentications], 3);
    const t = Date.UTC(2026, 11, 7, 15, 0, 5);
    // the same object, and an equal one made afresh: one group
    const kept = [...Array(300)].map((_, i) => a.admit(i % 3 === 0 ? { ...row } : row, t));
    expect(kept.filter(Boolean)).toHaveLength(10);
    // the next minute: its own ten in full, and the first minute's count row
    expect([...Array(20)].map(() => a.admit(row, t + 60_000)).filter(Boolean)).toHaveLength(10);
    const rows = a.drain(t + 60_000);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ client: "poller", target: "GET /db/query", address: "10.0.0.5" });
    expect(JSON.parse(rows[0]!.detail!).count).toBe(290);
    expect(JSON.parse(a.drain(t + 120_000)[0]!.detail!).count).toBe(10);
  });
});
