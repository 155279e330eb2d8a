// Scopes enforced on every path, with real clients: a key scoped to one table cannot write
// or read another over HTTP or MQTT; a device subscribed to `#` gets its own topics only
// (retained messages included); refused subscriptions get the right SUBACK code; a scope
// removed while subscribed stops delivery within a second without dropping the client.
import { describe, expect, test } from "bun:test";
import type { MqttClient, Packet } from "mqtt";
import { genKey, neo, run } from "./harness.ts";
import { TOKEN_AUTH, useGateway, type Key } from "./fixture.ts";
import { connectCollect, pubCode } from "./mqtt-clients.ts";

const gw = useGateway({ args: TOKEN_AUTH, keys: ["admin"] });
const ROW = (name: string) => `{"data":{"columns":["NAME","TIME","VALUE"],"rows":[["${name}",1700000000000000000,1]]}}`;

async function scopedKey(id: string, scopes: string[]): Promise<Key> {
  return genKey(
    gw.srv.data,
    id,
    scopes.flatMap((s) => ["--scope", s]),
  );
}
const http = (path: string, token: string, init: RequestInit = {}) =>
  fetch(`${gw.srv.httpUrl}${path}`, { ...init, headers: { Authorization: `Bearer ${token}`, ...init.headers } });
const write = (table: string, token: string) =>
  http(`/db/write/${table}`, token, {
    method: "POST",
    body: ROW("a"),
    headers: { "content-type": "application/json" },
  });
const query = (q: string, token: string) => http(`/db/query?q=${encodeURIComponent(q)}`, token);

/** SUBSCRIBE and return the SUBACK's codes as sent (MQTT.js turns failures into an error) */
function subackCodes(c: MqttClient, topics: string[], qos: 0 | 1 = 0): Promise<number[]> {
  return new Promise((resolve) => {
    const onPacket = (p: Packet) => {
      if (p.cmd !== "suback") return;
      c.removeListener("packetreceive", onPacket);
      resolve(p.granted as number[]);
    };
    c.on("packetreceive", onPacket);
    c.subscribe(topics, { qos }, () => {});
  });
}

/** a message published to `topic` by the admin has been routed: the admin's own `#` subscriber saw it */
async function routed(admin: ReturnType<typeof connectCollect>, topic: string, payload: string) {
  await pubCode(admin.c, topic, payload, { qos: 0 });
  const end = Date.now() + 5000;
  while (!admin.got.some((m) => m.topic === topic && m.payload === payload)) {
    if (Date.now() > end) throw new Error(`${topic} ${payload} never routed`);
    await Bun.sleep(10);
  }
}

