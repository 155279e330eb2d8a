// Channel management over HTTP for scripts, driven with curl: GET/POST /channels,
// GET/DELETE /channels/<id>, POST /channels/<id>/connect|disconnect with a client token or
// a PAT as the bearer, each decided by the caller's channels:<op>:<id> scopes.
import { describe, expect, test } from "bun:test";
import mqtt from "mqtt";
import { eventually, genKey, neo, run } from "./harness.ts";
import { TOKEN_AUTH, useGateway } from "./fixture.ts";

const gw = useGateway({ args: TOKEN_AUTH, keys: ["plain", "thing-1"] });

async function curl(method: string, path: string, token: string | null, body?: unknown) {
  const args = ["curl", "-s", "-o", "-", "-w", "\n%{http_code}", "-X", method];
  if (token !== null) args.push("-H", `Authorization: Bearer ${token}`);
  if (body !== undefined) args.push("-H", "content-type: application/json", "--data", JSON.stringify(body));
  const r = await run([...args, `${gw.srv.httpUrl}${path}`]);
  const lines = r.stdout.trimEnd().split("\n");
  const status = Number(lines.pop());
  return { status, body: JSON.parse(lines.join("\n")) as Record<string, unknown> & { reason?: string } };
}

const shell = async (...args: string[]) => {
  const r = await neo(["shell", ...args, "--data", gw.srv.data]);
  if (r.code !== 0) throw new Error(`neo shell ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
};
const scoped = (id: string, scopes: string[]) =>
  genKey(
    gw.srv.data,
    id,
    scopes.flatMap((s) => ["--scope", s]),
  );
const ids = (body: Record<string, unknown>) => (body.data as { id: string }[]).map((c) => c.id);

describe("channel management over HTTP with channels:* scopes", () => {
  test("a key without channel scopes can neither list, create, read, connect nor delete channels (403 naming the scope)", async () => {
    await shell("channel", "create", "locked");
    const t = gw.key.token;
    const list = await curl("GET", "/channels", t);
    expect(list.status).toBe(403);
    expect(list.body.success).toBe(false);
    expect(list.body.reason).toContain("channels:list:*");
    expect((await curl("POST", "/channels", t, { id: "x1" })).body.reason).toContain("channels:create:x1");
    expect((await curl("GET", "/channels/locked", t)).status).toBe(403);
    expect((await curl("POST", "/channels/locked/connect", t, { client_id: "plain" })).status).toBe(403);
    expect((await curl("DELETE", "/channels/locked", t)).status).toBe(403);
    // no credentials with token auth on: 401
    expect((await curl("GET", "/channels", null)).status).toBe(401);
  });

  test("a token scoped to one channel manages it, connects a thing that then publishes over MQTT, and is refused on another (403 with reason)", async () => {
    await shell("channel", "create", "plant-b");
    const ops = await scoped("ops-a", [
      "channels:create:plant-a",
      "channels:list:plant-a",
      "channels:connect:plant-a",
      "channels:disconnect:plant-a",
      "channels:delete:plant-a",
      // a channel is a way to write its table: creating it and connecting a publisher need this
      "tables:write:PLANT_A",
    ]);
    const made = await curl("POST", "/channels", ops.token, { id: "plant-a", name: "Plant A", metadata: { site: 7 } });
    expect(made.status).toBe(201);
    expect(made.body.data).toMatchObject({ id: "plant-a", name: "Plant A", table: "PLANT_A", metadata: { site: 7 } });
    expect((await curl("POST", "/channels", ops.token, { id: "plant-a" })).status).toBe(409);
    // it sees only its channel
    const list = await curl("GET", "/channels", ops.token);
    expect(list.status).toBe(200);
    expect(ids(list.body)).toEqual(["plant-a"]);
    // connect thing-1 (publish only), as Mainflux scripts name it: client_id
    const con = await curl("POST", "/channels/plant-a/connect", ops.token, { client_id: "thing-1", publish: true });
    expect(con.status).toBe(200);
    expect(con.body.data).toEqual({ clientId: "thing-1", publish: true, subscribe: false });
    const got = await curl("GET", "/channels/plant-a", ops.token);
    expect((got.body.data as { connections: unknown[] }).connections).toEqual([
      { clientId: "thing-1", publish: true, subscribe: false },
    ]);
    const thing = gw.keys["thing-1"]!;
    const c = await mqtt.connectAsync(gw.url, { username: "thing-1", password: thing.token, reconnectPeriod: 0 });
    try {
      await c.publishAsync("channels/plant-a/messages", '[{"n":"t","v":21.5}]', { qos: 1 });
      await eventually(async () => (await gw.query("select VALUE from PLANT_A")).body.data?.rows.length === 1);
    } finally {
      await c.endAsync();
    }
    // another channel: 403 naming the missing scope, nothing changed
    for (const [method, path, body] of [
      ["GET", "/channels/plant-b", undefined],
      ["POST", "/channels/plant-b/connect", { client_id: "ops-a" }],
      ["POST", "/channels/plant-b/disconnect", { client_id: "thing-1" }],
      ["DELETE", "/channels/plant-b", undefined],
      ["POST", "/channels", { id: "plant-c" }],
    ] as const) {
      const r = await curl(method, path, ops.token, body);
      expect(r.status).toBe(403);
      expect(r.body.reason).toMatch(
        /^not allowed to .*\(needs the scope channels:(list|connect|disconnect|delete|create):plant-[bc]\)$/,
      );
    }
    expect(await shell("channel", "list", "--format", "json")).not.toContain("ops-a");
    // bad input: 400 with a reason
    const noClient = await curl("POST", "/channels/plant-a/connect", ops.token, {});
    expect(noClient.status).toBe(400);
    expect(noClient.body.reason).toContain("client_id");
    expect((await curl("POST", "/channels/plant-a/connect", ops.token, { client_id: "ghost" })).status).toBe(404);
    // disconnect, then delete: gone for the CLI too
    const dis = await curl("POST", "/channels/plant-a/disconnect", ops.token, { client_id: "thing-1" });
    expect(dis.body.data).toEqual({ disconnected: true });
    expect((await curl("DELETE", "/channels/plant-a", ops.token)).status).toBe(200);
    expect(await shell("channel", "list", "--format", "json")).not.toContain('"plant-a"');
    // the changes are in the audit trail with the key that made them (written in batches: wait for it)
    const want = ["channel.create", "channel.connect", "channel.disconnect", "channel.delete"];
    await eventually(async () => {
      const audit = JSON.parse(await shell("audit", "--kind", "change", "--format", "json")) as Record<
        string,
        string
      >[];
      const mine = new Set(audit.filter((e) => e.client === "ops-a").map((e) => e.action));
      return want.every((a) => mine.has(a));
    });
  });

  test("an unknown channel is 404 to a caller allowed to see it; a bad channel id or scope is 400 with its reason", async () => {
    const admin = await scoped("chan-admin", ["channels:list:*", "channels:delete:*", "channels:create:*"]);
    const nf = await curl("GET", "/channels/nope", admin.token);
    expect(nf.status).toBe(404);
    expect(nf.body.reason).toContain('channel "nope" not found');
    expect((await curl("DELETE", "/channels/nope", admin.token)).status).toBe(404);
    const badId = await curl("POST", "/channels", admin.token, { id: "Bad Id!" });
    expect(badId.status).toBe(400);
    expect(badId.body.reason).toContain("invalid channel id");
    const badJson = await run([
      "curl",
      "-s",
      "-X",
      "POST",
      "-H",
      `Authorization: Bearer ${admin.token}`,
      "--data",
      "{",
      `${gw.srv.httpUrl}/channels`,
    ]);
    expect(JSON.parse(badJson.stdout)).toMatchObject({ success: false, reason: "request body is not valid JSON" });
    // a key asked for with a channel scope neo does not know: 400 naming it (the web API)
    const password = (await Bun.file(`${gw.srv.data}/web-admin-password`).text()).trim();
    const login = await fetch(`${gw.srv.httpUrl}/web/api/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ loginName: "admin", password }),
    });
    const session = ((await login.json()) as { accessToken: string }).accessToken;
    const bad = await fetch(`${gw.srv.httpUrl}/web/api/keys`, {
      method: "POST",
      headers: { authorization: `Bearer ${session}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "k-bad", scopes: ["channels:manage:plant-a"] }),
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { reason: string }).reason).toContain(
      'unknown operation "manage" for channels (known: publish, subscribe, list, create, update, delete, connect, disconnect)',
    );
  });

  test("a personal access token with a channels scope manages channels within its owner's rights", async () => {
    await shell("channel", "create", "pat-ch");
    await shell("channel", "create", "pat-other");
    const add = await neo(
      ["shell", "user", "add", "alice", "--role", "admin", "--password-stdin", "--data", gw.srv.data],
      {
        stdin: "correct horse battery staple\n",
      },
    );
    expect(add.code).toBe(0);
    const made = await neo([
      "shell",
      "pat",
      "create",
      "--user",
      "alice",
      "--name",
      "chan",
      "--scope",
      "channels:list:pat-ch",
      "--data",
      gw.srv.data,
    ]);
    expect(made.code).toBe(0);
    const secret = (JSON.parse(made.stdout.slice(0, made.stdout.lastIndexOf("}") + 1)) as { secret: string }).secret;
    const list = await curl("GET", "/channels", secret);
    expect(list.status).toBe(200);
    expect(ids(list.body)).toEqual(["pat-ch"]);
    expect((await curl("GET", "/channels/pat-other", secret)).status).toBe(403);
  });
});
