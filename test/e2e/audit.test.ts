// The audit trail with real clients: MQTT connects (mosquitto_pub, good and bad tokens),
// HTTP requests (curl), web logins, key changes from the CLI and the web UI and bans all
// land in <data>/audit.db; `neo shell audit` and GET /audit filter them.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { cleanup, eventually, genKey, neo, run, type Server, startServer } from "./harness.ts";

let srv: Server;
let token: string;
let session: string;

type Event = Record<string, unknown> & { action: string; result: string };
const audit = async (...filters: string[]): Promise<Event[]> => {
  const r = await neo(["shell", "audit", "--data", srv.data, "--format", "json", ...filters]);
  if (r.code !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as Event[];
};

beforeAll(async () => {
  srv = await startServer(["--mqtt-enable-token-auth", "true", "--http-enable-token-auth", "true"]);
  token = (await genKey(srv.data, "meter1")).token;
  const password = readFileSync(join(srv.data, "web-admin-password"), "utf8").trim();
  const res = await fetch(`${srv.httpUrl}/web/api/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ loginName: "admin", password }),
  });
  session = ((await res.json()) as { accessToken: string }).accessToken;
});
afterAll(async () => {
  await srv.stop();
  cleanup(srv.data);
});

const pub = (username: string) =>
  run([
    "mosquitto_pub",
    "-h",
    "127.0.0.1",
    "-p",
    String(srv.mqttPort),
    "-i",
    "m1",
    "-u",
    username,
    "-t",
    "t/x",
    "-m",
    "1",
  ]);

describe("audit trail", () => {
  test("MQTT connects with a good and a wrong token are recorded with method, listener, address and reason", async () => {
    expect((await pub(token)).code).toBe(0);
    expect((await pub(`meter1:b:${"0".repeat(64)}`)).code).not.toBe(0);
    const rows = await eventually(async () => {
      const r = await audit("--client", "meter1", "--kind", "auth");
      return r.filter((e) => e.action === "connect").length >= 2 ? r : undefined;
    });
    const ok = rows.find((e) => e.action === "connect" && e.result === "ok")!;
    expect(ok).toMatchObject({
      kind: "auth",
      method: "token",
      listener: "mqtt",
      address: "127.0.0.1",
      client: "meter1",
      target: "m1",
    });
    const bad = rows.find((e) => e.action === "connect" && e.result === "fail")!;
    expect(bad).toMatchObject({
      method: "token",
      listener: "mqtt",
      client: "meter1",
      reason: "token refused: invalid token",
    });
    // no secret is ever stored
    expect(readFileSync(join(srv.data, "audit.db")).includes(Buffer.from(token))).toBe(false);
  });

  test("HTTP requests with tokens are recorded, and --result fail keeps only the failures", async () => {
    const curl = (t: string) =>
      run([
        "curl",
        "-s",
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        "-H",
        `Authorization: Bearer ${t}`,
        `${srv.httpUrl}/db/query?q=select+1`,
      ]);
    expect((await curl(token)).stdout).toBe("200");
    expect((await curl("nonsense")).stdout).toBe("401");
    const fails = await eventually(async () => {
      const r = await audit("--result", "fail", "--since", "1h");
      return r.some((e) => e.action === "request") ? r : undefined;
    });
    expect(fails.every((e) => e.result === "fail")).toBe(true);
    expect(fails.find((e) => e.action === "request")).toMatchObject({
      method: "token",
      listener: "http",
      reason: "HTTP 401",
      target: "GET /db/query",
    });
    const oks = await audit("--client", "meter1", "--result", "ok");
    expect(oks.some((e) => e.action === "request" && e.target === "GET /db/query")).toBe(true);
  });

  test("key changes from the CLI and the web UI say who made them and from where", async () => {
    await genKey(srv.data, "meter2");
    await neo(["shell", "key", "revoke", "meter2", "--data", srv.data]);
    const res = await fetch(`${srv.httpUrl}/web/api/keys/meter2`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${session}` },
    });
    expect(res.status).toBe(200);
    const changes = await eventually(async () => {
      const r = await audit("--kind", "change");
      return r.some((e) => e.action === "key.delete") ? r : undefined;
    });
    const actions = changes.map((e) => `${e.action} ${e.target} ${e.listener}`);
    expect(actions).toContain("key.create meter2 cli");
    expect(actions).toContain("key.revoke meter2 cli");
    expect(actions).toContain("key.delete meter2 http");
    expect(changes.find((e) => e.action === "key.create")!.user).toStartWith("os:");
    expect(changes.find((e) => e.action === "key.delete")).toMatchObject({ user: "admin", address: "127.0.0.1" });
  });

  test("web logins are recorded; GET /audit answers the same filters and refuses without a session", async () => {
    await fetch(`${srv.httpUrl}/web/api/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ loginName: "admin", password: "wrong-password" }),
    });
    const get = (q: string, auth = true) =>
      fetch(`${srv.httpUrl}/audit${q}`, { headers: auth ? { authorization: `Bearer ${session}` } : {} });
    const body = await eventually(async () => {
      const b = (await (await get("?user=admin&result=fail")).json()) as { success: boolean; data: Event[] };
      return b.data.some((e) => e.action === "login") ? b : undefined;
    });
    expect(body.success).toBe(true);
    expect(body.data[0]).toMatchObject({
      kind: "auth",
      action: "login",
      method: "password",
      result: "fail",
      user: "admin",
    });
    expect((await get("?user=admin&result=ok")).status).toBe(200);
    expect((await get("?result=maybe")).status).toBe(400);
    expect((await get("?since=yesterday")).status).toBe(400);
    expect((await get("", false)).status).toBe(401);
  });

  test("the plain listing has one line per event under a header", async () => {
    const r = await neo(["shell", "audit", "--data", srv.data, "--client", "meter1", "--limit", "3"]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines[0]).toStartWith("TIME");
    expect(lines.length).toBe(4);
    const bad = await neo(["shell", "audit", "--data", srv.data, "--result", "perhaps"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("result must be ok or fail");
  });
});
