// `neo shell key ...` against a running token-auth gateway: what the operator types and
// what the clients see at once (neo CLI, curl, mosquitto, openssl).
import { describe, expect, test } from "bun:test";
import { statSync } from "node:fs";
import { genKey, neo, run } from "./harness.ts";
import { TOKEN_AUTH, useGateway } from "./fixture.ts";

const _mode = (p: string) => (statSync(p).mode & 0o777).toString(8);
const _sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("neo shell key on a running gateway", () => {
  const gw = useGateway({ args: TOKEN_AUTH, keys: ["qa-app01"] });
  const { query } = gw;

  test("key gen refuses a duplicate id and malformed ids with exit 1 and a clear message, registering nothing", async () => {
    const dup = await neo(["shell", "key", "gen", "qa-app01", "--data", gw.srv.data]);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toContain('client "qa-app01" already exists');
    for (const id of ["Bad_ID", "a/../b", "x".repeat(65), "ok\n"]) {
      const r = await neo(["shell", "key", "gen", id, "--data", gw.srv.data]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("invalid client id");
    }
    const list = JSON.parse(
      (await neo(["shell", "key", "list", "--format", "json", "--data", gw.srv.data])).stdout,
    ) as {
      id: string;
    }[];
    expect(list.map((k) => k.id)).toEqual(["qa-app01"]);
  });

  test("key gen accepts a 64-character id and refuses to overwrite existing output files", async () => {
    const id = "a".repeat(64);
    const k = await genKey(gw.srv.data, id);
    expect(k.token.startsWith(`${id}:b:`)).toBe(true);
    const again = await neo(["shell", "key", "gen", "qa-clobber", "--output", k.prefix, "--data", gw.srv.data]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("already exists");
    expect((await Bun.file(k.tokenFile).text()).trim()).toBe(k.token);
    const list = (await neo(["shell", "key", "list", "--format", "json", "--data", gw.srv.data])).stdout;
    expect(list).not.toContain("qa-clobber");
    await neo(["shell", "key", "del", id, "--data", gw.srv.data]);
  });

  test("key gen without --output prints the certificate, the key, the TOKEN line and the last-chance caution", async () => {
    const r = await neo(["shell", "key", "gen", "qa-noout", "--data", gw.srv.data]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("-----BEGIN CERTIFICATE-----");
    expect(r.stdout).toContain("-----BEGIN PRIVATE KEY-----");
    expect(r.stdout).toMatch(/^TOKEN qa-noout:b:[0-9a-f]{64}$/m);
    expect(r.stdout + r.stderr).toContain("This is the last chance to copy");
    const token = /TOKEN (\S+)/.exec(r.stdout)![1]!;
    expect((await query("select 1", "", token)).status).toBe(200);
  });

  test("key gen --type rsa issues a 2048-bit RSA client certificate with CN = id and clientAuth usage", async () => {
    const k = await genKey(gw.srv.data, "qa-rsa01", ["--type", "rsa"]);
    const t = (await run(["openssl", "x509", "-in", k.cert, "-noout", "-text"])).stdout;
    expect(t).toContain("Public-Key: (2048 bit)");
    expect(t).toContain("rsaEncryption");
    expect(t).toMatch(/Subject: CN\s?=\s?qa-rsa01/);
    expect(t).toContain("TLS Web Client Authentication");
  });

  test("key gen option errors are usage errors (exit 2) with a message naming the option", async () => {
    for (const [args, msg] of [
      [["--days", "0"], "--days"],
      [["--not-after", "notadate"], "--not-after"],
      [["--days", "10", "--not-after", "2030-01-01T00:00:00Z"], "either --days or --not-after"],
      [["--type", "dsa"], "--type"],
    ] as const) {
      const r = await neo(["shell", "key", "gen", "qa-opt", ...args, "--data", gw.srv.data]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(msg);
    }
  });

  test("key list shows machbase-neo's box header plus status, and --format rejects unknown formats", async () => {
    const r = await neo(["shell", "key", "list", "--data", gw.srv.data]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/│ ROWNUM │ ID\s+│ VALID FROM\s+│ EXPIRE\s+│/);
    expect(r.stdout).toMatch(/│\s+1 │ qa-app01\s+│ \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0000 UTC │/);
    const bad = await neo(["shell", "key", "list", "--format", "xml", "--data", gw.srv.data]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("--format");
  });

  test("key del and revoke of an unknown id fail with exit 1 and 'not found'", async () => {
    for (const cmd of ["del", "revoke"]) {
      const r = await neo(["shell", "key", cmd, "qa-nosuch", "--data", gw.srv.data]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('client "qa-nosuch" not found');
    }
  });

  test("a revoked key's token is refused over HTTP at once, list shows it revoked, and it cannot be rotated", async () => {
    const k = await genKey(gw.srv.data, "qa-rev01");
    expect((await query("select 1", "", k.token)).status).toBe(200);
    const r = await neo(["shell", "key", "revoke", "qa-rev01", "--data", gw.srv.data]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe("revoked");
    const after = await query("select 1", "", k.token);
    expect(after.status).toBe(401);
    expect(after.body.reason).toBe("invalid token");
    const list = JSON.parse(
      (await neo(["shell", "key", "list", "--format", "json", "--data", gw.srv.data])).stdout,
    ) as {
      id: string;
      status: string;
    }[];
    expect(list.find((x) => x.id === "qa-rev01")?.status).toBe("revoked");
    const rot = await neo(["shell", "key", "rotate", "qa-rev01", "--output", `${k.prefix}-rot`, "--data", gw.srv.data]);
    expect(rot.code).toBe(1);
    expect(rot.stderr).toContain("revoked");
  });

  test("rotate prints the three Save lines; the old token is refused and the new one works on HTTP and MQTT", async () => {
    const k = await genKey(gw.srv.data, "qa-rot01");
    const prefix = `${k.prefix}-new`;
    const r = await neo(["shell", "key", "rotate", "qa-rot01", "--output", prefix, "--data", gw.srv.data]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split("\n")).toEqual([
      `Save certificate ${prefix}_cert.pem`,
      `Save private key ${prefix}_key.pem`,
      `Save token ${prefix}_token`,
    ]);
    const fresh = (await Bun.file(`${prefix}_token`).text()).trim();
    expect(fresh).not.toBe(k.token);
    expect((await query("select 1", "", k.token)).status).toBe(401);
    expect((await query("select 1", "", fresh)).status).toBe(200);
    const old = await run([
      "mosquitto_pub",
      "-h",
      gw.srv.mqttHost,
      "-p",
      String(gw.srv.mqttPort),
      "-u",
      k.token,
      "-t",
      "x",
      "-m",
      "1",
    ]);
    expect(old.stderr).toContain("not authorised");
    const ok = await run([
      "mosquitto_pub",
      "-h",
      gw.srv.mqttHost,
      "-p",
      String(gw.srv.mqttPort),
      "-u",
      fresh,
      "-t",
      "x",
      "-m",
      "1",
    ]);
    expect(ok.code).toBe(0);
  });
});
