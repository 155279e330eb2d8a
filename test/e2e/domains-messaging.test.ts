// SuperMQ's device flow in a domain: a client made with POST /<domain>/clients, a channel of
// that domain, `mosquitto_pub -u <client id> -P <secret> -t m/<domain>/c/<channel>` and curl
// POST /m/<domain>/c/<channel> (202), SenML stored as for Mainflux channels; nothing crosses
// domains (another domain's key, a topic naming the wrong domain).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { cleanup, eventually, genKey, neo, run, type Server, startServer } from "./harness.ts";
import { requiresTool } from "./requires.ts";
import mqtt from "mqtt";
import { curlAnswer } from "./curl-answer.ts";

const need = requiresTool("/usr/bin/mosquitto_pub", "apt-get install mosquitto-clients");
let srv: Server;
let access: string;
const password = "alice-password-1";

async function curl(
  method: string,
  path: string,
  opts: { bearer?: string; auth?: string; json?: unknown; raw?: string; type?: string } = {},
) {
  const args = ["curl", "-s", "-X", method, "-w", "\n%{http_code}", `${srv.httpUrl}${path}`];
  if (opts.bearer) args.push("-H", `Authorization: Bearer ${opts.bearer}`);
  if (opts.auth) args.push("-H", `Authorization: ${opts.auth}`);
  if (opts.json !== undefined || opts.raw !== undefined)
    args.push(
      "-H",
      `Content-Type: ${opts.type ?? "application/json"}`,
      "--data",
      opts.raw ?? JSON.stringify(opts.json),
    );
  const r = await run(args);
  return curlAnswer(r.stdout);
}