describe("tables", () => {
  test("a key scoped to one table writes and reads it, and gets 403 naming any other over HTTP", async () => {
    await write("OTHER", gw.key.token); // the admin makes the table that must stay out of reach
    const k = await scopedKey("t-one", ["tables:write:MINE", "tables:read:MINE"]);
    expect((await write("MINE", k.token)).status).toBe(200);
    const w = await write("OTHER", k.token);
    expect(w.status).toBe(403);
    expect(await w.json()).toEqual({ success: false, reason: "not allowed to write table OTHER" });
    expect((await query("select count(*) from MINE", k.token)).status).toBe(200);
    for (const q of [
      "select * from OTHER",
      "select * from MINE join OTHER using (NAME)",
      "select * from MINE where VALUE in (select VALUE from OTHER)",
      "with x as (select * from OTHER) select * from x",
      "select NAME from MINE union select NAME from OTHER",
    ]) {
      const r = await query(q, k.token);
      expect(r.status).toBe(403);
      expect(((await r.json()) as { reason: string }).reason).toBe("not allowed to read table OTHER");
    }
  });

  test("GET /db/tables lists only the tables the caller may read", async () => {
    await write("OTHER", gw.key.token);
    await write("MINE", gw.key.token);
    const names = async (token: string) => {
      const r = await http("/db/tables", token);
      expect(r.status).toBe(200);
      return ((await r.json()) as { data: { tables: { name: string }[] } }).data.tables.map((t) => t.name);
    };
    const k = await scopedKey("t-list", ["tables:read:MINE", "tables:write:OTHER"]);
    expect(await names(k.token)).toEqual(["MINE"]);
    const none = await scopedKey("t-list-none", ["topics:publish:x/#"]);
    expect(await names(none.token)).toEqual([]);
    const denied = await scopedKey("t-list-deny", ["tables:read:*", "!tables:read:OTHER"]);
    const seen = await names(denied.token);
    expect(seen).toContain("MINE");
    expect(seen).not.toContain("OTHER");
    expect(await names(gw.key.token)).toEqual(expect.arrayContaining(["MINE", "OTHER"]));
  });

  test("curl sees the same 403 and reason as any HTTP client", async () => {
    const k = await scopedKey("t-curl", ["tables:write:MINE"]);
    const r = await run([
      "curl",
      "-s",
      "-w",
      "\n%{http_code}",
      "-H",
      `Authorization: Bearer ${k.token}`,
      "-H",
      "Content-Type: application/json",
      "--data",
      ROW("c"),
      `${gw.srv.httpUrl}/db/write/OTHER`,
    ]);
    const [body, status] = r.stdout.trim().split("\n");
    expect(status).toBe("403");
    expect(JSON.parse(body!)).toEqual({ success: false, reason: "not allowed to write table OTHER" });
  });

  test("over MQTT the same key gets PUBACK 0x87 (v5) for another table, and db/query answers 403", async () => {
    const k = await scopedKey("t-mqtt", ["tables:write:MINE", "tables:read:MINE", "topics:publish:db/#"]);
    const c = connectCollect(gw.url, { username: k.token, clientId: "t-mqtt", protocolVersion: 5 });
    await c.ready;
    try {
      expect(await pubCode(c.c, "db/append/MINE", '["m", 1700000000000000000, 2]')).toBe(0);
      expect(await pubCode(c.c, "db/append/OTHER", '["m", 1700000000000000000, 2]')).toBe(0x87);
      await new Promise<void>((r) => c.c.subscribe("db/reply/#", () => r()));
      await pubCode(c.c, "db/query", JSON.stringify({ q: "select * from OTHER", reply: "db/reply/t" }));
      const end = Date.now() + 5000;
      while (!c.got.some((m) => m.topic === "db/reply/t") && Date.now() < end) await Bun.sleep(10);
      // no topics:subscribe scope: the reply to its own query still reaches it (sent to it alone)
      expect(JSON.parse(c.got.find((m) => m.topic === "db/reply/t")!.payload)).toMatchObject({
        success: false,
        reason: "not allowed to read table OTHER",
      });
    } finally {
      c.c.end(true);
    }
    const rows = await query("select count(*) from OTHER where NAME = 'm'", gw.key.token);
    expect(((await rows.json()) as { data: { rows: number[][] } }).data.rows[0]![0]).toBe(0);
  });

  test("a v3.1.1 publisher (mosquitto_pub) gets its normal ack and the row is dropped", async () => {
    const k = await scopedKey("t-v3", ["tables:write:MINE", "topics:publish:db/#"]);
    const port = String(gw.srv.mqttPort);
    const pub = await run([
      "mosquitto_pub",
      "-p",
      port,
      "-i",
      "t-v3",
      "-u",
      k.token,
      "-q",
      "1",
      "-t",
      "db/append/OTHER",
      "-m",
      '["v3", 1700000000000000000, 3]',
    ]);
    expect(pub.code).toBe(0);
    const rows = await query("select count(*) from OTHER where NAME = 'v3'", gw.key.token);
    expect(((await rows.json()) as { data: { rows: number[][] } }).data.rows[0]![0]).toBe(0);
  });
});

