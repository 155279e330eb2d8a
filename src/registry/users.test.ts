import { afterEach, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureAdmin, openUsers } from "./users.ts";

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), "neo-web-users-"));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("web users", () => {
  test("the first start creates admin with a random password shown once, stored only as an argon2id hash", async () => {
    const dir = join(tempDir(), "data");
    const pw = await ensureAdmin(dir);
    expect(pw).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(await ensureAdmin(dir)).toBeNull();

    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, "registry.db")).mode & 0o777).toBe(0o600);
    const db = new Database(join(dir, "registry.db"), { readonly: true });
    const rows = db.query<{ name: string; hash: string }, []>("SELECT name, hash FROM web_users").all();
    db.close();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.name).toBe("admin");
    expect(rows[0]!.hash.startsWith("$argon2id$")).toBe(true);
    expect(rows[0]!.hash).not.toContain(pw!);
  });

  test("two first starts never both report a password", async () => {
    const dir = tempDir();
    const results = await Promise.all([ensureAdmin(dir), ensureAdmin(dir)]);
    expect(results.filter((r) => r !== null).length).toBeLessThanOrEqual(1);
    const users = openUsers(dir);
    expect(users.names()).toEqual(["admin"]);
    users.close();
  });

  test("verify accepts the right password only, and there is no sys/manager default", async () => {
    const dir = tempDir();
    const users = openUsers(dir);
    const pw = (await users.ensureAdmin())!;
    expect(await users.verify("admin", pw)).toBe(true);
    expect(await users.verify("admin", pw + "x")).toBe(false);
    expect(await users.verify("sys", "manager")).toBe(false);
    expect(await users.verify("ADMIN", pw)).toBe(false);
    users.close();
  });

  test("an unknown user costs about as much time as a wrong password", async () => {
    const dir = tempDir();
    const users = openUsers(dir);
    await users.ensureAdmin();
    await users.verify("nobody", "warm-up-pass"); // computes the dummy hash once
    const time = async (name: string) => {
      const t: number[] = [];
      for (let i = 0; i < 5; i++) {
        const s = performance.now();
        await users.verify(name, "wrong-password");
        t.push(performance.now() - s);
      }
      return t.sort((a, b) => a - b)[2]!;
    };
    const wrong = await time("admin");
    const unknown = await time("nobody");
    // argon2id dominates both paths; the bounds are loose because the machine is shared.
    expect(unknown / wrong).toBeGreaterThan(0.33);
    expect(unknown / wrong).toBeLessThan(3);
    users.close();
  }, 30_000);

  test("setPassword replaces the hash; short passwords and unknown users are refused", async () => {
    const dir = tempDir();
    const users = openUsers(dir);
    const old = (await users.ensureAdmin())!;
    await users.setPassword("admin", "correct horse battery");
    expect(await users.verify("admin", "correct horse battery")).toBe(true);
    expect(await users.verify("admin", old)).toBe(false);
    await expect(users.setPassword("admin", "short")).rejects.toMatchObject({
      code: "password_too_short",
      status: 400,
    });
    await expect(users.setPassword("root", "long enough pw")).rejects.toMatchObject({
      code: "user_not_found",
      status: 404,
    });
    users.close();
  });
});