describe.skipIf(need.skip)("messaging in a SuperMQ domain", () => {
  beforeAll(async () => {
    need.check();
    srv = await startServer(["--http-enable-token-auth", "true", "--mqtt-enable-token-auth", "true"]);
    const add = await neo(
      ["shell", "user", "add", "alice", "--role", "admin", "--password-stdin", "--data", srv.data],
      {
        stdin: `${password}\n`,
      },
    );
    if (add.code !== 0) throw new Error(add.stderr);
    access = (await curl("POST", "/users/tokens/issue", { json: { username: "alice", password } })).body
      .access_token as string;
  });
  afterAll(async () => {
    await srv?.stop();
    if (srv) cleanup(srv.data);
  });

  test("mosquitto_pub -u <client id> -P <secret> -t m/<domain>/c/<channel> and POST /m/<domain>/c/<channel> store SenML; other domains are refused", async () => {
    const dom = (await curl("POST", "/domains", { bearer: access, json: { name: "Plant", route: "plant" } })).body;
    const client = (await curl("POST", `/${dom.id}/clients`, { bearer: access, json: { name: "dev" } })).body as {
      id: string;
      credentials: { secret: string };
    };
    expect((await neo(["shell", "channel", "create", "line1", "--domain", "plant", "--data", srv.data])).code).toBe(0);
    expect((await neo(["shell", "channel", "connect", "line1", client.id, "--data", srv.data])).code).toBe(0);

    const pub = (topic: string, m: string, user = client.id, pass = client.credentials.secret) =>
      run([
        "mosquitto_pub",
        "-h",
        srv.mqttHost,
        "-p",
        String(srv.mqttPort),
        "-V",
        "mqttv5",
        "-q",
        "1",
        "-u",
        user,
        "-P",
        pass,
        "-i",
        `${user}-p`,
        "-t",
        topic,
        "-m",
        m,
        "-d",
      ]);
    const senml = (v: number) => JSON.stringify([{ bn: "m1:", n: "temp", v }]);
    for (const topic of [`m/plant/c/line1`, `m/${dom.id}/c/line1/room1`]) {
      const r = await pub(topic, senml(21.5));
      expect(r.code).toBe(0);
    }
    const http = await curl("POST", "/m/plant/c/line1", {
      auth: `Client ${client.credentials.secret}`,
      raw: senml(22),
      type: "application/senml+json",
    });
    expect(http.status).toBe(202);
    const count = async () =>
      (await curl("GET", "/db/query?q=select+count(*)+from+LINE1", { bearer: access })).body as {
        data?: { rows: number[][] };
      };
    await eventually(async () => (await count()).data?.rows[0]?.[0] === 3);

    // the wrong domain in the topic or path: no right there (MQTT 0x87, HTTP 403, whether or not
    // a channel of that id exists there); v5 PUBACK 0x87: mosquitto_pub -d prints the reason code
    expect((await pub("m/default/c/line1", senml(1))).stdout).toContain("RC:135");
    expect(
      (
        await curl("POST", "/m/default/c/line1", {
          auth: `Client ${client.credentials.secret}`,
          raw: senml(1),
          type: "application/senml+json",
        })
      ).status,
    ).toBe(403);
    // a key of the default domain, even with channels:publish:*, never publishes into another domain
    const k = await genKey(srv.data, "outsider", ["--scope", "channels:publish:*", "--scope", "clients:connect:*"]);
    expect(
      (
        await curl("POST", "/m/plant/c/line1", {
          auth: `Client ${k.token}`,
          raw: senml(1),
          type: "application/senml+json",
        })
      ).status,
    ).toBe(403);
    expect((await pub("m/plant/c/line1", senml(1), k.token, "")).stdout).toContain("RC:135");
    expect((await count()).data?.rows[0]?.[0]).toBe(3);
    // subscribing: the connected client may (subscribe right), the outsider may not, on either spelling
    expect(
      (await neo(["shell", "channel", "connect", "line1", client.id, "--subscribe", "--data", srv.data])).code,
    ).toBe(0);
    const sub = async (user: string, pass: string, filter: string) => {
      const c = await mqtt.connectAsync(`mqtt://${srv.mqttHost}:${srv.mqttPort}`, {
        username: user,
        password: pass,
        protocolVersion: 5,
        reconnectPeriod: 0,
      });
      try {
        const granted = await c.subscribeAsync(filter, { qos: 1 });
        return granted[0]?.qos;
      } catch (e) {
        // MQTT.js rejects a refused subscription: the SUBACK's reason code is in the packet
        const codes = (e as { packet?: { granted?: number[] } }).packet?.granted;
        return codes?.[0] ?? -1;
      } finally {
        await c.endAsync();
      }
    };
    await eventually(async () => (await sub(client.id, client.credentials.secret, "m/plant/c/line1/#")) === 1);
    expect(await sub(client.id, client.credentials.secret, "m/default/c/line1")).toBe(0x87);
    expect(await sub(k.token, "", "m/plant/c/line1")).toBe(0x87);
    // reading: a default-domain key with tables:read:* reads no table of another domain's channel (attack-domains)
    const reader = await genKey(srv.data, "reader"); // the default scopes: tables:read:* and more
    for (const t of ["LINE1", "LINE1_SENML"]) {
      const r = await curl("GET", `/db/query?q=select+count(*)+from+${t}`, { bearer: reader.token });
      expect(r.status).toBe(400);
      expect(r.body.reason).toBe(`no such table: ${t}`); // as a table that does not exist: no domain named
    }
    expect((await curl("GET", "/db/query?q=select+count(*)+from+EXAMPLE", { bearer: reader.token })).status).toBe(200);
  });

  test("SuperMQ's /<domain>/channels: create, list, view, connect (201), a connected client publishes, disconnect (204), delete; clients of another domain are not connected", async () => {
    const dom = (await curl("POST", "/domains", { bearer: access, json: { name: "Yard", route: "yard" } })).body;
    const other = (await curl("POST", "/domains", { bearer: access, json: { name: "Far", route: "far" } })).body;
    const mk = async (d: unknown) =>
      (await curl("POST", `/${d}/clients`, { bearer: access, json: { name: "dev" } })).body as {
        id: string;
        credentials: { secret: string };
      };
    const client = await mk(dom.id);
    const stranger = await mk(other.id);
    const made = await curl("POST", `/${dom.id}/channels`, {
      bearer: access,
      json: { name: "gate", metadata: { k: 1 } },
    });
    expect(made.status).toBe(201);
    const ch = made.body as { id: string; table: string };
    expect(made.body).toMatchObject({ name: "gate", domain_id: dom.id, metadata: { k: 1 }, status: "enabled" });
    expect((await curl("GET", `/${dom.id}/channels`, { bearer: access })).body).toMatchObject({ total: 1 });
    expect((await curl("GET", `/${dom.id}/channels/${ch.id}`, { bearer: access })).body.name).toBe("gate");
    expect((await curl("GET", `/${other.id}/channels/${ch.id}`, { bearer: access })).status).toBe(404);
    const link = { channel_ids: [ch.id], client_ids: [client.id], types: ["publish"] };
    expect((await curl("POST", `/${dom.id}/channels/connect`, { bearer: access, json: link })).status).toBe(201);
    const foreign = { ...link, client_ids: [stranger.id] };
    expect((await curl("POST", `/${dom.id}/channels/connect`, { bearer: access, json: foreign })).status).toBe(404);
    const post = (secret: string) =>
      curl("POST", `/m/yard/c/${ch.id}`, {
        auth: `Client ${secret}`,
        raw: '[{"n":"t","v":1}]',
        type: "application/senml+json",
      });
    expect((await post(client.credentials.secret)).status).toBe(202);
    expect((await post(stranger.credentials.secret)).status).toBe(403);
    const rows = await curl("GET", `/db/query?q=select+count(*)+from+${ch.table}`, { bearer: access });
    expect((rows.body as { data: { rows: number[][] } }).data.rows[0]?.[0]).toBe(1);
    const unlink = { client_ids: [client.id], types: ["publish"] };
    expect(
      (await curl("POST", `/${dom.id}/channels/${ch.id}/disconnect`, { bearer: access, json: unlink })).status,
    ).toBe(204);
    expect((await post(client.credentials.secret)).status).toBe(403);
    expect((await curl("DELETE", `/${dom.id}/channels/${ch.id}`, { bearer: access })).status).toBe(204);
    expect((await curl("GET", `/${dom.id}/channels/${ch.id}`, { bearer: access })).status).toBe(404);
  });

  test("the WebSocket adapter on /m/<domain>/c/<channel>: frames reach MQTT subscribers of that topic and are stored; another domain's key is refused", async () => {
    const dom = (await curl("POST", "/domains", { bearer: access, json: { name: "Dock", route: "dock" } })).body;
    const client = (await curl("POST", `/${dom.id}/clients`, { bearer: access, json: { name: "ws" } })).body as {
      id: string;
      credentials: { secret: string };
    };
    const ch = (await curl("POST", `/${dom.id}/channels`, { bearer: access, json: { id: "bay", table: "BAY" } })).body;
    expect(ch.table).toBe("BAY");
    const link = { channel_ids: ["bay"], client_ids: [client.id] };
    expect((await curl("POST", `/${dom.id}/channels/connect`, { bearer: access, json: link })).status).toBe(201);
    const wsUrl = (path: string) => `${srv.httpUrl.replace(/^http/, "ws")}${path}`;
    const open = (ws: WebSocket) =>
      new Promise<boolean>((resolve) => {
        ws.onopen = () => resolve(true);
        ws.onerror = () => resolve(false);
      });
    const sub = await mqtt.connectAsync(`mqtt://${srv.mqttHost}:${srv.mqttPort}`, {
      username: client.id,
      password: client.credentials.secret,
      reconnectPeriod: 0,
    });
    const ws = new WebSocket(wsUrl(`/m/dock/c/bay?authorization=${encodeURIComponent(client.credentials.secret)}`));
    try {
      expect(await open(ws)).toBe(true);
      await sub.subscribeAsync("m/dock/c/bay", { qos: 1 });
      const got: string[] = [];
      sub.on("message", (t, p) => got.push(`${t} ${p}`));
      ws.send('[{"n":"ws:t","v":3}]');
      await eventually(() => got.length === 1);
      expect(got).toEqual(['m/dock/c/bay [{"n":"ws:t","v":3}]']);
    } finally {
      await sub.endAsync();
      ws.close();
    }
    const rows = await curl("GET", "/db/query?q=select+count(*)+from+BAY", { bearer: access });
    expect((rows.body as { data: { rows: number[][] } }).data.rows[0]?.[0]).toBe(1);
    const k = await genKey(srv.data, "ws-outsider", [
      "--scope",
      "channels:publish:*",
      "--scope",
      "channels:subscribe:*",
    ]);
    const refused = new WebSocket(wsUrl(`/m/dock/c/bay?authorization=${encodeURIComponent(k.token)}`));
    expect(await open(refused)).toBe(false);
  });
});