describe("topics", () => {
  let admin: ReturnType<typeof connectCollect>;
  const adminUp = async () => {
    admin ??= connectCollect(gw.url, { username: gw.key.token, clientId: "admin" });
    await admin.ready;
    await new Promise<void>((r) => admin.c.subscribe("#", () => r()));
    return admin;
  };

  test("a device subscribed to # receives its own topics only, retained messages included", async () => {
    const a = await adminUp();
    await pubCode(a.c, "devices/dev-2/state", "retained-other", { qos: 1, retain: true });
    await pubCode(a.c, "devices/dev-1/state", "retained-own", { qos: 1, retain: true });
    const k = await scopedKey("dev-1", ["topics:subscribe:devices/%c/#", "topics:publish:devices/%c/#"]);
    const d = connectCollect(gw.url, { username: k.token, clientId: "dev-1", protocolVersion: 5 });
    await d.ready;
    try {
      const granted = await subackCodes(d.c, ["#"]);
      expect(granted).toEqual([0]); // accepted: it overlaps what the key may read
      await routed(a, "devices/dev-2/temp", "other");
      await routed(a, "devices/dev-1/temp", "own");
      const end = Date.now() + 5000;
      while (!d.got.some((m) => m.payload === "own") && Date.now() < end) await Bun.sleep(10);
      expect(d.got.map((m) => m.payload).sort()).toEqual(["own", "retained-own"]);
    } finally {
      d.c.end(true);
    }
  });

  test("a filter entirely outside the scopes gets SUBACK 0x87 (v5) and 0x80 (v3.1.1, mosquitto_sub)", async () => {
    const k = await scopedKey("dev-3", ["topics:subscribe:devices/%c/#"]);
    const d = connectCollect(gw.url, { username: k.token, clientId: "dev-3", protocolVersion: 5 });
    await d.ready;
    const codes = await subackCodes(d.c, ["devices/dev-4/#", "devices/dev-3/x"], 1);
    d.c.end(true);
    expect(codes).toEqual([0x87, 1]);
    const sub = await run(
      [
        "mosquitto_sub",
        "-p",
        String(gw.srv.mqttPort),
        "-i",
        "dev-3",
        "-u",
        k.token,
        "-V",
        "mqttv311",
        "-t",
        "devices/dev-4/#",
        "-C",
        "1",
        "-W",
        "3",
      ],
      { timeoutMs: 8000 },
    );
    expect(sub.stderr + sub.stdout).toContain("denied");
  });

  test("removing a scope while subscribed stops delivery within a second, without a disconnect", async () => {
    const a = await adminUp();
    const k = await scopedKey("dev-5", ["topics:subscribe:devices/%c/#"]);
    const d = connectCollect(gw.url, { username: k.token, clientId: "dev-5", protocolVersion: 5 });
    await d.ready;
    let closed = false;
    d.c.on("close", () => (closed = true));
    await new Promise<void>((r) => d.c.subscribe("devices/dev-5/#", () => r()));
    await routed(a, "devices/dev-5/t", "before");
    const end = Date.now() + 3000;
    while (!d.got.some((m) => m.payload === "before") && Date.now() < end) await Bun.sleep(10);
    expect(d.got.map((m) => m.payload)).toEqual(["before"]);
    const removed = await neo([
      "shell",
      "key",
      "scope",
      "remove",
      "dev-5",
      "topics:subscribe:devices/%c/#",
      "--data",
      gw.srv.data,
    ]);
    expect(removed.code).toBe(0);
    const t0 = Date.now();
    let i = 0;
    // publish until one is routed to the admin but not delivered to the device
    for (;;) {
      const p = `after-${i++}`;
      await routed(a, "devices/dev-5/t", p);
      await pubCode(a.c, "devices/dev-5/sync", p, { qos: 0 }); // same publisher: order is kept
      await routed(a, "devices/dev-5/sync", p);
      if (!d.got.some((m) => m.payload === p)) break;
      if (Date.now() - t0 > 3000) throw new Error("delivery did not stop");
    }
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(closed).toBe(false);
    d.c.end(true);
  });

  test("over WebSocket (MQTT.js ws://) the same rules hold", async () => {
    const k = await scopedKey("dev-6", ["topics:subscribe:devices/%c/#"]);
    const url = `ws://${gw.srv.ready.http}/mqtt`;
    const d = connectCollect(url, { username: k.token, clientId: "dev-6", protocolVersion: 5 });
    await d.ready;
    const codes = await subackCodes(d.c, ["devices/dev-7/#", "devices/dev-6/#"]);
    expect(codes).toEqual([0x87, 0]);
    expect(await pubCode(d.c, "devices/dev-6/x", "no publish scope")).toBe(0x87);
    d.c.end(true);
  });
});
