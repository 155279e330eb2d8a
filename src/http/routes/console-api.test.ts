import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { X509Certificate } from "node:crypto";
// The console's session and key routes through the one runner, on a real socket.
import {
  ALL_ACCESS_SCOPES,
  createAuth,
  createGuard,
  createPeople,
  type Guard,
  personIdentify,
} from "../../auth/index.ts";
import { defaultConfig } from "../../config/index.ts";
import { createLogger, setLogLevel, setLogSink } from "../../lib/log.ts";
import { loadOrCreatePki, type Pki } from "../../pki/index.ts";
import { openRegistry, openUserKeys, openUsers, type Registry, type Users } from "../../registry/index.ts";
import { createPasswordLogin } from "../password-login.ts";
import { createRunner } from "../runner.ts";
import { keyRoutes } from "./keys.ts";
import { sessionRoutes } from "./session.ts";

setLogSink(() => {});

let dir: string;
let users: Users;
let pki: Pki;
let adminPassword: string;
let server: ReturnType<typeof Bun.serve>;
let base: string;
let registry: Registry;

/** the web API as the server builds it: sessions from the user-key store, logins behind `guard` */
function makeApi(guard: Guard) {
  const people = createPeople({
    users,
    keys: openUserKeys(dir),
    accessTtlMs: () => 3_600_000,
    refreshTtlMs: () => 86_400_000,
  });
  const log = createLogger("web");
  const login = createPasswordLogin({ users, guard, audit: { record() {} }, log });
  const config = defaultConfig(dir);
  config.http.listen = { host: "127.0.0.1", port: 0 };
  const routes = [
    ...sessionRoutes({ people, login }),
    ...keyRoutes({ registry, pki, log, defaultScopes: () => ALL_ACCESS_SCOPES }),
  ];
  return createRunner(routes, {
    config,
    log,
    guard,
    auth: createAuth({ registry, person: personIdentify(people) }),
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "neo-web-api-"));
  registry = openRegistry(dir);
  users = openUsers(dir);
  adminPassword = (await users.ensureAdmin())!;
  pki = await loadOrCreatePki(dir, { hosts: [] });
  const api = makeApi(createGuard({ maxFailures: 1000, windowMs: 60_000, maxBanMs: 60_000 }));
  server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: async (req, srv) =>
      (await api.fetch(req, { server: srv, clientIp: srv.requestIP(req)?.address ?? "" })) ??
      new Response("upgraded", { status: 101 }),
  });
  base = `http://127.0.0.1:${server.port}`;
});

afterAll(async () => {
  await server.stop(true);
  users.close();
  registry.close();
  rmSync(dir, { recursive: true, force: true });
});

type Body = Record<string, unknown> & { success: boolean; reason: string };

async function call(method: string, path: string, opts: { token?: string; body?: unknown; raw?: string } = {}) {
  const headers: Record<string, string> = {};
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.body !== undefined || opts.raw !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(base + path, {
    method,
    headers,
    body: opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body)),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Body };
}

async function login(): Promise<string> {
  const r = await call("POST", "/web/api/login", { body: { loginName: "admin", password: adminPassword } });
  expect(r.status).toBe(200);
  return r.body.accessToken as string;
}

