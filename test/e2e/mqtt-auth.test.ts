// MQTT token auth end to end: machbase-neo's documented mosquitto_pub commands against a
// token-auth broker, rows queryable over HTTP at once, WebSocket, bad payloads and the packet size limit.
import { beforeAll, describe, expect, test } from "bun:test";
import mqtt from "mqtt";
import { cleanup, eventually, genKey, run, startServer, tempDir, type Server } from "./harness.ts";
import { type Key, TOKEN_AUTH, useGateway } from "./fixture.ts";

describe("MQTT with token auth", () => {
  const gw = useGateway({ args: TOKEN_AUTH, keys: ["mqtt-api-app01"] });
  let srv: Server;
  let app: Key;
  beforeAll(() => {
    srv = gw.srv;
    app = gw.keys["mqtt-api-app01"]!;
  });

  const pub = (...args: string[]) =>
    run(["mosquitto_pub", "-h", srv.mqttHost, "-p", String(srv.mqttPort), ...args], { timeoutMs: 10000 });

  const query = async (q: string) => {
    const r = await fetch(`${srv.httpUrl}/db/query?q=${encodeURIComponent(q)}`, {
      headers: { Authorization: `Bearer ${app.token}` },
    });
    return (await r.json()) as { success: boolean; reason: string; data: { rows: unknown[][] } };
  };

  test("it logs that MQTT token auth is on and where it listens", async () => {
    await srv.waitForLog(/MQTT token authentication enabled/);
    await srv.waitForLog(new RegExp(`MQTT Listen tcp://127\\.0\\.0\\.1:${srv.mqttPort}`));
  });

  test("machbase-neo's mosquitto_pub with the token as username writes a row that HTTP can query at once", async () => {
    const r = await pub(
      "--username",
      app.token,
      "-t",
      "db/write/EXAMPLE",
      "-m",
      '[ "wave.pi", 1675851592000000000, 3.1415]',
      "-q",
      "1",
    );
    expect(r.code).toBe(0);
    const q = await query("select NAME, TIME, VALUE from EXAMPLE where NAME = 'wave.pi'");
    expect(q.data.rows).toEqual([["wave.pi", 1675851592000000000, 3.1415]]);
  });

  test("machbase-neo's form with --id equal to the key id works too", async () => {
    const r = await pub(
      "--id",
      "mqtt-api-app01",
      "--username",
      app.token,
      "-t",
      "db/write/EXAMPLE",
      "-m",
      '[ "wave.id", 1675851592000000000, 1]',
    );
    expect(r.code).toBe(0);
    await eventually(
      async () => (await query("select count(*) from EXAMPLE where NAME = 'wave.id'")).data.rows[0]?.[0] === 1,
    );
  });

  test("without a token mosquitto_pub prints Connection Refused: not authorised", async () => {
    const r = await pub("-t", "db/write/EXAMPLE", "-m", '[ "wave.pi", 1675851592000000000, 3.1415]');
    expect(r.code).not.toBe(0);
    expect(r.stderr + r.stdout).toContain("not authorised");
  });

  test("a wrong token is refused the same way, on v3.1.1 and v5", async () => {
    const bad = "mqtt-api-app01:b:" + "0".repeat(64);
    const r3 = await pub("--username", bad, "-t", "x", "-m", "1");
    expect(r3.stderr + r3.stdout).toContain("not authorised");
    const r5 = await pub("-V", "mqttv5", "--username", bad, "-t", "x", "-m", "1");
    expect(r5.code).not.toBe(0);
    expect((r5.stderr + r5.stdout).toLowerCase()).toContain("not authorized");
  });

  test("an expired key cannot connect", async () => {
    const k = await genKey(srv.data, "expired-mqtt", ["--not-after", "2020-01-01T00:00:00Z"]);
    const r = await pub("--username", k.token, "-t", "x", "-m", "1");
    expect(r.stderr + r.stdout).toContain("not authorised");
  });
  test("a payload that is not JSON is refused with PUBACK 0x99 and a reply; the connection stays up", async () => {
    const c = await mqtt.connectAsync(`mqtt://${srv.mqttHost}:${srv.mqttPort}`, {
      username: app.token,
      protocolVersion: 5,
      reconnectPeriod: 0,
    });
    try {
      await c.subscribeAsync("replies/bad", { qos: 1 });
      const got = new Promise<string>((resolve) => c.on("message", (_t, p) => resolve(p.toString())));
      const puback = await new Promise<number>((resolve, reject) =>
        c.publish(
          "db/write/EXAMPLE",
          "this is not json",
          { qos: 1, properties: { responseTopic: "replies/bad" } },
          (err, pkt) => {
            // MQTT.js reports a failure reason code as an error carrying the code
            if (err && (err as { code?: number }).code !== undefined) return resolve((err as { code: number }).code);
            if (err) return reject(err);
            resolve((pkt as { reasonCode?: number } | undefined)?.reasonCode ?? 0);
          },
        ),
      );
      expect(puback).toBe(0x99);
      const reply = JSON.parse(await got);
      expect(reply.success).toBe(false);
      expect(c.connected).toBe(true);
      // and a good one on the same connection still works
      await c.publishAsync("db/write/EXAMPLE", '["wave.after", 1675851599000000000, 9]', { qos: 1 });
    } finally {
      await c.endAsync();
    }
  });

  test("a v5 response topic gets the machbase-style success reply", async () => {
    const c = await mqtt.connectAsync(`mqtt://${srv.mqttHost}:${srv.mqttPort}`, {
      username: app.token,
      protocolVersion: 5,
      reconnectPeriod: 0,
    });
    try {
      await c.subscribeAsync("replies/ok", { qos: 1 });
      const got = new Promise<string>((resolve) => c.on("message", (_t, p) => resolve(p.toString())));
      await c.publishAsync(
        "db/write/EXAMPLE",
        '[["wave.r", 1675851600000000000, 1],["wave.r", 1675851601000000000, 2]]',
        { qos: 1, properties: { responseTopic: "replies/ok" } },
      );
      const reply = JSON.parse(await got);
      expect(reply).toMatchObject({ success: true, reason: "success, 2 record(s) inserted" });
    } finally {
      await c.endAsync();
    }
  });

  test("csv suffix and db/append land rows; db/query answers on the reply topic", async () => {
    expect(
      (
        await pub(
          "--username",
          app.token,
          "-q",
          "1",
          "-t",
          "db/write/EXAMPLE:csv",
          "-m",
          "wave.csv,1675851610000000000,4.5",
        )
      ).code,
    ).toBe(0);
    expect(
      (
        await pub(
          "--username",
          app.token,
          "-q",
          "1",
          "-t",
          "db/append/EXAMPLE",
          "-m",
          '["wave.app", 1675851611000000000, 5]',
        )
      ).code,
    ).toBe(0);
    const c = await mqtt.connectAsync(`mqtt://${srv.mqttHost}:${srv.mqttPort}`, {
      username: app.token,
      reconnectPeriod: 0,
    });
    try {
      await c.subscribeAsync("my/answers", { qos: 1 });
      const got = new Promise<string>((resolve) => c.on("message", (_t, p) => resolve(p.toString())));
      await c.publishAsync(
        "db/query",
        JSON.stringify({
          q: "select NAME, VALUE from EXAMPLE where NAME in ('wave.csv','wave.app') order by NAME",
          reply: "my/answers",
        }),
        { qos: 1 },
      );
      const ans = JSON.parse(await got);
      expect(ans.success).toBe(true);
      expect(ans.data.rows).toEqual([
        ["wave.app", 5],
        ["wave.csv", 4.5],
      ]);
    } finally {
      await c.endAsync();
    }
  });

  test("mosquitto_sub receives what mosquitto_pub sends, retained included", async () => {
    await pub("--username", app.token, "-t", "sensors/room1", "-m", "21.5", "-r", "-q", "1");
    const r = await run([
      "mosquitto_sub",
      "-h",
      srv.mqttHost,
      "-p",
      String(srv.mqttPort),
      "--username",
      app.token,
      "-t",
      "sensors/#",
      "-C",
      "1",
      "-W",
      "5",
    ]);
    expect(r.stdout.trim()).toBe("21.5");
  });

  test("no client may publish to $SYS", async () => {
    const c = await mqtt.connectAsync(`mqtt://${srv.mqttHost}:${srv.mqttPort}`, {
      username: app.token,
      protocolVersion: 5,
      reconnectPeriod: 0,
    });
    try {
      const rc = await new Promise<number>((resolve) =>
        c.publish("$SYS/broker/uptime", "0", { qos: 1 }, (err, pkt) =>
          resolve(
            err
              ? ((err as { code?: number }).code ?? -1)
              : ((pkt as { reasonCode?: number } | undefined)?.reasonCode ?? 0),
          ),
        ),
      );
      expect(rc).toBe(0x87);
    } finally {
      await c.endAsync();
    }
  });

  test("MQTT over WebSocket on /mqtt applies the same token rule", async () => {
    const url = `ws://${srv.ready.http}/mqtt`;
    await expect(mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 3000 })).rejects.toThrow();
    const c = await mqtt.connectAsync(url, { username: app.token, reconnectPeriod: 0 });
    try {
      await c.publishAsync("db/write/EXAMPLE", '["wave.ws", 1675851620000000000, 7]', { qos: 1 });
      const q = await query("select VALUE from EXAMPLE where NAME = 'wave.ws'");
      expect(q.data.rows).toEqual([[7]]);
    } finally {
      await c.endAsync();
    }
  });
});

describe("MQTT limits", () => {
  test("a packet over Mqtt.MaxMessageSizeLimit closes the connection with 0x95 on v5", async () => {
    const dir = tempDir();
    const conf = `${dir}/neo.conf`;
    await Bun.write(conf, "Mqtt {\n  MaxMessageSizeLimit = 1024\n}\n");
    const srv = await startServer(["--config", conf]);
    try {
      const c = await mqtt.connectAsync(`mqtt://${srv.mqttHost}:${srv.mqttPort}`, {
        protocolVersion: 5,
        reconnectPeriod: 0,
      });
      const closed = new Promise<number>((resolve) => {
        let code = -1;
        c.on("disconnect", (p) => (code = p.reasonCode ?? -1));
        c.on("close", () => resolve(code));
      });
      c.publish("big/topic", Buffer.alloc(4096, 1), { qos: 0 });
      expect(await closed).toBe(0x95);
      // the broker goes on
      const d = await mqtt.connectAsync(`mqtt://${srv.mqttHost}:${srv.mqttPort}`, { reconnectPeriod: 0 });
      await d.endAsync();
    } finally {
      await srv.stop();
      cleanup(srv.data);
      cleanup(dir);
    }
  });
});
