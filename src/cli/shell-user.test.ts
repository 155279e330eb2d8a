import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openUsers } from "../registry/index.ts";

// Runs the `user` command as its own process (the lead mounts it under `neo shell`).
let dir: string;
let entry: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "neo-shell-user-"));
  entry = join(dir, "entry.ts");
  writeFileSync(
    entry,
    `import { runMain } from "citty";\nimport cmd from ${JSON.stringify(join(import.meta.dir, "shell-user.ts"))};\n` +
      `await runMain(cmd, { rawArgs: process.argv.slice(2) });\n`,
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function user(args: string[], stdin?: string) {
  const proc = Bun.spawn([process.execPath, entry, ...args], {
    cwd: dir,
    env: { ...process.env, NO_COLOR: "1", NEO_DATA: "", NEO_CONFIG: "" },
    stdin: stdin === undefined ? "ignore" : new TextEncoder().encode(stdin),
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { stdout, stderr, code };
}

async function verify(data: string, name: string, pw: string) {
  const users = openUsers(data);
  try {
    return await users.verify(name, pw);
  } finally {
    users.close();
  }
}

describe("neo shell user", () => {
  test("passwd --password-stdin sets the admin password and removes the stale first-start password file", async () => {
    const data = join(dir, "d1");
    const r0 = await user(["passwd", "admin", "--password-stdin", "--data", data], "first pass 123\n");
    expect(r0.code).toBe(0);
    writeFileSync(join(data, "web-admin-password"), "old\n", { mode: 0o600 });
    const r = await user(["passwd", "admin", "--password-stdin", "--data", data], "correct horse battery\n");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("password changed for admin\n");
    expect(await verify(data, "admin", "correct horse battery")).toBe(true);
    expect(await verify(data, "admin", "first pass 123")).toBe(false);
    expect(existsSync(join(data, "web-admin-password"))).toBe(false);
  });

  test("passwd without --password-stdin generates a password and prints it once", async () => {
    const data = join(dir, "d2");
    const r = await user(["passwd", "admin", "--data", data]);
    expect(r.code).toBe(0);
    const pw = /new password: (\S+)/.exec(r.stdout)?.[1];
    expect(pw).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(await verify(data, "admin", pw!)).toBe(true);
  });

  test("a short password or an unknown user is refused with exit code 1 and one line", async () => {
    const data = join(dir, "d3");
    const short = await user(["passwd", "admin", "--password-stdin", "--data", data], "short\n");
    expect(short.code).toBe(1);
    expect(short.stderr).toBe("neo: password must be at least 8 characters\n");
    const unknown = await user(["passwd", "root", "--password-stdin", "--data", data], "long enough pw\n");
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe('neo: no user named "root"\n');
  });

  test("list prints the users with their roles and scopes", async () => {
    const data = join(dir, "d4");
    await user(["passwd", "admin", "--data", data]);
    const r = await user(["list", "--data", data]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("NAME   ROLE   SCOPES\nadmin  admin  (everything)\n");
  });

  test("add, scope, role and del manage users; the last admin stays; a bad scope is refused", async () => {
    const data = join(dir, "d5");
    await user(["passwd", "admin", "--data", data]);
    const added = await user(["add", "ops", "--scope", "tables:read:*", "--scope", "keys:list:*", "--data", data]);
    expect(added.code).toBe(0);
    expect(added.stdout).toStartWith("added user ops\npassword: ");
    expect((await user(["scope", "add", "ops", "tables:write:SENSORS", "--data", data])).stdout).toBe(
      "tables:read:*\nkeys:list:*\ntables:write:SENSORS\n",
    );
    expect((await user(["scope", "remove", "ops", "keys:list:*", "--data", data])).stdout).toBe(
      "tables:read:*\ntables:write:SENSORS\n",
    );
    const bad = await user(["scope", "add", "ops", "tables:drop:*", "--data", data]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("drop");
    const json = JSON.parse((await user(["list", "--format", "json", "--data", data])).stdout);
    expect(json.map((u: { name: string; role: string }) => `${u.name}:${u.role}`)).toEqual(["admin:admin", "ops:user"]);
    const last = await user(["del", "admin", "--data", data]);
    expect(last.code).toBe(1);
    expect(last.stderr).toBe("neo: admin is the last admin and cannot be deleted\n");
    expect((await user(["role", "ops", "admin", "--data", data])).stdout).toBe("ops is now an admin\n");
    expect((await user(["del", "admin", "--data", data])).stdout).toBe("deleted\n");
    const rec = await user(["recover", "ops", "--data", data]);
    expect(rec.stdout).toMatch(/^recovery key for ops \(one use, until .*\):\nnrc_[0-9a-f]{16}_/);
  });
});
