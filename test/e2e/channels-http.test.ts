// The Mainflux/Magistrala HTTP and WebSocket adapters over plain HTTP, driven with curl,
// MQTT.js and Bun's WebSocket client: 202 + stored for SenML, every credential form,
// JSON reasons for 401/403/404/415/400, WebSocket frames in both directions.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import mqtt from "mqtt";
import { cleanup, eventually, genKey, neo, run, startServer, type Server } from "./harness.ts";

type Key = Awaited<ReturnType<typeof genKey>>;
const SENML =
  '[{"bn":"some-base-name:","bt":1.276020076001e+09, "bu":"A","bver":5, "n":"voltage","u":"V","v":120.1}, {"n":"current","t":-5,"v":1.2}, {"n":"current","t":-4,"v":1.3}]';

let srv: Server;
let thing: Key;
let stranger: Key;

const shell = async (...args: string[]) => {
  const r = await neo(["shell", ...args, "--data", srv.data]);
  if (r.code !== 0) throw new Error(`neo shell ${args.join(" ")}: ${r.stderr}`);
};
const query = async (sql: string) => {
  const r = await fetch(`${srv.httpUrl}/db/query?q=${encodeURIComponent(sql)}`);
  return ((await r.json()) as { data: { rows: unknown[][] } }).data.rows;
};
const post = (path: string, body: string, headers: Record<string, string>) =>
  fetch(`${srv.httpUrl}${path}`, { method: "POST", body, headers });
const senml = { "content-type": "application/senml+json" };

beforeAll(async () => {
  srv = await startServer();
  thing = await genKey(srv.data, "thing-1");
  stranger = await genKey(srv.data, "stranger");
  await shell("channel", "create", "plant-a");
  await shell("channel", "connect", "plant-a", "thing-1");
}, 30_000);
afterAll(async () => {
  await srv?.stop();
  if (srv) cleanup(srv.data);
});

describe("HTTP adapter", () => {
  test("curl posts Mainflux's documented SenML with Authorization: Thing: 202, delivered to MQTT subscribers, stored exactly", async () => {
    const sub = await mqtt.connectAsync(`mqtt://${srv.mqttHost}:${srv.mqttPort}`, {
      username: thing.token,
      reconnectPeriod: 0,
    });
    try {
      await sub.subscribeAsync("channels/plant-a/messages/#", { qos: 1 });
      const got = new Promise<string>((resolve) => sub.on("message", (t, p) => resolve(`${t} ${p}`)));
      const r = await run([
        "curl",
        "-s",
        "-S",
        "-i",
        "-X",
        "POST",
        "-H",
        "Content-Type: application/senml+json",
        "-H",
        `Authorization: Thing ${thing.token}`,
        `${srv.httpUrl}/http/channels/plant-a/messages/room1`,
        "-d",
        SENML,
      ]);
      expect(r.stdout).toMatch(/^HTTP\/1\.1 202/);
      expect(r.stdout).toContain('{"success":true,"reason":"accepted, 3 record(s) stored"}');
      expect(await got).toBe(`channels/plant-a/messages/room1 ${SENML}`);
    } finally {
      await sub.endAsync();
    }
    expect(await query("select NAME, cast(TIME as text), VALUE from PLANT_A order by TIME")).toEqual([
      ["some-base-name:current", "1276020071001000000", 1.2],
      ["some-base-name:current", "1276020072001000000", 1.3],
      ["some-base-name:voltage", "1276020076001000000", 120.1],
    ]);
  });

  test("Client, Bearer, bare, Basic and ?authorization= credentials are accepted; plain JSON is 202 and not stored", async () => {
    const basic = `Basic ${Buffer.from(`thing-1:${thing.token}`).toString("base64")}`;
    for (const h of [`Client ${thing.token}`, `Bearer ${thing.token}`, thing.token, basic]) {
      const r = await post("/http/channels/plant-a/messages", '{"temp":21}', {
        "content-type": "application/json",
        authorization: h,
      });
      expect(r.status).toBe(202);
      expect(await r.json()).toEqual({ success: true, reason: "accepted, 0 record(s) stored" });
    }
    const q = await post(
      `/http/channels/plant-a/messages?authorization=${encodeURIComponent(thing.token)}`,
      "[]",
      senml,
    );
    expect(q.status).toBe(202);
    expect((await query("select count(*) from PLANT_A"))[0]).toEqual([3]);
  });

  test("refusals are JSON with a reason: 401, 403, 415, 400 (and nothing is stored)", async () => {
    const cases: [string, string, Record<string, string>, number, RegExp][] = [
      ["/http/channels/plant-a/messages", SENML, senml, 401, /missing credentials/],
      ["/http/channels/plant-a/messages", SENML, { ...senml, authorization: "Thing nope:b:00" }, 401, /invalid token/],
      [
        "/http/channels/plant-a/messages",
        SENML,
        { ...senml, authorization: `Basic ${Buffer.from(`stranger:${thing.token}`).toString("base64")}` },
        401,
        /invalid client id or token/,
      ],
      [
        "/http/channels/plant-a/messages",
        SENML,
        { ...senml, authorization: `Thing ${stranger.token}` },
        403,
        /not connected/,
      ],
      // no right to channel nope: 403, as for an existing channel (test/e2e/channels-no-leak.test.ts)
      ["/http/channels/nope/messages", SENML, { ...senml, authorization: `Thing ${thing.token}` }, 403, /nope/],
      [
        "/http/channels/plant-a/messages",
        SENML,
        { "content-type": "text/plain", authorization: `Thing ${thing.token}` },
        415,
        /unsupported content type text\/plain/,
      ],
      [
        "/http/channels/plant-a/messages",
        '[{"n":"x"}]',
        { ...senml, authorization: `Thing ${thing.token}` },
        400,
        /no value/,
      ],
      [
        "/http/channels/plant-a/messages",
        "{",
        { ...senml, authorization: `Thing ${thing.token}` },
        400,
        /not valid JSON/,
      ],
    ];
    for (const [path, body, headers, status, re] of cases) {
      const r = await post(path, body, headers);
      expect(`${path} ${headers.authorization ?? ""} -> ${r.status}`).toBe(
        `${path} ${headers.authorization ?? ""} -> ${status}`,
      );
      const j = (await r.json()) as { success: boolean; reason: string };
      expect(j.success).toBe(false);
      expect(j.reason).toMatch(re);
    }
    // a channel message is an MQTT message: no larger than Mqtt.MaxMessageSizeLimit (1 MiB)
    const big = await post("/http/channels/plant-a/messages", `[${'{"n":"x","v":1},'.repeat(70_000)}{"n":"x","v":1}]`, {
      ...senml,
      authorization: `Thing ${thing.token}`,
    });
    expect(big.status).toBe(413);
    expect(((await big.json()) as { reason: string }).reason).toBe("request body exceeds 1048576 bytes");
    const get = await fetch(`${srv.httpUrl}/http/channels/plant-a/messages`);
    expect(get.status).toBe(405);
    expect((await query("select count(*) from PLANT_A"))[0]).toEqual([3]);
  });
});

