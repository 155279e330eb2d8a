import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openMembership, type Membership } from "./domain-members.ts";
import { openRegistryDb } from "./db.ts";
import { openUsers } from "./users.ts";

const D = "11111111-1111-4111-8111-111111111111";
const HOUR = 3_600_000;
let dir: string;
let clock: number;
let m: Membership;
let bob: string;
const db = (table: string) => {
  const d = openRegistryDb(dir);
  try {
    return d.query<{ n: number | bigint }, []>(`SELECT count(*) AS n FROM ${table}`).get()?.n ?? 0;
  } finally {
    d.close();
  }
};

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "neo-invitations-"));
  const users = openUsers(dir);
  bob = (await users.add("bob", "bob-password-1")).id;
  users.close();
  clock = Date.UTC(2026, 0, 1);
  m = openMembership(dir, { now: () => clock });
});
afterEach(() => {
  m.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("invitations", () => {
  test("an accepted invitation makes the invitee a member with its role, once", () => {
    const inv = m.invitations.send({ domainId: D, userId: bob, role: "admin", by: "alice", ttlMs: 168 * HOUR });
    expect(inv).toMatchObject({ state: "pending", userName: "bob", role: "admin", expiresAt: clock + 168 * HOUR });
    expect(m.invitations.list({ userId: bob })).toMatchObject({ total: 1, invitations: [{ domainId: D }] });
    expect(m.invitations.list({ state: "pending" }).total).toBe(1);
    expect(m.invitations.accept(D, bob).state).toBe("accepted");
    expect(m.members.roleOf(D, bob)).toBe("admin");
    expect(m.members.rolesOf(bob)).toEqual(new Map([[D, "admin"]]));
    expect(() => m.invitations.accept(D, bob)).toThrow("already accepted");
    expect(() => m.invitations.send({ domainId: D, userId: bob, role: "member", by: "a", ttlMs: HOUR })).toThrow(
      "already a member",
    );
  });

  test("an invitation expires after its duration: it cannot be accepted, only sent again", () => {
    m.invitations.send({ domainId: D, userId: bob, role: "member", by: "alice", ttlMs: 168 * HOUR });
    clock += 168 * HOUR - 1;
    expect(m.invitations.get(D, bob)?.state).toBe("pending");
    clock += 1;
    expect(m.invitations.get(D, bob)?.state).toBe("expired");
    expect(m.invitations.list({ state: "expired" }).total).toBe(1);
    expect(m.invitations.list({ state: "pending" }).total).toBe(0);
    expect(() => m.invitations.accept(D, bob)).toThrow("already expired");
    expect(m.members.roleOf(D, bob)).toBeNull();
    // sent again: pending with a new expiry
    const again = m.invitations.send({ domainId: D, userId: bob, role: "member", by: "alice", ttlMs: HOUR });
    expect(again).toMatchObject({ state: "pending", expiresAt: clock + HOUR });
    expect(m.invitations.accept(D, bob).state).toBe("accepted");
  });

  test("a pending invitation is sent twice only with resend; a rejected one can be sent again; delete removes it", () => {
    m.invitations.send({ domainId: D, userId: bob, role: "member", by: "alice", ttlMs: HOUR });
    expect(() => m.invitations.send({ domainId: D, userId: bob, role: "member", by: "alice", ttlMs: HOUR })).toThrow(
      "pending invitation",
    );
    clock += 10;
    const renewed = m.invitations.send({
      domainId: D,
      userId: bob,
      role: "admin",
      by: "alice",
      ttlMs: HOUR,
      resend: true,
    });
    expect(renewed).toMatchObject({ role: "admin", expiresAt: clock + HOUR });
    expect(m.invitations.reject(D, bob).state).toBe("rejected");
    expect(m.members.roleOf(D, bob)).toBeNull();
    expect(m.invitations.send({ domainId: D, userId: bob, role: "member", by: "alice", ttlMs: HOUR }).state).toBe(
      "pending",
    );
    expect(m.invitations.delete(D, bob)).toBe(true);
    expect(m.invitations.delete(D, bob)).toBe(false);
    expect(() => m.invitations.accept(D, bob)).toThrow("no invitation");
  });

  test("an unknown role is refused with the roles there are", () => {
    expect(() => m.invitations.send({ domainId: D, userId: bob, role: "boss", by: "a", ttlMs: HOUR })).toThrow(
      'unknown role "boss": one of admin, member',
    );
  });
});

describe("domain members", () => {
  test("set adds or changes the one role; remove and removeAll end membership; list pages with names", () => {
    expect(m.members.set(D, bob, "member", "alice")).toMatchObject({ name: "bob", role: "member", createdBy: "alice" });
    expect(m.members.set(D, "bob", "admin", "alice").role).toBe("admin"); // by name too
    expect(m.members.list(D)).toMatchObject({ total: 1, members: [{ userId: bob, role: "admin" }] });
    expect(m.members.list(D, { role: "member" }).total).toBe(0);
    expect(m.members.remove(D, bob)).toBe(true);
    expect(m.members.remove(D, bob)).toBe(false);
    m.members.set(D, bob, "member", "alice");
    expect(m.members.removeAll(D, "admin")).toBe(0);
    expect(m.members.removeAll(D)).toBe(1);
    expect(m.members.rolesOf(bob).size).toBe(0);
    expect(() => m.members.set(D, "nobody", "member", "alice")).toThrow("no user");
  });

  test("a deleted user's memberships and invitations go with it", async () => {
    m.members.set(D, bob, "member", "alice");
    m.invitations.send({
      domainId: "22222222-2222-4222-8222-222222222222",
      userId: bob,
      role: "admin",
      by: "a",
      ttlMs: HOUR,
    });
    const users = openUsers(dir);
    users.remove("bob");
    users.close();
    const count = (t: string) => Number(db(t));
    expect(count("domain_members")).toBe(0);
    expect(count("domain_invitations")).toBe(0);
  });
});
