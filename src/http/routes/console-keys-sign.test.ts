// POST /web/api/keys/<id>/sign and /keys/<id>/sign through the one runner, on a real socket:
// a device's openssl-made request signed for a new client (token once) and for an existing
// one (token and scopes kept), clear 400s for what is no request, and keys:create:<id> decided.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { X509Certificate } from "node:crypto";
import { join } from "node:path";
import { createAuth, createPeople, personIdentify } from "../../auth/index.ts";
import { setLogSink } from "../../lib/log.ts";
import { openRegistry, openUserKeys, openUsers } from "../../registry/index.ts";
import { type ConsoleFixture, openConsoleFixture } from "./console-test-support.ts";

setLogSink(() => {});

let f: ConsoleFixture;
let csr = "";
let keyPem = "";
beforeAll(async () => {
  f = await openConsoleFixture((dir) => {
    const registry = openRegistry(dir);
    const users = openUsers(dir);
    const people = createPeople({
      users,
      keys: openUserKeys(dir),
      accessTtlMs: () => 3_600_000,
      refreshTtlMs: () => 86_400_000,
    });
    return { registry, users, people, auth: createAuth({ registry, person: personIdentify(people) }) };
  });
  const out = join(f.dir, "dev.csr");
  const key = join(f.dir, "dev.key");
  const r = Bun.spawnSync(
    ["openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key].concat(
      ["-out", out, "-subj", "/CN=anything"],
    ),
  );
  if (r.exitCode !== 0) throw new Error(r.stderr.toString());
  csr = await Bun.file(out).text();
  keyPem = await Bun.file(key).text();
});
afterAll(() => f.close());

describe("signing a device's CSR over HTTP", () => {
  test("a new id: 201 with the certificate (CN = the id, issued by the gateway CA) and its token once", async () => {
    const token = await f.login();
    const r = await f.call("POST", "/web/api/keys/dev-1/sign", { token, body: { csr, days: 30 } });
    expect(r.status).toBe(201);
    expect(r.body.token).toMatch(/^dev-1:b:[0-9a-f]{64}$/);
    const cert = new X509Certificate(r.body.certPem as string);
    expect(cert.subject).toBe("CN=dev-1");
    expect(cert.checkIssued(new X509Certificate(f.pki.caCertPem))).toBe(true);
    const days = (Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / 86_400_000;
    expect(Math.round(days)).toBe(30);
    expect(f.registry.get("dev-1")).not.toBeNull();
  });

  test("an existing id: 200, no token, the certificate becomes its current one", async () => {
    const token = await f.login();
    const r = await f.call("POST", "/web/api/keys/dev-1/sign", { token, body: { csr } });
    expect(r.status).toBe(200);
    expect(r.body.token).toBeUndefined();
    expect(r.body.certPem).toContain("-----BEGIN CERTIFICATE-----");
  });

  test("no request, a private key instead of one, a bad id or validity: 400 with the reason", async () => {
    const token = await f.login();
    const post = (id: string, body: unknown) => f.call("POST", `/web/api/keys/${id}/sign`, { token, body });
    expect((await post("dev-2", {})).body.reason).toContain('"csr"');
    const notCsr = await post("dev-2", { csr: keyPem });
    expect(notCsr.status).toBe(400);
    expect(notCsr.body.reason).toContain("not a PKCS#10 certificate request");
    expect((await post("Bad_ID", { csr })).status).toBe(400);
    expect((await post("dev-2", { csr, days: 0 })).body.reason).toContain("days");
    expect(f.registry.get("dev-2")).toBeNull();
  });

  test("an API key with keys:create:dev-a signs for dev-a only (403 for another id), no credential is refused", async () => {
    const now = Date.now();
    const made = await f.registry.create({
      id: "prov",
      keyType: "ec",
      notBefore: new Date(now - 1000),
      notAfter: new Date(now + 86_400_000),
      pki: f.pki,
      scopes: ["keys:create:dev-a"],
    });
    expect((await f.call("POST", "/keys/dev-b/sign", { token: made.token, body: { csr } })).status).toBe(403);
    expect((await f.call("POST", "/keys/dev-a/sign", { token: made.token, body: { csr } })).status).toBe(201);
    // no credential: refused like every key route (the fixture lets an anonymous caller in, with no scope)
    expect([401, 403]).toContain((await f.call("POST", "/keys/dev-c/sign", { body: { csr } })).status);
    expect(f.registry.get("dev-c")).toBeNull();
  });
});
