// Mainflux/Magistrala channels on the MQTT broker, driven with mosquitto_pub/mosquitto_sub
// and MQTT.js v5: SenML stored with exact times and delivered unchanged, plain JSON
// delivered and not stored, invalid SenML refused (PUBACK 0x99 + reason), clients not
// connected to a channel refused, wildcards limited to connected channels, and a
// `channel disconnect` that stops a live subscriber within a second.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import mqtt from "mqtt";
import { cleanup, eventually, genKey, neo, run, startServer, type Server } from "./harness.ts";

type Key = Awaited<ReturnType<typeof genKey>>;
const SENML =
  '[{"bn":"some-base-name:","bt":1.276020076001e+09, "bu":"A","bver":5, "n":"voltage","u":"V","v":120.1}, {"n":"current","t":-5,"v":1.2}, {"n":"current","t":-4,"v":1.3}]';

let srv: Server;
let thing: Key;
let reader: Key;
let stranger: Key;

const shell = async (...args: string[]) => {
  const r = await neo(["shell", ...args, "--data", srv.data]);
  if (r.code !== 0) throw new Error(`neo shell ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
};
const mq = (tool: "mosquitto_pub" | "mosquitto_sub", ...args: string[]) =>
  run([tool, "-h", srv.mqttHost, "-p", String(srv.mqttPort), ...args], { timeoutMs: 10_000 });
const query = async (sql: string) => {
  const r = await fetch(`${srv.httpUrl}/db/query?q=${encodeURIComponent(sql)}`);
  return ((await r.json()) as { data: { rows: unknown[][] } }).data.rows;
};
const connect = (k: Key, clientId: string) =>
  mqtt.connectAsync(`mqtt://${srv.mqttHost}:${srv.mqttPort}`, {
    clientId,
    username: k.token,
    protocolVersion: 5,
    reconnectPeriod: 0,
  });
const pubackOf = (c: mqtt.MqttClient, topic: string, payload: string, properties: object = {}) =>
  new Promise<number>((resolve) =>
    c.publish(topic, payload, { qos: 1, properties }, (err, pkt) =>
      resolve(
        err ? ((err as { code?: number }).code ?? -1) : ((pkt as { reasonCode?: number } | undefined)?.reasonCode ?? 0),
      ),
    ),
  );

beforeAll(async () => {
  srv = await startServer();
  thing = await genKey(srv.data, "thing-1");
  reader = await genKey(srv.data, "reader-1");
  stranger = await genKey(srv.data, "stranger");
  await shell("channel", "create", "plant-a");
  await shell("channel", "create", "plant-b");
  await shell("channel", "connect", "plant-a", "thing-1");
  await shell("channel", "connect", "plant-b", "thing-1");
  await shell("channel", "connect", "plant-a", "reader-1", "--subscribe");
}, 30_000);
afterAll(async () => {
  await srv?.stop();
  if (srv) cleanup(srv.data);
});

