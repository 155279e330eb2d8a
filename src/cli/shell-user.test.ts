import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openUsers } from "../web/index.ts";

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
    expect(unknown.stderr).toBe('neo: no web user named "root"\n');
  });

  test("list prints the web users", async () => {
    const data = join(dir, "d4");
    await user(["passwd", "admin", "--data", data]);
    const r = await user(["list", "--data", data]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("admin\n");
  });
});
