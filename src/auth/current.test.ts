import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openMembership, openPats, openUserKeys, openUsers } from "../registry/index.ts";
import type { CredentialRef } from "./credential.ts";
import { authorize } from "./authorize.ts";
import { createCurrent } from "./current.ts";
import { createPeople, SESSION_TTL_MS } from "./people.ts";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test("current() of a web session follows the user's role and scopes now, never extends the session, and ends with it", async () => {
  const dir = mkdtempSync(join(tmpdir(), "neo-current-"));
  dirs.push(dir);
  let clock = Date.now();
  const users = openUsers(dir);
  const keys = openUserKeys(dir, { now: () => clock });
  const pats = openPats(dir, { now: () => clock });
  try {
    const people = createPeople({
      users,
      keys,
      accessTtlMs: () => 60_000,
      refreshTtlMs: () => 60_000,
      now: () => clock,
    });
    await users.add("root", "root-password-1", { role: "admin" }); // ops is not the last admin
    const ops = await users.add("ops", "ops-password-1", { role: "admin" });
    const token = people.startSession(ops);
    const id = people.check(token);
    if (!id.ok) throw new Error(id.text);
    const ref: CredentialRef = { kind: "session", user: "ops", key: id.key.id };
    const current = createCurrent({
      registry: { get: () => null },
      anonymousScopes: () => [],
      people: { users, keys, pats },
      now: () => clock,
    });
    const first = current(ref);
    expect(first.ok && first.principal.id).toBe("user:ops");
    expect(first.ok && first.principal.scopes.some((s) => s.text === "audit:read:*")).toBe(true);
    // demoted: the same session, the user's rights now
    users.setRole("ops", "user");
    users.setScopes("ops", ["topics:subscribe:public/#"]);
    const after = current(ref);
    expect(after.ok && after.principal.scopes.map((s) => s.text)).toEqual(["topics:subscribe:public/#"]);
    // asked again and again over most of its life: the expiry stays where it was
    const expiry = keys.get(id.key.id)?.expiresAt;
    for (let i = 0; i < 50; i++) {
      clock += (SESSION_TTL_MS - 60_000) / 50;
      expect(current(ref).ok).toBe(true);
    }
    expect(keys.get(id.key.id)?.expiresAt).toBe(expiry);
    clock += 60_000;
    const gone = current(ref);
    expect(gone.ok ? "ok" : gone.kind).toBe("expired");
  } finally {
    pats.close();
    keys.close();
    users.close();
  }
});

test("current() of a bridge reads its Scopes from the settings now: changed Scopes and a removed bridge are seen", () => {
  const blocks = new Map<string, readonly string[]>([["up", ["topics:publish:cmd/#"]]]);
  const current = createCurrent({
    registry: { get: () => null },
    anonymousScopes: () => [],
    bridgeScopes: (name) => blocks.get(name),
  });
  const ref: CredentialRef = { kind: "bridge", name: "up" };
  const allowed = (topic: string) => {
    const now = current(ref);
    return now.ok && authorize(now.principal, "topics:publish", topic).allow;
  };
  const first = current(ref);
  expect(first.ok && first.principal.id).toBe("bridge:up");
  expect(allowed("cmd/a")).toBe(true);
  expect(allowed("secret/a")).toBe(false);
  blocks.set("up", ["topics:publish:secret/#"]); // a reload changed Scopes
  expect(allowed("cmd/a")).toBe(false);
  expect(allowed("secret/a")).toBe(true);
  blocks.delete("up"); // a reload removed the bridge
  const gone = current(ref);
  expect(gone.ok ? "ok" : `${gone.kind}: ${gone.reason}`).toBe("revoked: bridge up removed");
  // without the settings' reader no bridge is current
  expect(createCurrent({ registry: { get: () => null }, anonymousScopes: () => [] })(ref).ok).toBe(false);
});

test("current() of a company CA's certificate ends when that CA's CRL lists its serial, and only that certificate", () => {
  const record = {
    id: "dev",
    certFingerprint: "f1",
    certSerial: "01",
    keyType: "ec" as const,
    notBefore: 0,
    notAfter: Number.MAX_SAFE_INTEGER,
    createdAt: 0,
    status: "active" as const,
    revokedAt: null,
    lastUsedAt: null,
    scopes: [],
    domainId: "default",
    domainStatus: "enabled" as const,
    disabled: false,
  };
  const listed = new Set<string>();
  const current = createCurrent({
    registry: { get: (id) => (id === "dev" ? record : null) },
    anonymousScopes: () => [],
    trust: () => ({ revoked: (ca, serial) => ca === "acme" && listed.has(serial) }),
  });
  const viaCa: CredentialRef = {
    kind: "client",
    id: "dev",
    form: "cert",
    generation: "f1",
    trusted: { ca: "acme", serial: "abc" },
  };
  const other: CredentialRef = { ...viaCa, trusted: { ca: "acme", serial: "def" } };
  expect(current(viaCa).ok).toBe(true);
  listed.add("abc");
  const gone = current(viaCa);
  expect(gone.ok ? "ok" : gone.kind).toBe("revoked");
  expect(gone.ok ? "" : gone.reason).toContain("revoked by its CA");
  expect(current(other).ok).toBe(true);
  expect(current({ kind: "client", id: "dev", form: "token", generation: "f1" }).ok).toBe(true);
});

test("current() of a user's key and of its PAT follows its domain membership now: a removed member loses the domain", async () => {
  const dir = mkdtempSync(join(tmpdir(), "neo-current-members-"));
  dirs.push(dir);
  const D = "11111111-1111-4111-8111-111111111111";
  const users = openUsers(dir);
  const keys = openUserKeys(dir);
  const pats = openPats(dir);
  const m = openMembership(dir);
  try {
    const rolesOf = (id: string) => m.members.rolesOf(id);
    const people = createPeople({ users, keys, accessTtlMs: () => 60_000, refreshTtlMs: () => 60_000, rolesOf });
    const bob = await users.add("bob", "bob-password-1", { scopes: [] });
    const login = people.login(bob);
    const id = people.identify(login.access_token);
    if (!id.ok) throw new Error(id.reason);
    const ref: CredentialRef = { kind: "user", user: "bob", key: id.key.id };
    const current = createCurrent({
      registry: { get: () => null },
      anonymousScopes: () => [],
      people: { users, keys, pats, rolesOf },
    });
    const may = () => {
      const c = current(ref);
      return c.ok && authorize(c.principal, "channels:list", "*", D).allow;
    };
    expect(may()).toBe(false);
    m.members.set(D, bob.id, "member", "alice");
    expect(may()).toBe(true);
    m.members.remove(D, bob.id);
    expect(may()).toBe(false);
  } finally {
    m.close();
    pats.close();
    keys.close();
    users.close();
  }
});
