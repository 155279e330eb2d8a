// The console's key routes through the one runner, on a real socket.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { X509Certificate } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { setLogSink } from "../../lib/log.ts";
import { createAuth, createPeople, personIdentify } from "../../auth/index.ts";
import { openRegistry, openUserKeys, openUsers } from "../../registry/index.ts";
import { type ConsoleFixture, openConsoleFixture } from "./console-test-support.ts";

setLogSink(() => {});

/** the stores over the fixture's data dir, and identify() over them as the gateway builds it */
const stores = (dir: string) => {
  const registry = openRegistry(dir);
  const users = openUsers(dir);
  const keys = openUserKeys(dir);
  const people = createPeople({ users, keys, accessTtlMs: () => 3_600_000, refreshTtlMs: () => 86_400_000 });
  return { registry, users, people, auth: createAuth({ registry, person: personIdentify(people) }) };
};
let f: ConsoleFixture;
beforeAll(async () => {
  f = await openConsoleFixture(stores);
});
afterAll(() => f.close());
const call = (...a: Parameters<ConsoleFixture["call"]>) => f.call(...a);
const login = () => f.login();

describe("web api keys", () => {
  test("generating a key returns cert, key, token and a zip once, and lists it", async () => {
    const token = await login();
    const r = await call("POST", "/web/api/keys", { token, body: { name: "sensor-01" } });
    expect(r.status).toBe(201);
    expect(r.body.success).toBe(true);
    expect(r.body.serverKey).toBe(f.pki.caCertPem);
    expect(r.body.token).toMatch(/^sensor-01:b:[0-9a-f]{64}$/);
    expect(r.body.privateKey).toContain("-----BEGIN PRIVATE KEY-----");
    const cert = new X509Certificate(r.body.certificate as string);
    expect(cert.subject).toContain("CN=sensor-01");
    expect(cert.checkIssued(new X509Certificate(f.pki.caCertPem))).toBe(true);
    // default validity: three years
    const years = (Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / (365.25 * 86400_000);
    expect(years).toBeGreaterThan(2.99);
    expect(years).toBeLessThan(3.01);

    const zipFile = join(f.dir, "sensor-01.zip");
    writeFileSync(zipFile, Buffer.from(r.body.zip as string, "base64"));
    const names = Bun.spawnSync(["unzip", "-Z1", zipFile]).stdout.toString().trim().split("\n");
    expect(names).toEqual(["server.pem", "sensor-01_cert.pem", "sensor-01_key.pem", "sensor-01_token"]);
    expect(Bun.spawnSync(["unzip", "-p", zipFile, "sensor-01_token"]).stdout.toString()).toBe(r.body.token as string);

    const list = await call("GET", "/web/api/keys", { token });
    const data = list.body.data as { idx: number; id: string; status: string; notAfter: number; lastUsed: unknown }[];
    const row = data.find((k) => k.id === "sensor-01");
    expect(row).toMatchObject({ id: "sensor-01", status: "active", lastUsed: null });
    expect(row!.idx).toBeGreaterThan(0);
    expect(Math.abs(row!.notAfter - Date.parse(cert.validTo))).toBeLessThan(1000);
  });

  test("an explicit validity and the rsa type are honoured", async () => {
    const token = await login();
    const r = await call("POST", "/web/api/keys", {
      token,
      body: { name: "old-plc", type: "rsa", notBefore: "2026-01-01T00:00:00Z", notAfter: "2027-01-01T00:00:00Z" },
    });
    expect(r.status).toBe(201);
    const cert = new X509Certificate(r.body.certificate as string);
    expect(cert.publicKey.asymmetricKeyType).toBe("rsa");
    expect(new Date(cert.validTo).toISOString()).toBe("2027-01-01T00:00:00.000Z");
  });

  test("a duplicate client id is a 409 and the first key is untouched", async () => {
    const token = await login();
    expect((await call("POST", "/web/api/keys", { token, body: { name: "dup-1" } })).status).toBe(201);
    const again = await call("POST", "/web/api/keys", { token, body: { name: "dup-1" } });
    expect(again.status).toBe(409);
    expect(again.body).toEqual({ success: false, reason: "client id dup-1 already exists" });
    expect(f.registry.list().filter((r) => r.id === "dup-1")).toHaveLength(1);
  });

  test("bad ids, key types and validity periods are 400s with a reason", async () => {
    const token = await login();
    for (const body of [
      { name: "Upper" },
      { name: "" },
      { name: "-lead" },
      { name: "a".repeat(65) },
      { name: "x/y" },
      { name: 42 },
      { name: "ok-id", type: "dsa" },
      { name: "ok-id", notBefore: "2030-01-01", notAfter: "2029-01-01" },
      { name: "ok-id", notAfter: "tomorrow-ish" },
    ]) {
      const r = await call("POST", "/web/api/keys", { token, body });
      expect(r.status).toBe(400);
      expect(r.body.success).toBe(false);
      expect(r.body.reason.length).toBeGreaterThan(5);
    }
    expect(f.registry.get("ok-id")).toBeNull();
  });

  test("revoking keeps the key listed as revoked; deleting removes it", async () => {
    const token = await login();
    await call("POST", "/web/api/keys", { token, body: { name: "gone-soon" } });
    const rev = await call("POST", "/web/api/keys/gone-soon/revoke", { token });
    expect(rev.status).toBe(200);
    let data = (await call("GET", "/web/api/keys", { token })).body.data as { id: string; status: string }[];
    expect(data.find((k) => k.id === "gone-soon")?.status).toBe("revoked");
    expect((await call("DELETE", "/web/api/keys/gone-soon", { token })).status).toBe(200);
    data = (await call("GET", "/web/api/keys", { token })).body.data as { id: string; status: string }[];
    expect(data.some((k) => k.id === "gone-soon")).toBe(false);
  });

  test("deleting or revoking an unknown id is a 404", async () => {
    const token = await login();
    const del = await call("DELETE", "/web/api/keys/no-such", { token });
    expect(del.status).toBe(404);
    expect(del.body).toEqual({ success: false, reason: "client id no-such not found" });
    expect((await call("POST", "/web/api/keys/no-such/revoke", { token })).status).toBe(404);
  });

  test("the server certificate can be downloaded with a session", async () => {
    const token = await login();
    const res = await fetch(`${f.base}/web/api/server-cert`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(f.pki.caCertPem);
  });
});

describe("web api key scopes", () => {
  test("a key gets the default scopes, or the scopes asked for; a bad scope is a 400 naming it", async () => {
    const token = await login();
    await call("POST", "/web/api/keys", { token, body: { name: "scoped-default" } });
    expect(f.registry.get("scoped-default")?.scopes).toContain("topics:subscribe:#");
    const r = await call("POST", "/web/api/keys", {
      token,
      body: { name: "scoped-one", scopes: ["tables:read:tag", "!topics:subscribe:secret/#"] },
    });
    expect(r.status).toBe(201);
    expect(f.registry.get("scoped-one")?.scopes).toEqual(["tables:read:TAG", "!topics:subscribe:secret/#"]);
    const bad = await call("POST", "/web/api/keys", {
      token,
      body: { name: "scoped-bad", scopes: ["tables:erase:x"] },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.reason).toContain('unknown operation "erase"');
    expect(f.registry.get("scoped-bad")).toBeNull();
  });
});
