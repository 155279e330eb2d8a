import { afterAll, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDashboards } from "./dashboards.ts";
import { openMembership } from "./domain-members.ts";
import { openDomains } from "./domains.ts";
import { openPats } from "./pats.ts";
import { openUserKeys } from "./user-keys.ts";
import { openUsers } from "./users.ts";
import { openRegistry } from "./clients.ts";
import { setLogLevel } from "../lib/log.ts";
import { loadOrCreatePki } from "../pki/index.ts";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), "neo-user-leftovers-"));
  dirs.push(d);
  return d;
};
const count = (dir: string, sql: string, ...args: string[]) => {
  const db = new Database(join(dir, "registry.db"), { readonly: true });
  try {
    return Number(db.query<{ n: number }, string[]>(sql).get(...args)?.n ?? 0);
  } finally {
    db.close();
  }
};

describe("deleting a user", () => {
  test("drops its dashboards, its name from every share, its PATs, keys, memberships and invitations", async () => {
    const dir = tempDir();
    const users = openUsers(dir);
    await users.ensureAdmin();
    const bob = await users.add("bob", "bob-password-1");
    await users.add("carol", "carol-password-1");
    await users.add("dave", "dave-password-1");
    const dash = openDashboards(dir);
    const mine = dash.create({ domainId: "d", name: "bob's", owner: "user:bob" }, "bob");
    const shared = dash.create({ domainId: "d", name: "bob's, shared", owner: "user:bob" }, "bob");
    dash.share(shared.id, { members: true }, true, "bob");
    const carols = dash.create({ domainId: "d", name: "carol's", owner: "user:carol" }, "carol");
    dash.share(carols.id, { users: ["bob", "carol", "dave"] }, true, "carol");
    const pats = openPats(dir);
    const pat = pats.create(bob.id, { name: "p", description: "", ttlMs: null }).pat;
    pats.addScopes(pat.id, [{ entity_type: "dashboards", operation: "read", entity_id: "*" }]);
    const keys = openUserKeys(dir);
    keys.issue(bob.id, "session", 60_000, { stamp: bob.updatedAt });
    const domains = openDomains(dir);
    const other = domains.create({ name: "plant", route: "plant" }, "admin");
    const lab = domains.create({ name: "lab", route: "lab" }, "admin");
    const m = openMembership(dir);
    m.members.set(other.id, bob.id, "member", "admin");
    m.invitations.send({ domainId: lab.id, userId: bob.id, role: "admin", by: "admin", ttlMs: 60_000, resend: true });

    users.remove("bob");

    expect(dash.get(mine.id)).toBeNull();
    expect(dash.get(shared.id)).toBeNull(); // nobody inherits it, shared or not
    expect(dash.get(carols.id)?.share.users).toEqual(["carol", "dave"]);
    expect(pats.list(bob.id)).toEqual([]);
    expect(count(dir, "SELECT count(*) AS n FROM pat_scopes WHERE pat_id = ?", pat.id)).toBe(0);
    expect(count(dir, "SELECT count(*) AS n FROM user_keys WHERE user_id = ?", bob.id)).toBe(0);
    expect(m.members.roleOf(other.id, bob.id)).toBeNull();
    expect(count(dir, "SELECT count(*) AS n FROM domain_invitations WHERE user_id = ?", bob.id)).toBe(0);

    // a new bob is another person: nothing of the old one is his
    const bob2 = await users.add("bob", "bob-password-2");
    expect(bob2.id).not.toBe(bob.id);
    expect(dash.list("d", { id: "user:bob", user: "bob" }).dashboards.map((x) => x.name)).toEqual([]);
    for (const x of [dash, pats, keys, domains, m, users]) x.close();
  });

  test("the last admin is still refused, and nothing of it is dropped", async () => {
    const dir = tempDir();
    const users = openUsers(dir);
    await users.ensureAdmin();
    const dash = openDashboards(dir);
    const d = dash.create({ domainId: "d", name: "a", owner: "user:admin" }, "admin");
    expect(() => users.remove("admin")).toThrow("last admin");
    expect(dash.get(d.id)?.name).toBe("a");
    expect(() => users.remove("nobody")).toThrow("no user named");
    dash.close();
    users.close();
  });

  test("deleting a key drops the dashboards it made: a key made again with its id owns none", async () => {
    setLogLevel("error");
    const dir = tempDir();
    const reg = openRegistry(dir);
    const users = openUsers(dir);
    await users.add("sensor-1", "sensor-password-1");
    users.close();
    const dash = openDashboards(dir);
    const d = dash.create({ domainId: "d", name: "k", owner: "sensor-1" }, "sensor-1");
    const other = dash.create({ domainId: "d", name: "u", owner: "user:sensor-1" }, "x");
    const pki = await loadOrCreatePki(dir, { hosts: [] });
    await reg.create({
      id: "sensor-1",
      keyType: "ec",
      pki,
      notBefore: new Date(),
      notAfter: new Date(Date.now() + 86_400_000),
    });
    reg.delete("sensor-1");
    expect(dash.get(d.id)).toBeNull();
    expect(dash.get(other.id)?.name).toBe("u"); // a user spelled like the key is not the key
    dash.close();
    reg.close();
  });
});
