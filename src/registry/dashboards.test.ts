import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Database } from "bun:sqlite";
import { openDashboards, shownTo } from "./dashboards.ts";
import { openDomains } from "./domains.ts";
import { openUsers } from "./users.ts";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
/** a registry.db with the users alice and bob (owners and shares name users that exist) */
const open = async () => {
  const dir = mkdtempSync(join(tmpdir(), "neo-dashboards-"));
  dirs.push(dir);
  const users = openUsers(dir);
  for (const n of ["alice", "bob"]) await users.add(n, `${n}-password-1`);
  users.close();
  return { dir, db: openDashboards(dir) };
};

describe("dashboards store", () => {
  test("create, get, update keep panels and range as given; the owner is who made it", async () => {
    const { db } = await open();
    const d = db.create(
      { domainId: "dom", name: "A", owner: "user:alice", panels: [{ title: "p" }], refresh: "5s" },
      "alice",
    );
    expect(d).toMatchObject({
      domainId: "dom",
      owner: "user:alice",
      createdBy: "alice",
      refresh: "5s",
      timeRange: { last: "1h" },
    });
    expect(d.updatedAt).toBe(d.createdAt);
    const u = db.update(d.id, { name: "B", timeRange: { from: 1, to: 2 } }, "bob");
    expect(u).toMatchObject({ name: "B", panels: [{ title: "p" }], timeRange: { from: 1, to: 2 }, updatedBy: "bob" });
    expect(u.updatedAt).toBeGreaterThan(u.createdAt);
    db.delete(d.id);
    expect(db.get(d.id)).toBeNull();
    expect(() => db.delete(d.id)).toThrow("not found");
    db.close();
  });

  test("a dashboard is listed for its owner and whom it is shared with, per domain; a key never passes for a user", async () => {
    const { db } = await open();
    const alice = { id: "user:alice", user: "alice" };
    const bob = { id: "user:bob", user: "bob" };
    const keyBob = { id: "bob" };
    const a = db.create({ domainId: "dom", name: "A", owner: alice.id }, "alice");
    db.create({ domainId: "other", name: "O", owner: alice.id }, "alice");
    expect(db.list("dom", alice).total).toBe(1);
    expect(db.list("dom", bob).total).toBe(0);
    const s = db.share(a.id, { users: ["bob"] }, true, "alice");
    expect(s.share).toEqual({ members: false, users: ["bob"] });
    expect(shownTo(s, bob)).toBe(true);
    expect(shownTo(s, keyBob)).toBe(false);
    expect(db.list("dom", bob).dashboards.map((d) => d.name)).toEqual(["A"]);
    expect(db.list("dom", keyBob).total).toBe(0);
    expect(shownTo(db.share(a.id, { users: ["bob"] }, false, "alice"), bob)).toBe(false);
    const m = db.share(a.id, { members: true }, true, "alice");
    expect(shownTo(m, { id: "user:carol", user: "carol" })).toBe(true);
    expect(db.list("dom", keyBob).total).toBe(1);
    expect(db.share(a.id, { members: true }, false, "alice").share.members).toBe(false);
    // only users that exist when the share is written; taking a name back always works
    expect(() => db.share(a.id, { users: ["carol"] }, true, "alice")).toThrow("there is no user");
    expect(() => db.create({ domainId: "dom", name: "C", owner: "user:carol" }, "carol")).toThrow("there is no user");
    expect(db.share(a.id, { users: ["carol"] }, false, "alice").share.users).toEqual([]);
    db.close();
  });

  test("the table survives a reopen (registry.db migration)", async () => {
    const { dir, db } = await open();
    const a = db.create({ domainId: "dom", name: "kept", owner: "user:alice" }, "alice");
    db.close();
    const again = openDashboards(dir);
    expect(again.get(a.id)?.name).toBe("kept");
    again.close();
  });

  test("migration 2: owners stored by name before become user principal ids (a key's id stays)", async () => {
    const { dir, db } = await open();
    const a = db.create({ domainId: "dom", name: "old", owner: "alice" }, "alice");
    db.close();
    const raw = new Database(join(dir, "registry.db"));
    raw.run("DELETE FROM _neo_migrations WHERE scope = 'dashboards' AND id = 2");
    raw.close();
    const again = openDashboards(dir);
    expect(again.get(a.id)?.owner).toBe("user:alice");
    again.close();
  });

  test("a deleted domain's dashboards go with it", async () => {
    const { dir, db } = await open();
    const domains = openDomains(dir);
    const north = domains.create({ name: "N", route: "north" }, "test");
    const a = db.create({ domainId: north.id, name: "N", owner: "user:alice" }, "alice");
    domains.delete(north.id);
    expect(db.get(a.id)).toBeNull();
    domains.close();
    db.close();
  });
});
