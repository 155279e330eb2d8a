// The one door, identity side (issue 18), driven as an attacker would with curl,
// mosquitto and MQTT.js: a user and a device key of the same name are two principals
// (no rotating the device's key, no taking over its MQTT session), a key cannot extend
// itself by rotating, an operator's revoke of a PAT is not undone by its owner, and the
// console labels a PAT session as one.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import mqtt from "mqtt";
import { cleanup, genKey, neo, run, type Server, startServer } from "./harness.ts";
import { curlAnswer } from "./curl-answer.ts";

let srv: Server;
let device: string;
let bobAccess: string;
const password = "bob-password-123";

async function curl(method: string, path: string, bearer?: string, json?: unknown) {
  const args = ["curl", "-s", "-X", method, "-w", "\n%{http_code}", `${srv.httpUrl}${path}`];
  if (bearer) args.push("-H", `Authorization: Bearer ${bearer}`);
  if (json !== undefined) args.push("-H", "Content-Type: application/json", "--data", JSON.stringify(json));
  const r = await run(args);
  return curlAnswer(r.stdout);
}

async function shell(...args: string[]) {
  const r = await neo(["shell", ...args, "--data", srv.data]);
  if (r.code !== 0) throw new Error(`neo shell ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

/** `neo shell pat create` prints the PAT as JSON (secret shown once) */
async function patOf(user: string, ...scopes: string[]) {
  const out = await shell("pat", "create", "--user", user, "--name", "p", ...scopes.flatMap((s) => ["--scope", s]));
  return JSON.parse(out.slice(0, out.lastIndexOf("}") + 1)) as { id: string; secret: string };
}

beforeAll(async () => {
  srv = await startServer(["--mqtt-enable-token-auth", "true", "--http-enable-token-auth", "true"]);
  device = (await genKey(srv.data, "bob")).token;
  const add = await neo(
    [
      "shell",
      "user",
      "add",
      "bob",
      ...["--scope", "keys:rotate:%c", "--scope", "tables:read:*"],
      "--password-stdin",
      "--data",
      srv.data,
    ],
    { stdin: `${password}\n` },
  );
  if (add.code !== 0) throw new Error(add.stderr);
  bobAccess = (await curl("POST", "/users/tokens/issue", undefined, { username: "bob", password })).body
    .access_token as string;
});
afterAll(async () => {
  await srv.stop();
  cleanup(srv.data);
});

describe("a user and a key of the same name are two principals", () => {
  test("user bob's access key with keys:rotate:%c cannot rotate device key bob (403); the device's token still works", async () => {
    const r = await curl("POST", "/keys/bob/rotate", bobAccess, {});
    expect(r.status).toBe(403);
    expect(r.body.token).toBeUndefined();
    expect((await curl("GET", "/db/query?q=select+1", device)).status).toBe(200);
  });

  test("bob's PAT cannot take over device bob's persistent MQTT session; the device resumes it", async () => {
    const url = `mqtt://${srv.mqttHost}:${srv.mqttPort}`;
    const opts = { clientId: "bob", clean: false, reconnectPeriod: 0, connectTimeout: 3000 } as const;
    const dev = await mqtt.connectAsync(url, { ...opts, username: device });
    await dev.subscribeAsync("plant/#", { qos: 1 });
    await dev.endAsync();
    const pat = await patOf("bob", "channels:publish:*");
    // mosquitto_pub as bob with the PAT, client id "bob": refused, the device's session untouched
    const r = await run([
      "mosquitto_pub",
      ...["-h", srv.mqttHost, "-p", String(srv.mqttPort), "-i", "bob", "-u", "bob", "-P", pat.secret],
      ...["-c", "-q", "1", "-t", "plant/x", "-m", "hijack"],
    ]);
    expect(r.code).not.toBe(0);
    expect(r.stderr + r.stdout).toContain("not authorised");
    const back = await mqtt.connectAsync(url, { ...opts, username: device });
    expect(back.connected).toBe(true);
    const present = await new Promise<boolean>((resolve) => {
      back.once("connect", (p) => resolve(p.sessionPresent));
      back.reconnect();
    });
    expect(present).toBe(true);
    await back.endAsync();
    // under another client id the PAT connects, and the console names it a PAT session
    const mine = await mqtt.connectAsync(url, {
      clientId: "bobs-script",
      username: "bob",
      password: pat.secret,
      reconnectPeriod: 0,
    });
    const admin = (await import("node:fs")).readFileSync(`${srv.data}/web-admin-password`, "utf8").trim();
    const login = await fetch(`${srv.httpUrl}/web/api/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ loginName: "admin", password: admin }),
    });
    const session = ((await login.json()) as { accessToken: string }).accessToken;
    const conns = await curl("GET", "/web/api/console/connections", session);
    const rows = conns.body.data as { clientId: string; authMethod: string; key: string | null }[];
    const row = rows.find((c) => c.clientId === "bobs-script");
    expect(row?.authMethod).toBe("personal access token (bob)");
    expect(row?.key).toBe(null);
    await mine.endAsync();
  });
});

describe("a credential cannot extend itself", () => {
  test("a key made with --days 1 and keys:rotate:%c rotating itself keeps at most its expiry; an operator may set any", async () => {
    const k = await genKey(srv.data, "short", ["--days", "1", "--scope", "keys:rotate:%c"]);
    const listed = JSON.parse(await shell("key", "list", "--format", "json")) as { id: string; notAfter: string }[];
    const expiry = Date.parse(listed.find((x) => x.id === "short")!.notAfter);
    const r = await curl("POST", "/keys/short/rotate", k.token, { notAfter: "9999-12-31T00:00:00Z" });
    expect(r.status).toBe(200);
    const after = (r.body.data as { notAfter: number }).notAfter;
    expect(after).toBeLessThanOrEqual(expiry + 1000);
    // again with the new token and no notAfter: still not past the first expiry
    const again = await curl("POST", "/keys/short/rotate", r.body.token as string, {});
    expect(again.status).toBe(200);
    expect((again.body.data as { notAfter: number }).notAfter).toBeLessThanOrEqual(expiry + 1000);
    // an operator sets any lifetime
    await shell("key", "rotate", "short", "--days", "30", "--output", `${srv.data}-keys/short-op`);
    const op = JSON.parse(await shell("key", "list", "--format", "json")) as { id: string; notAfter: string }[];
    expect(Date.parse(op.find((x) => x.id === "short")!.notAfter)).toBeGreaterThan(expiry);
  });

  test("a PAT revoked by an operator is revived only by an operator, not by its owner", async () => {
    const pat = await patOf("bob", "tables:read:*");
    expect((await curl("GET", "/db/query?q=select+1", pat.secret)).status).toBe(200);
    await shell("pat", "revoke", "--user", "bob", pat.id);
    expect((await curl("GET", "/db/query?q=select+1", pat.secret)).status).toBe(401);
    const reset = await curl("PATCH", `/pats/${pat.id}/reset`, bobAccess, { duration: "24h" });
    expect(reset.status).toBe(403);
    expect(reset.body.secret).toBeUndefined();
    const out = await shell("pat", "reset", "--user", "bob", pat.id);
    const revived = JSON.parse(out.slice(0, out.lastIndexOf("}") + 1)) as { secret: string };
    expect((await curl("GET", "/db/query?q=select+1", revived.secret)).status).toBe(200);
    // a PAT its owner revoked, its owner may reset
    await curl("PATCH", `/pats/${pat.id}/revoke`, bobAccess);
    expect((await curl("PATCH", `/pats/${pat.id}/reset`, bobAccess, { duration: "24h" })).status).toBe(200);
  });
});
