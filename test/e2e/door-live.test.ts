// The one live re-check, current(), against real clients (issue 18): a session ended for
// a dead credential publishes no will (nor leaves it retained), and the console's Live
// session (MQTT.js over WebSocket with the web session, as the browser does) loses what a
// demotion takes away within a second, without being told to reconnect.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import mqtt, { type MqttClient } from "mqtt";
import { cleanup, eventually, genKey, neo, type Server, startServer } from "./harness.ts";

let srv: Server;
let watcher: string;
let writer: string;
const password = "ops-password-123";

beforeAll(async () => {
  srv = await startServer(["--mqtt-enable-token-auth", "true"]);
  watcher = (await genKey(srv.data, "watcher")).token;
  writer = (await genKey(srv.data, "writer")).token;
  const add = await neo(["shell", "user", "add", "ops", "--role", "admin", "--password-stdin", "--data", srv.data], {
    stdin: `${password}\n`,
  });
  if (add.code !== 0) throw new Error(add.stderr);
});
afterAll(async () => {
  await srv.stop();
  cleanup(srv.data);
});

const url = () => `mqtt://${srv.mqttHost}:${srv.mqttPort}`;
const shell = async (...args: string[]) => {
  const r = await neo(["shell", ...args, "--data", srv.data]);
  if (r.code !== 0) throw new Error(r.stderr);
};

/** collect every message a client gets; `until(topic)` resolves when that topic arrives */
function collect(c: MqttClient) {
  const got: { topic: string; payload: string; retain: boolean }[] = [];
  c.on("message", (topic, payload, p) => got.push({ topic, payload: payload.toString(), retain: p.retain }));
  const until = (topic: string) => eventually(() => got.some((m) => m.topic === topic), 5000);
  return { got, until };
}

describe("a session ended for a dead credential publishes no will", () => {
  for (const how of ["revoke", "del"] as const) {
    test(`a key that is ${how === "del" ? "deleted" : "revoked"} is disconnected and its will is neither published nor retained`, async () => {
      const id = `willer-${how}`;
      const k = await genKey(srv.data, id);
      const w = await mqtt.connectAsync(url(), { username: watcher, clientId: `w-${how}`, reconnectPeriod: 0 });
      const seen = collect(w);
      await w.subscribeAsync("wills/#", { qos: 1 });
      const dying = await mqtt.connectAsync(url(), {
        username: k.token,
        clientId: id,
        reconnectPeriod: 0,
        will: { topic: `wills/${id}`, payload: Buffer.from("gone"), qos: 1, retain: true },
      });
      const closed = new Promise<void>((resolve) => dying.once("close", () => resolve()));
      await shell("key", how, id);
      await closed;
      // anything published at the disconnect went out before this marker
      await (await mqtt.connectAsync(url(), { username: writer, reconnectPeriod: 0 })).publishAsync(
        `wills/marker-${how}`,
        "m",
        { qos: 1 },
      );
      await seen.until(`wills/marker-${how}`);
      expect(seen.got.filter((m) => m.topic === `wills/${id}`)).toEqual([]);
      // and nothing retained for a new subscriber
      const late = await mqtt.connectAsync(url(), { username: watcher, clientId: `late-${how}`, reconnectPeriod: 0 });
      const lateSeen = collect(late);
      await late.subscribeAsync(`wills/${id}`, { qos: 1 });
      await late.subscribeAsync(`wills/marker2-${how}`, { qos: 1 });
      await (await mqtt.connectAsync(url(), { username: writer, reconnectPeriod: 0 })).publishAsync(
        `wills/marker2-${how}`,
        "m",
        { qos: 1 },
      );
      await lateSeen.until(`wills/marker2-${how}`);
      expect(lateSeen.got.filter((m) => m.topic === `wills/${id}`)).toEqual([]);
      await w.endAsync();
      await late.endAsync();
    }, 20_000);
  }
});

describe("the console's Live session follows its user's rights now", () => {
  test("an admin demoted while watching secret/# stops receiving it within a second; a kept scope keeps working", async () => {
    const login = await fetch(`${srv.httpUrl}/web/api/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ loginName: "ops", password }),
    });
    const session = ((await login.json()) as { accessToken: string }).accessToken;
    const ws = `ws://${srv.mqttHost}:${new URL(srv.httpUrl).port}/mqtt`;
    const live = await mqtt.connectAsync(ws, {
      username: "ops",
      password: session,
      clientId: "neo-console-test",
      protocolVersion: 4,
      reconnectPeriod: 0,
    });
    const seen = collect(live);
    const granted = await live.subscribeAsync(["secret/#", "public/#"], { qos: 0 });
    expect(granted.map((g) => g.qos)).toEqual([0, 0]);
    const pub = await mqtt.connectAsync(url(), { username: writer, reconnectPeriod: 0 });
    await pub.publishAsync("secret/a", "s1", { qos: 1 });
    await seen.until("secret/a");
    // demoted to a user who may watch public/# only
    await shell("user", "scope", "add", "ops", "topics:subscribe:public/#");
    await shell("user", "role", "ops", "user");
    const demoted = Date.now();
    await eventually(async () => {
      seen.got.length = 0;
      await pub.publishAsync("secret/b", "s2", { qos: 1 });
      await pub.publishAsync("public/mark", "m", { qos: 1 });
      await seen.until("public/mark");
      return !seen.got.some((m) => m.topic === "secret/b");
    }, 3000);
    expect(Date.now() - demoted).toBeLessThan(1500);
    expect(live.connected).toBe(true);
    // the console may still not publish anything
    await live.publishAsync("public/from-console", "x", { qos: 0 });
    await pub.publishAsync("public/mark2", "m", { qos: 1 });
    await seen.until("public/mark2");
    expect(seen.got.some((m) => m.topic === "public/from-console")).toBe(false);
    await live.endAsync();
    await pub.endAsync();
  }, 20_000);
});