describe("WebSocket adapter", () => {
  const wsUrl = (path: string) => `${srv.httpUrl.replace(/^http/, "ws")}${path}`;
  const open = (ws: WebSocket) =>
    new Promise<void>((resolve, reject) => {
      ws.onopen = () => resolve();
      ws.onerror = () => reject(new Error("websocket refused"));
    });

  test("frames go to MQTT subscribers and other sockets (stored when SenML); MQTT messages come to the socket", async () => {
    const a = new WebSocket(wsUrl(`/ws/channels/plant-a/messages?authorization=${thing.token}`));
    const b = new WebSocket(wsUrl("/ws/channels/plant-a/messages"), {
      headers: { authorization: `Thing ${thing.token}` },
    } as unknown as string[]);
    await Promise.all([open(a), open(b)]);
    const atA: string[] = [];
    const atB: string[] = [];
    a.onmessage = (e) => atA.push(String(e.data));
    b.onmessage = (e) => atB.push(String(e.data));
    const sub = await mqtt.connectAsync(`mqtt://${srv.mqttHost}:${srv.mqttPort}`, {
      username: thing.token,
      reconnectPeriod: 0,
    });
    try {
      await sub.subscribeAsync("channels/plant-a/messages", { qos: 1 });
      const atMqtt: string[] = [];
      sub.on("message", (_t, p) => atMqtt.push(p.toString()));
      a.send("something");
      a.send('[{"n":"ws:temp","t":1700000000.5,"v":7}]');
      await eventually(() => atMqtt.length === 2 && atB.length === 2);
      expect(atMqtt).toEqual(["something", '[{"n":"ws:temp","t":1700000000.5,"v":7}]']);
      expect(atB).toEqual(atMqtt);
      await sub.publishAsync("channels/plant-a/messages", "from mqtt", { qos: 1 });
      await eventually(() => atA.includes("from mqtt") && atB.includes("from mqtt"));
      expect(atA).toEqual(["from mqtt"]); // never its own frames
    } finally {
      await sub.endAsync();
      a.close();
      b.close();
    }
    expect(await query("select NAME, cast(TIME as text), VALUE from PLANT_A where NAME = 'ws:temp'")).toEqual([
      ["ws:temp", "1700000000500000000", 7],
    ]);
  });

  test("a frame larger than a broker message is refused with a reason on the socket, not published", async () => {
    const ws = new WebSocket(wsUrl(`/ws/channels/plant-a/messages?authorization=${thing.token}`));
    await open(ws);
    const reply = new Promise<string>((resolve) => (ws.onmessage = (e) => resolve(String(e.data))));
    ws.send("x".repeat(1_100_000));
    expect(JSON.parse(await reply)).toEqual({ success: false, reason: "message exceeds 1048576 bytes" });
    ws.close();
  });

  test("an upgrade without credentials, with a bad token, to an unknown channel or by a stranger is refused", async () => {
    const status = async (path: string, headers: Record<string, string> = {}) =>
      (
        await fetch(`${srv.httpUrl}${path}`, {
          headers: {
            connection: "Upgrade",
            upgrade: "websocket",
            "sec-websocket-version": "13",
            "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
            ...headers,
          },
        })
      ).status;
    expect(await status("/ws/channels/plant-a/messages")).toBe(401);
    expect(await status("/ws/channels/plant-a/messages?authorization=bad")).toBe(401);
    expect(await status(`/ws/channels/nope/messages?authorization=${thing.token}`)).toBe(403);
    expect(await status(`/ws/channels/plant-a/messages?authorization=${stranger.token}`)).toBe(403);
  });

  test("channel disconnect closes the client's live socket within a second", async () => {
    await shell("channel", "create", "plant-c");
    await shell("channel", "connect", "plant-c", "stranger");
    const ws = new WebSocket(wsUrl(`/ws/channels/plant-c/messages?authorization=${stranger.token}`));
    await open(ws);
    const closed = new Promise<number>((resolve) => (ws.onclose = (e) => resolve(e.code)));
    const t0 = Date.now();
    await shell("channel", "disconnect", "plant-c", "stranger");
    expect(await closed).toBe(1008);
    expect(Date.now() - t0).toBeLessThan(1000 + 700 /* CLI start-up */);
  });
});

