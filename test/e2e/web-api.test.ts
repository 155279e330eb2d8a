// The web UI's API on a running gateway: keys made there work on MQTT and HTTP at once,
// and no secret reaches the log.
import { describe, expect, test } from "bun:test";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { run } from "./harness.ts";
import { TOKEN_AUTH, useGateway } from "./fixture.ts";

const _mode = (p: string) => (statSync(p).mode & 0o777).toString(8);
const _sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("the web API on a running gateway", () => {
  const gw = useGateway({ args: TOKEN_AUTH, keys: ["qa-app01"] });
  const { query } = gw;

  test("the web API: a key created there works on MQTT at once; deleting it there refuses it on HTTP at once", async () => {
    const password = readFileSync(join(gw.srv.data, "web-admin-password"), "utf8").trim();
    const bad = await fetch(`${gw.srv.httpUrl}/web/api/login`, {
      method: "POST",
      body: JSON.stringify({ loginName: "admin", password: "wrong" }),
    });
    expect(bad.status).toBe(401);
    const login = (await (
      await fetch(`${gw.srv.httpUrl}/web/api/login`, {
        method: "POST",
        body: JSON.stringify({ loginName: "admin", password }),
      })
    ).json()) as { accessToken: string };
    const auth = { Authorization: `Bearer ${login.accessToken}` };
    // the web session is not a /db token, and a client token is not a web session: each a
    // valid credential of a form the route does not take, 403
    expect((await query("select 1", "", login.accessToken)).status).toBe(403);
    expect(
      (await fetch(`${gw.srv.httpUrl}/web/api/keys`, { headers: { Authorization: `Bearer ${gw.key.token}` } })).status,
    ).toBe(403);
    const created = (await (
      await fetch(`${gw.srv.httpUrl}/web/api/keys`, {
        method: "POST",
        headers: auth,
        body: JSON.stringify({ name: "qa-web01" }),
      })
    ).json()) as { success: boolean; token: string };
    expect(created.success).toBe(true);
    expect(created.token).toMatch(/^qa-web01:b:[0-9a-f]{64}$/);
    const dup = await fetch(`${gw.srv.httpUrl}/web/api/keys`, {
      method: "POST",
      headers: auth,
      body: JSON.stringify({ name: "qa-web01" }),
    });
    expect(dup.status).toBe(409);
    const pub = await run([
      "mosquitto_pub",
      "-h",
      gw.srv.mqttHost,
      "-p",
      String(gw.srv.mqttPort),
      "-u",
      created.token,
      "-q",
      "1",
      "-t",
      "db/write/QAWEB",
      "-m",
      '["web", 1675851592000000000, 1]',
    ]);
    expect(pub.code).toBe(0);
    const del = await fetch(`${gw.srv.httpUrl}/web/api/keys/qa-web01`, { method: "DELETE", headers: auth });
    expect(del.status).toBe(200);
    expect((await query("select 1", "", created.token)).status).toBe(401);
    const out = await fetch(`${gw.srv.httpUrl}/web/api/logout`, { method: "POST", headers: auth });
    expect(out.status).toBe(200);
    expect((await fetch(`${gw.srv.httpUrl}/web/api/check`, { headers: auth })).status).toBe(401);
  });

  test("no client token or the web password ever appears in the server log", async () => {
    const password = readFileSync(join(gw.srv.data, "web-admin-password"), "utf8").trim();
    const logs = gw.srv.logs();
    expect(logs).not.toContain(gw.key.token.split(":b:")[1]!);
    expect(logs).not.toContain(password);
  });
});
