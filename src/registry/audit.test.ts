import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openAuditLog } from "./audit.ts";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const fresh = () => {
  const d = mkdtempSync(join(tmpdir(), "neo-audit-"));
  dirs.push(d);
  return d;
};

describe("audit log", () => {
  test("events are queued, committed in a batch and read back newest first with filters", () => {
    const dir = fresh();
    let clock = 1_000;
    const log = openAuditLog(dir, { maxEvents: 1000, now: () => clock });
    log.record({
      kind: "auth",
      action: "connect",
      result: "ok",
      method: "token",
      listener: "mqtt",
      address: "127.0.0.1",
      client: "dev1",
    });
    clock = 2_000;
    log.record({
      kind: "auth",
      action: "login",
      result: "fail",
      method: "password",
      listener: "http",
      address: "127.0.0.2",
      user: "admin",
      reason: "invalid password",
    });
    clock = 3_000;
    log.record({ kind: "change", action: "key.delete", result: "ok", user: "admin", target: "dev1", listener: "cli" });
    // nothing on disk until a flush: a second connection sees no rows
    const other = openAuditLog(dir, { maxEvents: 1000 });
    expect(other.query()).toEqual([]);
    const all = log.query();
    expect(all.map((e) => e.action)).toEqual(["key.delete", "login", "connect"]);
    expect(all[2]).toEqual({
      id: 1,
      at: 1000,
      kind: "auth",
      action: "connect",
      result: "ok",
      method: "token",
      listener: "mqtt",
      address: "127.0.0.1",
      client: "dev1",
    });
    expect(log.query({ result: "fail" }).map((e) => e.id)).toEqual([2]);
    expect(log.query({ user: "admin" }).map((e) => e.id)).toEqual([3, 2]);
    expect(log.query({ client: "dev1", since: 1_500 })).toEqual([]);
    expect(other.query({ limit: 1 }).map((e) => e.id)).toEqual([3]);
    other.close();
    log.close();
    expect(statSync(join(dir, "audit.db")).mode & 0o777).toBe(0o600);
  });

  test("the table keeps only the newest maxEvents rows", () => {
    const log = openAuditLog(fresh(), { maxEvents: 1000 });
    for (let i = 0; i < 2500; i++) log.record({ kind: "auth", action: "connect", result: "ok", target: String(i) });
    log.flush();
    const rows = log.query({ limit: 5000 });
    expect(rows).toHaveLength(1000);
    expect(rows[0]!.target).toBe("2499");
    expect(rows.at(-1)!.target).toBe("1500");
    log.close();
  });

  test("recording after close is ignored, and close commits what was queued", () => {
    const dir = fresh();
    const log = openAuditLog(dir, { maxEvents: 1000 });
    log.record({ kind: "ban", action: "ban", result: "fail", address: "10.0.0.1" });
    log.close();
    log.record({ kind: "ban", action: "ban", result: "fail", address: "10.0.0.2" });
    const again = openAuditLog(dir, { maxEvents: 1000 });
    expect(again.query().map((e) => e.address)).toEqual(["10.0.0.1"]);
    again.close();
  });
});

