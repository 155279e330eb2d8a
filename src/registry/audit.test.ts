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
