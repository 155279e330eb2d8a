import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseScopes } from "../lib/scopes.ts";
import { openUserKeys, openUsers } from "../registry/index.ts";
import { ADMIN_SCOPES, createPeople } from "./people.ts";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function setup() {
  const dir = mkdtempSync(join(tmpdir(), "neo-people-"));
  dirs.push(dir);
  let clock = Date.now();
  const users = openUsers(dir);
  const keys = openUserKeys(dir, { now: () => clock });
  const people = createPeople({
    users,
    keys,
    accessTtlMs: () => 3_600_000,
    refreshTtlMs: () => 86_400_000,
    now: () => clock,
  });
  const bob = await users.add("bob", "bob-password-1", { scopes: ["tables:read:*"] });
  return { users, keys, people, bob, advance: (ms: number) => (clock += ms) };
}

describe("login keys", () => {
  test("the admin scope set is valid and covers every type", () => {
    expect(() => parseScopes(ADMIN_SCOPES)).not.toThrow();
    expect(ADMIN_SCOPES).toContain("keys:delete:*");
    expect(ADMIN_SCOPES).toContain("topics:subscribe:$SYS/#");
  });

  test("an access key identifies its user with the user's scopes until it expires", async () => {
    const { people, bob, advance } = await setup();
    const k = people.login(bob);
    const who = people.identify(k.access_token);
    expect(who.ok && who.user.name).toBe("bob");
    expect(who.ok && who.principal.scopes.map((s) => s.text)).toEqual(["tables:read:*"]);
    expect(people.identify(k.refresh_token).ok).toBe(false); // a refresh key is not an access key
    advance(3_600_000);
    expect(people.identify(k.access_token)).toMatchObject({ ok: false, reason: "key expired" });
  });

  test("refresh rotates both keys; the old pair stops working", async () => {
    const { people, bob } = await setup();
    const first = people.login(bob);
    const r = people.refresh(first.refresh_token);
    if (!r.ok) throw new Error(r.reason);
    expect(r.keys.access_token).not.toBe(first.access_token);
    expect(people.identify(r.keys.access_token).ok).toBe(true);
    expect(people.identify(first.access_token).ok).toBe(false);
  });

  test("a refresh key used twice revokes the whole family, including the keys its first use issued", async () => {
    const { people, bob } = await setup();
    const first = people.login(bob);
    const other = people.login(bob); // another login: another family, untouched
    const r = people.refresh(first.refresh_token);
    if (!r.ok) throw new Error(r.reason);
    const again = people.refresh(first.refresh_token);
    expect(again).toMatchObject({
      ok: false,
      status: 401,
      reason: "refresh key used twice: every key of this login was revoked",
    });
    expect(people.identify(r.keys.access_token).ok).toBe(false);
    expect(people.refresh(r.keys.refresh_token).ok).toBe(false);
    expect(people.identify(other.access_token).ok).toBe(true);
  });

  test("a password change ends every key of that user", async () => {
    const { people, bob, users } = await setup();
    const k = people.login(bob);
    const s = people.startSession(bob);
    await users.setPassword("bob", "another-password");
    expect(people.identify(k.access_token).ok).toBe(false);
    expect(people.identify(s).ok).toBe(false);
  });

  test("a recovery key sets a new password once, within 15 minutes; a bad password does not use it up", async () => {
    const { people, bob, users, advance } = await setup();
    const rec = people.recover(bob);
    await expect(people.resetPassword(rec.token, "short")).rejects.toThrow("at least 8");
    expect((await people.resetPassword(rec.token, "brand-new-pass")).ok).toBe(true);
    expect(await users.verify("bob", "brand-new-pass")).toBe(true);
    expect((await people.resetPassword(rec.token, "third-password")).ok).toBe(false);
    const late = people.recover(users.get("bob")!);
    advance(15 * 60_000);
    expect((await people.resetPassword(late.token, "fourth-password")).ok).toBe(false);
  });
});
