import { afterAll, beforeEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import { X509Certificate, createPrivateKey } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setLogLevel } from "../lib/log.ts";
import { createAuth } from "../auth/index.ts";
import { openRegistry } from "../registry/index.ts";

setLogLevel("error");
setDefaultTimeout(30_000); // each test spawns several CLI processes
const MAIN = join(import.meta.dir, "..", "main.ts");
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

let cwd: string;
beforeEach(() => {
  cwd = mkdtempSync(join(tmpdir(), "neo-cli-key-"));
  dirs.push(cwd);
});

const baseEnv = () => {
  const env: Record<string, string> = { PATH: process.env.PATH ?? "", HOME: cwd, NO_COLOR: "1", TZ: "UTC" };
  return env;
};

async function neo(args: string[], env: Record<string, string> = baseEnv()) {
  const p = Bun.spawn(["bun", MAIN, "shell", "key", ...args], { cwd, env, stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([
    new Response(p.stdout).text(),
    new Response(p.stderr).text(),
    p.exited,
  ]);
  return { stdout, stderr, code };
}

async function openssl(args: string[]) {
  const p = Bun.spawn(["openssl", ...args], { cwd, stdout: "pipe", stderr: "pipe" });
  const [o, e, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { out: o + e, code };
}

const mode = (f: string) => statSync(join(cwd, f)).mode & 0o777;

describe("neo shell key gen", () => {
  test("--output writes cert 0644, key and token 0600 and prints exactly machbase-neo's three lines", async () => {
    const r = await neo(["gen", "myapp01", "--output", "./myapp01"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      "Save certificate ./myapp01_cert.pem\nSave private key ./myapp01_key.pem\nSave token ./myapp01_token\n",
    );
    expect(mode("myapp01_cert.pem")).toBe(0o644);
    expect(mode("myapp01_key.pem")).toBe(0o600);
    expect(mode("myapp01_token")).toBe(0o600);
    expect(readFileSync(join(cwd, "myapp01_token"), "utf8")).toMatch(/^myapp01:b:[0-9a-f]{64}$/);
    expect(new X509Certificate(readFileSync(join(cwd, "myapp01_cert.pem"))).subject).toBe("CN=myapp01");
    expect(createPrivateKey(readFileSync(join(cwd, "myapp01_key.pem"))).asymmetricKeyType).toBe("ec");
    expect(mode("neo-data")).toBe(0o700);
  });

  test("the issued certificate verifies with openssl against server-cert's output", async () => {
    expect((await neo(["gen", "dev1", "--output", "dev1"])).code).toBe(0);
    const sc = await neo(["server-cert", "--output", "neo.crt"]);
    expect(sc.stdout).toBe("Save certificate neo.crt\n");
    expect(mode("neo.crt")).toBe(0o644);
    const v = await openssl(["verify", "-CAfile", "neo.crt", "dev1_cert.pem"]);
    expect(v.out).toBe("dev1_cert.pem: OK\n");
    const printed = await neo(["server-cert"]);
    expect(printed.stdout).toBe(readFileSync(join(cwd, "neo.crt"), "utf8"));
    expect(printed.stdout).toStartWith("-----BEGIN CERTIFICATE-----");
  });

  test("without --output it prints certificate, key, token and the last-chance caution", async () => {
    const r = await neo(["gen", "printed"]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toBe("-----BEGIN CERTIFICATE-----");
    expect(r.stdout).toContain("-----END CERTIFICATE-----\n-----BEGIN PRIVATE KEY-----\n");
    expect(lines.at(-2)).toMatch(/^TOKEN printed:b:[0-9a-f]{64}$/);
    expect(lines.at(-1)).toBe("Caution: This is the last chance to copy and store PRIVATE KEY and TOKEN.");
  });

  test("an invalid id is refused with the rule, exit 1 and nothing created", async () => {
    const r = await neo(["gen", "My App", "--output", "x"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'invalid client id "My App": use 1-64 of a-z 0-9 _ . @ -, starting with a letter or digit',
    );
    expect(r.stdout).toBe("");
    expect(existsSync(join(cwd, "x_cert.pem"))).toBe(false);
    expect(existsSync(join(cwd, "neo-data"))).toBe(false);
  });

  test("a duplicate id is refused with exit 1 and the first key keeps working", async () => {
    await neo(["gen", "dup", "--output", "first"]);
    const r = await neo(["gen", "dup", "--output", "second"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('client "dup" already exists');
    expect(existsSync(join(cwd, "second_token"))).toBe(false);
    const reg = openRegistry(join(cwd, "neo-data"));
    try {
      expect(createAuth({ registry: reg }).verifyToken(readFileSync(join(cwd, "first_token"), "utf8"))).toMatchObject({
        ok: true,
      });
    } finally {
      reg.close();
    }
  });

  test("existing output files are never overwritten and no key is registered", async () => {
    writeFileSync(join(cwd, "keep_key.pem"), "precious");
    const r = await neo(["gen", "k", "--output", "keep"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("keep_key.pem already exists");
    expect(readFileSync(join(cwd, "keep_key.pem"), "utf8")).toBe("precious");
    expect(existsSync(join(cwd, "keep_cert.pem"))).toBe(false);
    expect(JSON.parse((await neo(["list", "--format", "json"])).stdout)).toEqual([]);
  });

  test("--type rsa, --days and a past --not-after set key type and validity", async () => {
    await neo(["gen", "old-device", "--type", "rsa", "--days", "10", "--output", "old"]);
    const key = createPrivateKey(readFileSync(join(cwd, "old_key.pem")));
    expect(key.asymmetricKeyDetails?.modulusLength).toBe(2048);
    const cert = new X509Certificate(readFileSync(join(cwd, "old_cert.pem")));
    const days = (Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / 86_400_000;
    expect(days).toBe(10);
    const past = await neo(["gen", "expired", "--not-after", "2020-01-01T00:00:00Z", "--output", "exp"]);
    expect(past.code).toBe(0);
    expect(past.stderr).toContain("already expired");
    const json = JSON.parse((await neo(["list", "--format", "json"])).stdout);
    expect(json).toMatchObject([
      { id: "old-device", keyType: "rsa", status: "active" },
      { id: "expired", keyType: "ec", status: "expired", notAfter: "2020-01-01T00:00:00Z" },
    ]);
  });

  test("bad --type, --days or --not-after are usage errors (exit 2)", async () => {
    for (const args of [
      ["--type", "dsa"],
      ["--days", "0"],
      ["--days", "x"],
      ["--not-after", "tomorrow"],
      ["--days", "1", "--not-after", "2030-01-01"],
    ]) {
      const r = await neo(["gen", "u", ...args]);
      expect(r.code).toBe(2);
      expect(r.stderr).toStartWith("neo: ");
    }
  });
});

describe("neo shell key list, del, revoke, rotate, crl", () => {
  test("list prints machbase-neo's box table with status and last-used columns, and a scope summary last", async () => {
    await neo(["gen", "myid2", "--output", "a"]);
    await neo(["gen", "myid3", "--output", "b"]);
    const r = await neo(["list"]);
    expect(r.code).toBe(0);
    const lines = r.stdout.split("\n");
    expect(lines[0]).toBe(
      "┌────────┬──────────────────────┬───────────────────────────────┬───────────────────────────────┬─────────┬───────────────────────────────┬────────────┐",
    );
    expect(lines[1]).toBe(
      "│ ROWNUM │ ID                   │ VALID FROM                    │ EXPIRE                        │ STATUS  │ LAST USED                     │ SCOPES     │",
    );
    expect(lines[2]).toBe(
      "├────────┼──────────────────────┼───────────────────────────────┼───────────────────────────────┼─────────┼───────────────────────────────┼────────────┤",
    );
    expect(lines[3]).toMatch(
      /^│ {6}1 │ myid2 {16}│ \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0000 UTC │ \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0000 UTC │ active {2}│ - {29}│ all access │$/,
    );
    expect(lines[4]).toStartWith("│      2 │ myid3                │ ");
    expect(lines[5]).toStartWith("└────────┴");
    expect(lines[6]).toBe("");
  });

  test("del prints deleted, removes the key, and an unknown id exits 1", async () => {
    await neo(["gen", "myid2", "--output", "a"]);
    const r = await neo(["del", "myid2"]);
    expect(r).toMatchObject({ code: 0, stdout: "deleted\n" });
    const again = await neo(["del", "myid2"]);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe('neo: client "myid2" not found\n');
  });

  test("revoke keeps the client listed as revoked and the CRL makes openssl reject its certificate", async () => {
    await neo(["gen", "bad", "--output", "bad"]);
    await neo(["gen", "good", "--output", "good"]);
    expect(await neo(["revoke", "bad"])).toMatchObject({ code: 0, stdout: "revoked\n" });
    expect((await neo(["list"])).stdout).toMatch(/│ bad +│.*│ revoked │/);
    expect((await neo(["crl", "--output", "neo.crl"])).stdout).toBe("Save CRL neo.crl\n");
    await neo(["server-cert", "--output", "ca.pem"]);
    const bad = await openssl(["verify", "-crl_check", "-CRLfile", "neo.crl", "-CAfile", "ca.pem", "bad_cert.pem"]);
    expect(bad.code).not.toBe(0);
    expect(bad.out).toContain("certificate revoked");
    const good = await openssl(["verify", "-crl_check", "-CRLfile", "neo.crl", "-CAfile", "ca.pem", "good_cert.pem"]);
    expect(good.out).toBe("good_cert.pem: OK\n");
    expect((await neo(["revoke", "nobody"])).code).toBe(1);
  });

  test("rotate writes new files with the gen lines; the old token stops working and the new one works", async () => {
    await neo(["gen", "rot", "--output", "v1"]);
    const r = await neo(["rotate", "rot", "--output", "v2"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("Save certificate v2_cert.pem\nSave private key v2_key.pem\nSave token v2_token\n");
    const reg = openRegistry(join(cwd, "neo-data"));
    try {
      const auth = createAuth({ registry: reg });
      expect(auth.verifyToken(readFileSync(join(cwd, "v1_token"), "utf8"))).toEqual({
        ok: false,
        reason: "invalid token",
      });
      expect(auth.verifyToken(readFileSync(join(cwd, "v2_token"), "utf8"))).toMatchObject({
        ok: true,
        clientId: "rot",
      });
    } finally {
      reg.close();
    }
  });

  test("list, del and revoke on an empty data dir create no CA (only gen, rotate and serve need the PKI)", async () => {
    expect((await neo(["list", "--format", "json", "--data", "empty"])).stdout).toBe("[]\n");
    expect((await neo(["del", "nobody", "--data", "empty"])).code).toBe(1);
    expect((await neo(["revoke", "nobody", "--data", "empty"])).code).toBe(1);
    expect(existsSync(join(cwd, "empty", "pki"))).toBe(false);
  });

  test("--data and NEO_DATA choose the data dir", async () => {
    await neo(["gen", "a", "--data", "d1", "--output", "a"]);
    expect(existsSync(join(cwd, "d1", "registry.db"))).toBe(true);
    const env = { ...baseEnv(), NEO_DATA: join(cwd, "d2") };
    await neo(["gen", "b", "--output", "b"], env);
    expect(JSON.parse((await neo(["list", "--format", "json"], env)).stdout).map((c: { id: string }) => c.id)).toEqual([
      "b",
    ]);
    expect(
      JSON.parse((await neo(["list", "--format", "json", "--data", "d1"])).stdout).map((c: { id: string }) => c.id),
    ).toEqual(["a"]);
  });
});