describe("audit that cannot be flushed", () => {
  test("refused authentications are recorded in full up to inFull per address and minute, then as one count row", () => {
    let clock = 10 * 60_000;
    const log = openAuditLog(fresh(), { maxEvents: 1000, inFull: 3, now: () => clock });
    for (let i = 0; i < 500; i++)
      log.record({ kind: "auth", action: "connect", result: "fail", address: "10.0.0.9", target: `c${i}` });
    // IPv6: one /64 is one source, whatever its last 64 bits say
    for (let i = 0; i < 50; i++)
      log.record({ kind: "auth", action: "connect", result: "fail", address: `2001:db8::${i.toString(16)}` });
    log.record({ kind: "auth", action: "connect", result: "ok", address: "10.0.0.9", client: "dev1" });
    expect(log.query({ limit: 5000 })).toHaveLength(3 + 3 + 1);
    clock += 60_000; // the minute ended: the next flush writes the counts
    log.flush();
    const counts = log.query({ limit: 5000 }).filter((e) => e.action === "refused");
    expect(counts.map((e) => [e.address, JSON.parse(e.detail ?? "{}").count]).sort()).toEqual([
      ["10.0.0.9", 497],
      ["2001:db8::/64", 47],
    ]);
    log.close();
  });

  test("changes and bans are never deleted to make room for authentication events", () => {
    const log = openAuditLog(fresh(), { maxEvents: 1000 });
    log.record({ kind: "change", action: "key.create", result: "ok", target: "dev1" });
    log.record({ kind: "ban", action: "ban", result: "fail", address: "10.0.0.1" });
    for (let i = 0; i < 5000; i++) log.record({ kind: "auth", action: "connect", result: "ok", target: String(i) });
    log.flush();
    const all = log.query({ limit: 100_000 });
    expect(all.filter((e) => e.kind === "auth").length).toBeLessThanOrEqual(1010);
    expect(all.filter((e) => e.kind !== "auth").map((e) => e.action)).toEqual(["ban", "key.create"]);
    log.close();
  });

  test("changes older than keepChangesMs go, newer ones stay", () => {
    let clock = 1_000_000_000;
    const log = openAuditLog(fresh(), { maxEvents: 1000, keepChangesMs: 3_600_000, now: () => clock });
    log.record({ kind: "change", action: "key.create", result: "ok", target: "old" });
    log.flush();
    clock += 2 * 3_600_000;
    log.record({ kind: "change", action: "key.create", result: "ok", target: "new" });
    log.flush();
    expect(log.query().map((e) => e.target)).toEqual(["new"]);
    log.close();
  });
});

test("authorization refusals (deny) are capped with authentication events; changes are not", () => {
  const log = openAuditLog(fresh(), { maxEvents: 1000, inFull: 1_000_000, aggregate: [] });
  log.record({ kind: "change", action: "key.create", result: "ok", target: "dev1" });
  for (let i = 0; i < 3000; i++)
    log.record({ kind: i % 2 ? "deny" : "auth", action: "x", result: "fail", target: String(i) });
  log.flush();
  const all = log.query({ limit: 100_000 });
  expect(all.filter((e) => e.kind !== "change").length).toBeLessThanOrEqual(1010);
  expect(all.some((e) => e.action === "key.create")).toBe(true);
  log.close();
});

describe("the flush timer", () => {
  test("runs while something waits: a recorded event and a counted minute's row reach the file without flush()", async () => {
    const { Database } = await import("bun:sqlite");
    const dir = fresh();
    let clock = 60_000 * 1000 + 59_900; // 100 ms before a minute ends
    const log = openAuditLog(dir, { maxEvents: 1000, flushMs: 20, now: () => clock, inFull: 1 });
    const reader = new Database(join(dir, "audit.db"), { readonly: true });
    const rows = () =>
      (reader.query("SELECT action, detail FROM audit ORDER BY id").all() as { action: string }[]).length;
    const refused = () =>
      log.record({
        kind: "auth",
        action: "connect",
        result: "fail",
        method: "token",
        address: "10.0.0.1",
        reason: "x",
      });
    refused(); // in full
    refused(); // counted in its minute
    const until = async (n: number) => {
      for (let i = 0; i < 500 && rows() < n; i++) await new Promise((r) => setTimeout(r, 5));
    };
    await until(1);
    expect(rows()).toBe(1);
    clock += 60_000; // the minute ended: its count row is written by the timer
    await until(2);
    expect(rows()).toBe(2);
    reader.close();
    log.close();
  });
});

test("rows recorded while the timer waits for a minute's end are flushed within flushMs", async () => {
  const { Database } = await import("bun:sqlite");
  const dir = fresh();
  const clock = 60_000 * 2000; // a minute just began: its count row is ~60 s away
  const log = openAuditLog(dir, { maxEvents: 1000, flushMs: 20, now: () => clock, inFull: 1 });
  const reader = new Database(join(dir, "audit.db"), { readonly: true });
  const rows = () => (reader.query("SELECT id FROM audit").all() as unknown[]).length;
  const until = async (n: number) => {
    for (let i = 0; i < 500 && rows() < n; i++) await new Promise((r) => setTimeout(r, 5));
  };
  const refused = (address: string) =>
    log.record({ kind: "auth", action: "connect", result: "fail", method: "token", address, reason: "x" });
  refused("10.0.0.1"); // in full
  refused("10.0.0.1"); // counted: the timer then waits for the minute's end
  await until(1);
  refused("10.0.0.2"); // another address: in full, and not left waiting a minute
  await until(2);
  expect(rows()).toBe(2);
  reader.close();
  log.close();
});