describe("channels over MQTT", () => {
  test("Mainflux's documented SenML pack is delivered unchanged and stored with exact times, units kept", async () => {
    const sub = connect(reader, "reader-sub");
    const c = await sub;
    try {
      await c.subscribeAsync("channels/plant-a/messages", { qos: 1 });
      const got = new Promise<string>((resolve) => c.on("message", (_t, p) => resolve(p.toString())));
      const r = await mq("mosquitto_pub", "-u", thing.token, "-q", "1", "-t", "channels/plant-a/messages", "-m", SENML);
      expect(r.code).toBe(0);
      expect(await got).toBe(SENML);
    } finally {
      await c.endAsync();
    }
    // TIME as text: JSON numbers this large would be rounded by the test's own parser
    expect(await query("select NAME, cast(TIME as text), VALUE from PLANT_A order by TIME")).toEqual([
      ["some-base-name:current", "1276020071001000000", 1.2],
      ["some-base-name:current", "1276020072001000000", 1.3],
      ["some-base-name:voltage", "1276020076001000000", 120.1],
    ]);
    expect(await query("select NAME, UNIT from PLANT_A_SENML order by TIME")).toEqual([
      ["some-base-name:current", "A"],
      ["some-base-name:current", "A"],
      ["some-base-name:voltage", "V"],
    ]);
  });

  test("plain JSON and text on a subtopic are delivered and not stored", async () => {
    const c = await connect(reader, "reader-plain");
    try {
      await c.subscribeAsync("channels/plant-a/messages/#", { qos: 1 });
      const got: string[] = [];
      c.on("message", (t, p) => got.push(`${t} ${p}`));
      await mq(
        "mosquitto_pub",
        "-u",
        thing.token,
        "-q",
        "1",
        "-t",
        "channels/plant-a/messages/room1",
        "-m",
        '{"temp":21}',
      );
      await mq(
        "mosquitto_pub",
        "-u",
        thing.token,
        "-q",
        "1",
        "-t",
        "channels/plant-a/messages/room1/raw",
        "-m",
        "hello",
      );
      await eventually(() => got.length === 2);
      expect(got).toEqual(['channels/plant-a/messages/room1 {"temp":21}', "channels/plant-a/messages/room1/raw hello"]);
    } finally {
      await c.endAsync();
    }
    expect((await query("select count(*) from PLANT_A"))[0]).toEqual([3]);
  });

  test("MQTT over WebSocket with the Mainflux form (username = id, password = token) publishes to a channel", async () => {
    const c = await mqtt.connectAsync(`ws://${srv.ready.http}/mqtt`, {
      username: "thing-1",
      password: thing.token,
      protocolVersion: 5,
      reconnectPeriod: 0,
    });
    try {
      const rc = await pubackOf(c, "channels/plant-b/messages", '[{"n":"ws:x","t":1700000000,"v":5}]');
      expect(rc).toBe(0);
    } finally {
      await c.endAsync();
    }
    expect(await query("select NAME, cast(TIME as text), VALUE from PLANT_B")).toEqual([
      ["ws:x", "1700000000000000000", 5],
    ]);
    const wrong = await mqtt
      .connectAsync(`ws://${srv.ready.http}/mqtt`, {
        username: "thing-1",
        password: `${thing.token.slice(0, -2)}00`,
        reconnectPeriod: 0,
      })
      .then(
        (x) => x.endAsync().then(() => "connected"),
        (e: Error) => e.message,
      );
    expect(wrong).toMatch(/Not authorized|Bad User Name or Password/i);
  });

  test("invalid SenML gets PUBACK 0x99 with the reason on the response topic, and nothing is stored", async () => {
    const c = await connect(thing, "thing-1");
    try {
      await c.subscribeAsync("replies/thing-1", { qos: 1 });
      const got = new Promise<string>((resolve) => c.on("message", (_t, p) => resolve(p.toString())));
      const rc = await pubackOf(c, "channels/plant-a/messages", '[{"n":"x","bver":99,"v":1}]', {
        responseTopic: "replies/thing-1",
      });
      expect(rc).toBe(0x99);
      expect(JSON.parse(await got)).toEqual({
        success: false,
        reason: "SenML record 1: SenML version 99 is not supported (neo reads version 10)",
      });
      const typed = await pubackOf(c, "channels/plant-a/messages", '{"n":"x"}', {
        contentType: "application/senml+json",
      });
      expect(typed).toBe(0x99);
    } finally {
      await c.endAsync();
    }
    expect((await query("select count(*) from PLANT_A"))[0]).toEqual([3]);
  });

  test("a client not connected to a channel can neither publish nor subscribe there", async () => {
    const c = await connect(stranger, "stranger");
    try {
      expect(await pubackOf(c, "channels/plant-a/messages", SENML)).toBe(0x87);
      expect(await pubackOf(c, "channels/nope/messages", SENML)).toBe(0x87);
      const suback = await c.subscribeAsync("channels/plant-a/messages", { qos: 1 }).then(
        () => 0,
        (e: { packet?: { granted?: number[] } }) => e.packet?.granted?.[0],
      );
      expect(suback).toBe(0x87);
      // reader-1 may subscribe but not publish
      const r = await connect(reader, "reader-pub");
      expect(await pubackOf(r, "channels/plant-a/messages", SENML)).toBe(0x87);
      await r.endAsync();
    } finally {
      await c.endAsync();
    }
    const v3 = await mq("mosquitto_sub", "-u", stranger.token, "-t", "channels/plant-b/messages", "-W", "2");
    expect(v3.stderr + v3.stdout).toMatch(/denied|rejected|not authori/i);
    expect((await query("select count(*) from PLANT_A"))[0]).toEqual([3]);
  });

  test("a wildcard subscription gets only the channels its client is connected to", async () => {
    const c = await connect(reader, "reader-wild");
    try {
      await c.subscribeAsync("channels/+/messages/#", { qos: 1 });
      await c.subscribeAsync("#", { qos: 1 });
      const topics: string[] = [];
      c.on("message", (t) => topics.push(t));
      await mq("mosquitto_pub", "-u", thing.token, "-q", "1", "-t", "channels/plant-b/messages", "-m", "b");
      await mq("mosquitto_pub", "-u", thing.token, "-q", "1", "-t", "channels/plant-a/messages", "-m", "a");
      await eventually(() => topics.includes("channels/plant-a/messages"));
      expect(topics.filter((t) => t.startsWith("channels/"))).toEqual(["channels/plant-a/messages"]);
    } finally {
      await c.endAsync();
    }
  });

  test("channel disconnect stops a live subscriber within a second; connect lets it in again", async () => {
    const c = await connect(reader, "reader-live");
    try {
      await c.subscribeAsync("channels/plant-a/messages", { qos: 1 });
      const got: string[] = [];
      c.on("message", (_t, p) => got.push(p.toString()));
      await mq("mosquitto_pub", "-u", thing.token, "-q", "1", "-t", "channels/plant-a/messages", "-m", "one");
      await eventually(() => got.includes("one"));
      const t0 = Date.now();
      await shell("channel", "disconnect", "plant-a", "reader-1");
      // publish until the gateway has seen the change; the subscriber must stop getting them within a second
      let stopped = 0;
      await eventually(async () => {
        const before = got.length;
        await mq("mosquitto_pub", "-u", thing.token, "-q", "1", "-t", "channels/plant-a/messages", "-m", "probe");
        const ping = await connect(thing, "thing-ping");
        await ping.endAsync(); // a round trip: anything routed to reader-live has been sent by now
        if (got.length === before) stopped = Date.now();
        return stopped > 0;
      }, 3000);
      expect(stopped - t0).toBeLessThan(1000 + 700 /* CLI start-up */);
      await shell("channel", "connect", "plant-a", "reader-1", "--subscribe");
      await eventually(async () => {
        await mq("mosquitto_pub", "-u", thing.token, "-q", "1", "-t", "channels/plant-a/messages", "-m", "back");
        return got.includes("back");
      }, 3000);
    } finally {
      await c.endAsync();
    }
  });
});
