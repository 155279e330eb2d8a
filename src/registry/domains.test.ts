import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_DOMAIN_ID } from "../lib/domain-id.ts";
import { openRegistryDb } from "./db.ts";
import { openDomains } from "./domains.ts";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const open = () => {
  const dir = mkdtempSync(join(tmpdir(), "neo-domains-"));
  dirs.push(dir);
  return openDomains(dir);
};

describe("domains", () => {
  test("the default domain exists from the start and cannot be deleted", () => {
    const d = open();
    expect(d.resolve("default")?.id).toBe(DEFAULT_DOMAIN_ID);
    expect(() => d.delete(DEFAULT_DOMAIN_ID)).toThrow("cannot be deleted");
    d.close();
  });

  test("ids and routes are one namespace: no route is another domain's id, no id another's route (any case)", () => {
    const d = open();
    const a = d.create({ name: "A", route: "plant-a" }, "x");
    for (const route of [a.id, a.id.toUpperCase()])
      expect(() => d.create({ name: "E", route }, "x")).toThrow("already exists");
    const u = "11111111-2222-4333-8444-555555555555";
    const b = d.create({ name: "B", route: u.toUpperCase() }, "x");
    expect(b.route).toBe(u); // a UUID route is kept lower case
    expect(() => d.create({ name: "E", route: "e", id: u }, "x")).toThrow("already exists");
    expect(d.resolve(u)?.id).toBe(b.id);
    // a deleted domain that kept tables: its id is not given again (its tables would be the new one's)
    const gone = d.create({ name: "G", route: "gone" }, "x");
    openRegistryDb(dirs.at(-1)!).prepare("INSERT INTO domain_tables VALUES ('C_G1', ?)").run(gone.id);
    d.delete(gone.id);
    expect(() => d.create({ name: "G2", route: "g2", id: gone.id }, "x")).toThrow("already exists");
    d.close();
  });

  test("create, resolve by id or route, update, status; routes are unique and follow SuperMQ's rule", () => {
    const d = open();
    const a = d.create({ name: "A", route: "plant-a", tags: ["x"] }, "user:alice");
    expect(d.resolve("plant-a")?.id).toBe(a.id);
    expect(d.resolve(a.id.toUpperCase())?.route).toBe("plant-a");
    expect(() => d.create({ name: "B", route: "plant-a" }, "x")).toThrow("already exists");
    for (const route of ["1abc", "a b", "a--b", "x".repeat(37)])
      expect(() => d.create({ name: "B", route }, "x")).toThrow("route");
    expect(() => d.update(a.id, { route: "other" }, "x")).toThrow("cannot be changed");
    expect(d.update(a.id, { name: "AA" }, "bob")).toMatchObject({ name: "AA", tags: ["x"], updatedBy: "bob" });
    expect(d.setStatus(a.id, "frozen", "bob").status).toBe("frozen");
    expect(d.list({ status: "frozen" }).domains.map((x) => x.id)).toEqual([a.id]);
    d.delete(a.id);
    expect(d.get(a.id)).toBeNull();
    d.close();
  });
});
