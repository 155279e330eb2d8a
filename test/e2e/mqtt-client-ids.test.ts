// MQTT client ids under token auth: who may use which id, live and offline sessions that
// cannot be taken over, and a key deleted while connected (mosquitto_pub and MQTT.js).
import { beforeAll, describe, expect, test } from "bun:test";
import mqtt from "mqtt";
import { eventually, genKey, neo, run, type Server } from "./harness.ts";
import { type Key, TOKEN_AUTH, useGateway } from "./fixture.ts";

describe("MQTT client ids with token auth", () => {
  const gw = useGateway({ args: TOKEN_AUTH, keys: ["mqtt-api-app01", "other-app"] });
  let srv: Server;
  let app: Key;
  let other: Key;
  beforeAll(() => {
    srv = gw.srv;
    app = gw.keys["mqtt-api-app01"]!;
    other = gw.keys["other-app"]!;
  });

  const pub = (...args: string[]) =>
    run(["mosquitto_pub", "-h", srv.mqttHost, "-p", String(srv.mqttPort), ...args], { timeoutMs: 10000 });

  test("a client cannot take another registered client's id", async () => {
    const r = await pub("--id", "mqtt-api-app01", "--username", other.token, "-t", "x", "-m", "1");
    expect(r.code).not.toBe(0);
    expect(r.stderr + r.stdout).toContain("not authorised");
  });

  test("a live session's id cannot be taken over by another client", async () => {
    const a = await mqtt.connectAsync(`mqtt://${srv.mqttHost}:${srv.mqttPort}`, {
      clientId: "shared-id",
      username: app.token,
      reconnectPeriod: 0,
    });
    try {
      await expect(
        mqtt.connectAsync(`mqtt://${srv.mqttHost}:${srv.mqttPort}`, {
          clientId: "shared-id",
          username: other.token,
          reconnectPeriod: 0,
          connectTimeout: 3000,
        }),
      ).rejects.toThrow();
      expect(a.connected).toBe(true);
    } finally {
      await a.endAsync();
    }
  });

  test("a persistent session waiting offline cannot be taken over by another client, and ends when its key is deleted", async () => {
    const owner = await genKey(srv.data, "parked-owner");
    const url = `mqtt://${srv.mqttHost}:${srv.mqttPort}`;
    const a = await mqtt.connectAsync(url, {
      clientId: "parked-id",
      clean: false,
      username: owner.token,
      reconnectPeriod: 0,
    });
    await a.subscribeAsync("parked/#", { qos: 1 });
    await a.endAsync();
    const p = await mqtt.connectAsync(url, { username: app.token, reconnectPeriod: 0 });
    await p.publishAsync("parked/x", "for the owner only", { qos: 1 });
    await p.endAsync();

    // another client's token with the parked id, clean or not: refused, the session stays
    for (const extra of [["-c"], []]) {
      const r = await pub("--id", "parked-id", "--username", other.token, ...extra, "-q", "1", "-t", "y", "-m", "1");
      expect(r.code).not.toBe(0);
      expect(r.stderr + r.stdout).toContain("not authorised");
    }
    // listen before CONNACK: the queued message follows it at once
    const back = mqtt.connect(url, { clientId: "parked-id", clean: false, username: owner.token, reconnectPeriod: 0 });
    const got: string[] = [];
    back.on("message", (_t, m) => got.push(m.toString()));
    const present = await new Promise<boolean>((resolve) => back.once("connect", (ack) => resolve(ack.sessionPresent)));
    expect(present).toBe(true);
    await eventually(() => got.length === 1);
    expect(got).toEqual(["for the owner only"]);
    await back.endAsync();

    // the owner's key deleted: its offline session ends, the id is free for others
    expect((await neo(["shell", "key", "del", "parked-owner", "--data", srv.data])).code).toBe(0);
    await eventually(
      async () => (await pub("--id", "parked-id", "--username", other.token, "-t", "y", "-m", "1")).code === 0,
      3000,
    );
    expect(srv.logs()).toContain(`ended the offline session "parked-id"`);
  });

  test("a key deleted while its client is connected: disconnected within a second, and cannot reconnect", async () => {
    const k = await genKey(srv.data, "doomed");
    const c = await mqtt.connectAsync(`mqtt://${srv.mqttHost}:${srv.mqttPort}`, {
      clientId: "doomed",
      username: k.token,
      protocolVersion: 5,
      reconnectPeriod: 0,
    });
    const closed = new Promise<number>((resolve) => {
      let code = -1;
      c.on("disconnect", (p) => (code = p.reasonCode ?? -1));
      c.on("close", () => resolve(code));
    });
    const t0 = Date.now();
    const del = await neo(["shell", "key", "del", "doomed", "--data", srv.data]);
    expect(del.code).toBe(0);
    const code = await closed;
    expect(Date.now() - t0).toBeLessThan(1000 + 500 /* CLI start */);
    expect([0x98, 0x87]).toContain(code);
    const again = await pub("--id", "doomed", "--username", k.token, "-t", "x", "-m", "1");
    expect(again.stderr + again.stdout).toContain("not authorised");
  });
});
