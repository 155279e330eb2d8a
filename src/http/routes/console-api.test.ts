// The console's session routes through the one runner, on a real socket.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createGuard } from "../../auth/index.ts";
import { setLogLevel, setLogSink } from "../../lib/log.ts";
import { createAuth, createPeople, personIdentify } from "../../auth/index.ts";
import { openRegistry, openUserKeys, openUsers } from "../../registry/index.ts";
import { type Body, type ConsoleFixture, openConsoleFixture } from "./console-test-support.ts";

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

describe("web api login", () => {
  test("the admin logs in with the generated password and gets a session token", async () => {
    const r = await call("POST", "/web/api/login", { body: { loginName: "admin", password: f.adminPassword } });
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
    const res = await fetch(`${f.base}/web/api/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ loginName: "admin", password: f.adminPassword }),
    });
    const cookie = res.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(/^neo_session=nws_[^;]+; HttpOnly; SameSite=Strict; Path=\/web\/api; Max-Age=3600$/);
    const jar = { cookie: cookie.split(";")[0]! };
    const check = await fetch(`${f.base}/web/api/check`, { headers: jar });
    expect(((await check.json()) as Body).user).toBe("admin");
    const out = await fetch(`${f.base}/web/api/logout`, { method: "POST", headers: jar });
    expect(out.headers.get("set-cookie")).toContain("Max-Age=0");
    expect((await fetch(`${f.base}/web/api/check`, { headers: jar })).status).toBe(401);
  });

  test("a password change from another process ends existing sessions at once", async () => {
    const token = await login();
    const cli = openUsers(f.dir); // what `neo shell user passwd` does: its own connection
    try {
      await cli.setPassword("admin", f.adminPassword); // same password, new hash: still a change
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
    expect((await fetch(`${f.base}/db/query`)).status).toBe(404);
    expect((await call("GET", "/web/api/nothing-here", { token: await login() })).status).toBe(404);
  });
});

describe("login brute-force guard", () => {
  const attempt = async (api: ReturnType<ConsoleFixture["makeApi"]>, ip: string, password: string) =>
    (await api.fetch(
      new Request("http://127.0.0.1/web/api/login", {
        method: "POST",
        body: JSON.stringify({ loginName: "admin", password }),
      }),
      { clientIp: ip },
    ))!;

  test("wrong passwords from one address get it banned (429 + Retry-After) while another address logs in", async () => {
    const guard = createGuard({ maxFailures: 2, windowMs: 60_000, maxBanMs: 60_000 });
    const api = f.makeApi(guard);
    expect((await attempt(api, "10.0.0.9", "wrong-pass"))!.status).toBe(401);
    expect((await attempt(api, "10.0.0.9", "wrong-pass"))!.status).toBe(401);
    const limited = (await attempt(api, "10.0.0.9", f.adminPassword))!;
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("60");
    expect(((await limited.json()) as Body).success).toBe(false);
    // the owner elsewhere is not locked out
    expect((await attempt(api, "10.0.0.1", f.adminPassword))!.status).toBe(200);
  });
});