describe("channel management over HTTP (web session)", () => {
  test("create, connect, list, disconnect and delete a channel as JSON; without a session 401", async () => {
    const api = (path: string, init: RequestInit = {}, token?: string) =>
      fetch(`${srv.httpUrl}/web/api${path}`, {
        ...init,
        headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
      });
    expect((await api("/channels")).status).toBe(401);
    const password = readFileSync(join(srv.data, "web-admin-password"), "utf8").trim();
    const login = (await (
      await api("/login", { method: "POST", body: JSON.stringify({ loginName: "admin", password }) })
    ).json()) as { accessToken: string };
    const t = login.accessToken;
    const made = await api("/channels", { method: "POST", body: JSON.stringify({ id: "web-ch", name: "Web" }) }, t);
    expect(made.status).toBe(201);
    expect(((await made.json()) as { data: { table: string } }).data.table).toBe("WEB_CH");
    const dup = await api("/channels", { method: "POST", body: JSON.stringify({ id: "web-ch" }) }, t);
    expect(dup.status).toBe(409);
    const conn = await api(
      "/channels/web-ch/connect",
      { method: "POST", body: JSON.stringify({ client: "stranger", publish: true }) },
      t,
    );
    expect(((await conn.json()) as { data: unknown }).data).toEqual({
      clientId: "stranger",
      publish: true,
      subscribe: false,
    });
    // the key can publish there at once, over the HTTP adapter
    const r = await post("/http/channels/web-ch/messages", SENML, {
      ...senml,
      authorization: `Thing ${stranger.token}`,
    });
    expect(r.status).toBe(202);
    const list = (await (await api("/channels", {}, t)).json()) as { data: { id: string; connections: unknown[] }[] };
    expect(list.data.find((c) => c.id === "web-ch")?.connections).toEqual([
      { clientId: "stranger", publish: true, subscribe: false },
    ]);
    const off = await api(
      "/channels/web-ch/disconnect",
      { method: "POST", body: JSON.stringify({ client: "stranger" }) },
      t,
    );
    expect(((await off.json()) as { data: unknown }).data).toEqual({ disconnected: true });
    expect(
      (await post("/http/channels/web-ch/messages", SENML, { ...senml, authorization: `Thing ${stranger.token}` }))
        .status,
    ).toBe(403);
    expect((await api("/channels/web-ch", { method: "DELETE" }, t)).status).toBe(200);
    expect((await api("/channels/web-ch", { method: "DELETE" }, t)).status).toBe(404);
  });
});