describe("web api login", () => {
  test("the admin logs in with the generated password and gets a session token", async () => {
    const r = await call("POST", "/web/api/login", { body: { loginName: "admin", password: adminPassword } });
    expect(r.status).toBe(200);
    expect(r.body.success).toBe(true);
    expect(r.body.reason).toBe("success");
    expect(r.body.accessToken).toMatch(/^nws_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(typeof r.body.elapse).toBe("string");
    expect(r.headers.get("cache-control")).toBe("no-store");
  });

  test("a wrong password and an unknown user get the same 401 answer", async () => {
    const wrong = await call("POST", "/web/api/login", { body: { loginName: "admin", password: "nope-nope" } });
    const unknown = await call("POST", "/web/api/login", { body: { loginName: "sys", password: "manager" } });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body).toEqual({ success: false, reason: "invalid username or password" });
    expect(unknown.body).toEqual(wrong.body);
  });

  test("a login body without loginName or password is a 400, and broken JSON too", async () => {
    expect((await call("POST", "/web/api/login", { body: { loginName: "admin" } })).status).toBe(400);
    const broken = await call("POST", "/web/api/login", { raw: "{not json" });
    expect(broken.status).toBe(400);
    expect(broken.body.reason).toBe("request body is not valid JSON");
  });

  test("key endpoints refuse requests without a session or with a bad one", async () => {
    const none = await call("GET", "/web/api/keys");
    expect(none.status).toBe(401);
    expect(none.body).toMatchObject({
      success: false,
      reason: "missing authorization: use Authorization: Bearer <access key>",
    });
    const bad = await call("GET", "/web/api/keys", { token: "x".repeat(43) });
    expect(bad.status).toBe(401);
    expect(bad.body.reason).toBe("invalid or expired key");
  });

  test("logout ends the session at once", async () => {
    const token = await login();
    expect((await call("GET", "/web/api/check", { token })).body.user).toBe("admin");
    expect((await call("POST", "/web/api/logout", { token })).status).toBe(200);
    expect((await call("GET", "/web/api/check", { token })).status).toBe(401);
  });

  test("the session is also an HttpOnly, SameSite=Strict cookie that works without a header and ends at logout", async () => {
    const res = await fetch(`${base}/web/api/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ loginName: "admin", password: adminPassword }),
    });
    const cookie = res.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(/^neo_session=nws_[^;]+; HttpOnly; SameSite=Strict; Path=\/web\/api; Max-Age=3600$/);
    const jar = { cookie: cookie.split(";")[0]! };
    const check = await fetch(`${base}/web/api/check`, { headers: jar });
    expect(((await check.json()) as Body).user).toBe("admin");
    const out = await fetch(`${base}/web/api/logout`, { method: "POST", headers: jar });
    expect(out.headers.get("set-cookie")).toContain("Max-Age=0");
    expect((await fetch(`${base}/web/api/check`, { headers: jar })).status).toBe(401);
  });

  test("a password change from another process ends existing sessions at once", async () => {
    const token = await login();
    const cli = openUsers(dir); // what `neo shell user passwd` does: its own connection
    try {
      await cli.setPassword("admin", adminPassword); // same password, new hash: still a change
    } finally {
      cli.close();
    }
    const r = await call("GET", "/web/api/keys", { token });
    expect(r.status).toBe(401);
    expect((await call("GET", "/web/api/keys", { token: await login() })).status).toBe(200);
  });

  test("failed logins are logged without the attempted name of an unknown user", async () => {
    const lines: string[] = [];
    setLogLevel("info"); // another test file in the same run may have raised it
    setLogSink((l) => lines.push(l));
    try {
      await call("POST", "/web/api/login", { body: { loginName: "hunter2-typed-here", password: "x".repeat(9) } });
      await call("POST", "/web/api/login", { body: { loginName: "admin", password: "x".repeat(9) } });
    } finally {
      setLogSink(() => {});
    }
    expect(lines.join("\n")).not.toContain("hunter2");
    expect(lines.some((l) => l.includes("failed login for an unknown user"))).toBe(true);
    expect(lines.some((l) => l.includes("failed login for user admin"))).toBe(true);
  });

  test("a path no route has is a JSON 404", async () => {
    expect((await fetch(`${base}/db/query`)).status).toBe(404);
    expect((await call("GET", "/web/api/nothing-here", { token: await login() })).status).toBe(404);
  });
});

describe("web api keys", () => {
  test("generating a key returns cert, key, token and a zip once, and lists it", async () => {
    const token = await login();
    const r = await call("POST", "/web/api/keys", { token, body: { name: "sensor-01" } });
    expect(r.status).toBe(201);
    expect(r.body.success).toBe(true);
    expect(r.body.serverKey).toBe(pki.caCertPem);
    expect(r.body.token).toMatch(/^sensor-01:b:[0-9a-f]{64}$/);
    expect(r.body.privateKey).toContain("-----BEGIN PRIVATE KEY-----");
    const cert = new X509Certificate(r.body.certificate as string);
    expect(cert.subject).toContain("CN=sensor-01");
    expect(cert.checkIssued(new X509Certificate(pki.caCertPem))).toBe(true);
    // default validity: three years
    const years = (Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / (365.25 * 86400_000);
    expect(years).toBeGreaterThan(2.99);
    expect(years).toBeLessThan(3.01);

    const zipFile = join(dir, "sensor-01.zip");
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
    expect(registry.list().filter((r) => r.id === "dup-1")).toHaveLength(1);
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
    expect(registry.get("ok-id")).toBeNull();
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
    const res = await fetch(`${base}/web/api/server-cert`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(pki.caCertPem);
  });
});

describe("web api key scopes", () => {
  test("a key gets the default scopes, or the scopes asked for; a bad scope is a 400 naming it", async () => {
    const token = await login();
    await call("POST", "/web/api/keys", { token, body: { name: "scoped-default" } });
    expect(registry.get("scoped-default")?.scopes).toContain("topics:subscribe:#");
    const r = await call("POST", "/web/api/keys", {
      token,
      body: { name: "scoped-one", scopes: ["tables:read:tag", "!topics:subscribe:secret/#"] },
    });
    expect(r.status).toBe(201);
    expect(registry.get("scoped-one")?.scopes).toEqual(["tables:read:TAG", "!topics:subscribe:secret/#"]);
    const bad = await call("POST", "/web/api/keys", {
      token,
      body: { name: "scoped-bad", scopes: ["tables:erase:x"] },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.reason).toContain('unknown operation "erase"');
    expect(registry.get("scoped-bad")).toBeNull();
  });
});

describe("login brute-force guard", () => {
  const attempt = async (api: ReturnType<typeof makeApi>, ip: string, password: string) =>
    (await api.fetch(
      new Request("http://127.0.0.1/web/api/login", {
        method: "POST",
        body: JSON.stringify({ loginName: "admin", password }),
      }),
      { clientIp: ip },
    ))!;

  test("wrong passwords from one address get it banned (429 + Retry-After) while another address logs in", async () => {
    const guard = createGuard({ maxFailures: 2, windowMs: 60_000, maxBanMs: 60_000 });
    const api = makeApi(guard);
    expect((await attempt(api, "10.0.0.9", "wrong-pass"))!.status).toBe(401);
    expect((await attempt(api, "10.0.0.9", "wrong-pass"))!.status).toBe(401);
    const limited = (await attempt(api, "10.0.0.9", adminPassword))!;
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("60");
    expect(((await limited.json()) as Body).success).toBe(false);
    // the owner elsewhere is not locked out
    expect((await attempt(api, "10.0.0.1", adminPassword))!.status).toBe(200);
  });
});
