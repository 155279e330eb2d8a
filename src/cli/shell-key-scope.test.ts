import { afterAll, beforeEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repeatedOption } from "./shell-key-scope.ts";

setDefaultTimeout(30_000); // each test spawns CLI processes
const MAIN = join(import.meta.dir, "..", "main.ts");
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

let cwd: string;
beforeEach(() => {
  cwd = mkdtempSync(join(tmpdir(), "neo-cli-scope-"));
  dirs.push(cwd);
});

async function neo(...args: string[]) {
  const env = { PATH: process.env.PATH ?? "", HOME: cwd, NO_COLOR: "1", TZ: "UTC" };
  const p = Bun.spawn(["bun", MAIN, "shell", "key", ...args], { cwd, env, stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([
    new Response(p.stdout).text(),
    new Response(p.stderr).text(),
    p.exited,
  ]);
  return { stdout, stderr, code };
}

describe("neo shell key scopes", () => {
  test("gen --scope sets the scopes, repeated; scope list prints them canonically", async () => {
    expect(
      (await neo("gen", "s1", "-o", "s1", "--scope", "topics:publish:devices/%c/#", "--scope=tables:write:tag")).code,
    ).toBe(0);
    const r = await neo("scope", "list", "s1");
    expect(r.stdout).toBe("topics:publish:devices/%c/#\ntables:write:TAG\n");
    expect(JSON.parse((await neo("scope", "list", "s1", "--format", "json")).stdout)).toEqual([
      "topics:publish:devices/%c/#",
      "tables:write:TAG",
    ]);
  });

  test("gen without --scope gives Auth.DefaultScopes from the config", async () => {
    const cfg = join(cwd, "neo.conf");
    writeFileSync(cfg, 'Auth { DefaultScopes = ["clients:connect:%c", "topics:publish:devices/%c/#"] }\n');
    expect((await neo("gen", "s1", "-o", "s1", "--config", cfg)).code).toBe(0);
    expect((await neo("scope", "list", "s1", "--config", cfg)).stdout).toBe(
      "clients:connect:%c\ntopics:publish:devices/%c/#\n",
    );
  });

  test("scope add and remove change the list; a deny is added with its !", async () => {
    await neo("gen", "s1", "-o", "s1", "--scope", "tables:read:*");
    expect((await neo("scope", "add", "s1", "!tables:read:secret", "topics:subscribe:a/#")).stdout).toBe(
      "tables:read:*\n!tables:read:SECRET\ntopics:subscribe:a/#\n",
    );
    expect((await neo("scope", "remove", "s1", "tables:read:*")).stdout).toBe(
      "!tables:read:SECRET\ntopics:subscribe:a/#\n",
    );
  });

  test("a bad scope is refused with its reason and nothing is created or changed", async () => {
    const bad = await neo("gen", "s1", "-o", "s1", "--scope", "topic:publish:a");
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('unknown type "topic"');
    expect((await neo("list", "--format", "json")).stdout.trim()).toBe("[]");
    await neo("gen", "s2", "-o", "s2", "--scope", "tables:read:*");
    const add = await neo("scope", "add", "s2", "tables:read:x", "tables:erase:x");
    expect(add.code).not.toBe(0);
    expect(add.stderr).toContain('unknown operation "erase"');
    expect((await neo("scope", "list", "s2")).stdout).toBe("tables:read:*\n");
    const rm = await neo("scope", "remove", "s2", "tables:read:x");
    expect(rm.code).toBe(2);
    expect(rm.stderr).toContain('s2 has no scope "tables:read:X"');
  });

  test("key list summarizes scopes; --format json lists every one", async () => {
    await neo("gen", "s1", "-o", "s1");
    await neo("gen", "s2", "-o", "s2", "--scope", "tables:read:a", "--scope", "tables:read:b");
    const box = (await neo("list")).stdout;
    expect(box).toContain("all access");
    expect(box).toContain("tables:read:A tables:read:B");
    const json = JSON.parse((await neo("list", "--format", "json")).stdout) as { scopes: string[] }[];
    expect(json[1]!.scopes).toEqual(["tables:read:A", "tables:read:B"]);
  });
});

describe("repeated options", () => {
  test("every --scope value is kept in order, in both spellings", () => {
    expect(repeatedOption(["a", "--scope", "x", "--scope=y", "--", "--scope", "z"], "scope")).toEqual(["x", "y"]);
    expect(() => repeatedOption(["--scope"], "scope")).toThrow("--scope needs a value");
  });
});
