import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_DOMAIN_ID } from "../lib/domain-id.ts";
import { openRegistryDb } from "./db.ts";
import { openDomains } from "./domains.ts";
import { openGroups } from "./groups.ts";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const open = () => {
  const dir = mkdtempSync(join(tmpdir(), "neo-groups-"));
  dirs.push(dir);
  // a channel ch1 and a client dev1 of the default domain, a channel far1 of another
  const db = openRegistryDb(dir);
  db.exec(`INSERT INTO channels (id, table_name, created_at) VALUES ('ch1', 'CH1', 0);
    INSERT INTO channels (id, table_name, created_at, domain_id) VALUES ('far1', 'FAR1', 0, 'elsewhere');
    INSERT INTO clients (id, token_hash, cert_fingerprint, cert_serial) VALUES ('dev1', x'00', 'fp', '01');`);
  db.close();
  last = dir;
  return openGroups(dir);
};
let last = "";
const D = DEFAULT_DOMAIN_ID;

describe("groups", () => {
  test("create, update, status and parent; a group never contains itself and never crosses domains", () => {
    const g = open();
    const top = g.create({ name: "plant", tags: ["a"], metadata: { site: "n" }, domainId: D }, "user:alice");
    const line = g.create({ name: "line 1", domainId: D, parentId: top.id }, "user:alice");
    expect(line.parentId).toBe(top.id);
    expect(g.update(line.id, { description: "first line" }, "user:bob").description).toBe("first line");
    expect(() => g.setParent(top.id, line.id, "x")).toThrow("no group may contain itself");
    expect(() => g.setParent(top.id, top.id, "x")).toThrow("its own parent");
    const other = g.create({ name: "elsewhere", domainId: "11111111-1111-4111-8111-111111111111" }, "x");
    expect(() => g.setParent(other.id, top.id, "x")).toThrow("not found");
    expect(() => g.create({ name: "", domainId: D }, "x")).toThrow("missing name");
    expect(g.setStatus(line.id, "disabled", "x").status).toBe("disabled");
    expect(g.list(D).map((x) => x.name)).toEqual(["plant", "line 1"]);
    g.close();
  });

  test("facts: the enabled groups above a member, nearest first; deleting a group releases its members", () => {
    const g = open();
    const top = g.create({ name: "plant", domainId: D }, "x");
    const line = g.create({ name: "line", domainId: D, parentId: top.id }, "x");
    g.assign("channel", "ch1", line.id);
    g.assign("client", "dev1", top.id);
    expect(g.facts("channel", "ch1").groups).toEqual([line.id, top.id]);
    expect(g.facts("client", "dev1").groups).toEqual([top.id]);
    expect(g.facts("group", line.id).groups).toEqual([top.id]);
    expect(g.facts("channel", "nowhere")).toEqual({ groups: [], disabled: false });
    expect(() => g.assign("channel", "ch1", top.id)).toThrow("already in group");
    expect(() => g.assign("channel", "far1", top.id)).toThrow("not found in the group's domain");
    expect(() => g.assign("channel", "nowhere", top.id)).toThrow("not found");
    g.assign("channel", "ch1", line.id); // the same group again: nothing to do
    g.setStatus(line.id, "disabled", "x");
    expect(g.facts("channel", "ch1").groups).toEqual([top.id]);
    expect(g.members(line.id)).toEqual([{ kind: "channel", id: "ch1" }]);
    g.delete(top.id);
    expect(g.get(line.id)?.parentId).toBeNull();
    expect(g.groupOf("client", "dev1")).toBeNull();
    expect(g.unassign("channel", "ch1")).toBe(true);
    expect(g.unassign("channel", "ch1")).toBe(false);
    g.close();
  });

  test("deleting a domain deletes its groups and their memberships", () => {
    const g = open();
    const domains = openDomains(last);
    const d = domains.create({ name: "gone", route: "gone" }, "x");
    const doomed = g.create({ name: "doomed", domainId: d.id }, "x");
    const kept = g.create({ name: "kept", domainId: D }, "x");
    g.assign("client", "dev1", kept.id);
    domains.delete(d.id);
    expect(g.get(doomed.id)).toBeNull();
    expect(g.groupOf("client", "dev1")).toBe(kept.id);
    domains.close();
    g.close();
  });
});
