// SuperMQ PATs over MQTT: username = the user's name and the PAT as password, cut within a
// second when revoked; channel scopes on a channel's topics; a PAT's persistent session.
import { beforeAll, describe, expect, test } from "bun:test";
import { eventually, neo, run, type Server } from "./harness.ts";
import { usePatGateway } from "./pats-kit.ts";
import { connack } from "./mqtt-connack.ts";
import mqtt from "mqtt";

const gw = usePatGateway();
const { curl } = gw;
let srv: Server;
let access: string;
beforeAll(() => {
  ({ srv, access } = gw.st);
});
describe("a PAT as an MQTT password", () => {
  test("MQTT: username = the user's name, password = the PAT; a revoke cuts the live session within a second", async () => {
    const p = (
      await curl("POST", "/pats", {
        bearer: access,
        json: {
          name: "mqtt",
          scopes: [
            { entity_type: "topics", operation: "publish", entity_id: "plant/#" },
            { entity_type: "topics", operation: "subscribe", entity_id: "plant/#" },
          ],
        },
      })
    ).body as Record<string, string>;
    const ok = await run([
      "mosquitto_pub",
      "-h",
      "127.0.0.1",
      "-p",
      String(srv.mqttPort),
      "-u",
      "alice",
      "-P",
      p.secret!,
      "-t",
      "plant/1",
      "-m",
      "x",
      "-q",
      "1",
    ]);
    expect(ok.code).toBe(0);
    // another user's name with this PAT is refused
    expect(await connack({ port: srv.mqttPort, clientId: "x1", username: "bob", password: p.secret! })).toBe(5);
    // a live session (mosquitto_sub waits) is cut when the PAT is revoked
    const sub = Bun.spawn(
      [
        "mosquitto_sub",
        "-h",
        "127.0.0.1",
        "-p",
        String(srv.mqttPort),
        "-u",
        "alice",
        "-P",
        p.secret!,
        "-t",
        "plant/#",
        "-V",
        "mqttv5",
        "-i",
        "sub1",
      ],
      { stdout: "pipe", stderr: "pipe" },
    );
    try {
      await eventually(async () => {
        const r = await neo([
          "shell",
          "audit",
          "--data",
          srv.data,
          "--user",
          "alice",
          "--format",
          "json",
          "--kind",
          "auth",
        ]);
        return r.stdout.includes('"target": "sub1"');
      }, 5000);
      expect(sub.exitCode).toBeNull(); // connected and subscribed
      expect((await curl("PATCH", `/pats/${p.id}/revoke`, { bearer: access })).status).toBe(204);
      const t0 = performance.now();
      await Promise.race([sub.exited, Bun.sleep(3000)]);
      expect(sub.exitCode).not.toBeNull();
      expect(performance.now() - t0).toBeLessThan(2000);
    } finally {
      sub.kill();
      await sub.exited;
    }
  });
});

describe("a PAT on a channel's MQTT topics", () => {
  const SENML = '[{"bn":"pat:","n":"temp","u":"Cel","v":21.5,"t":1700000000}]';
  const patWith = async (name: string, scopes: { entity_type: string; operation: string; entity_id: string }[]) =>
    ((await curl("POST", "/pats", { bearer: access, json: { name, scopes } })).body as Record<string, string>).secret!;
  const mq = (tool: "mosquitto_pub" | "mosquitto_sub", secret: string, ...args: string[]) =>
    run([tool, "-h", "127.0.0.1", "-p", String(srv.mqttPort), "-u", "alice", "-P", secret, "-V", "mqttv5", ...args], {
      timeoutMs: 10_000,
    });

  test("channels:publish/subscribe scopes let mosquitto publish (stored) and subscribe; without them 0x87", async () => {
    const secret = await patWith("chan", [
      { entity_type: "channels", operation: "publish", entity_id: "plant" },
      { entity_type: "channels", operation: "subscribe", entity_id: "plant" },
    ]);
    const sub = mq("mosquitto_sub", secret, "-t", "channels/plant/messages/#", "-C", "1", "-W", "8", "-i", "pat-sub");
    await Bun.sleep(700);
    const pub = await mq("mosquitto_pub", secret, "-t", "channels/plant/messages/t", "-m", SENML, "-q", "1");
    expect(pub.code).toBe(0);
    const got = await sub;
    expect(got.stdout.trim()).toBe(SENML);
    const rows = await eventually(async () => {
      const r = await curl(
        "GET",
        `/db/query?q=${encodeURIComponent("select name, value from PLANT where name = 'pat:temp'")}`,
        {
          bearer: access,
        },
      );
      const data = (r.body.data as { rows: unknown[][] } | undefined)?.rows;
      return data && data.length > 0 ? data : undefined;
    });
    expect(rows).toEqual([["pat:temp", 21.5]]);

    // a PAT without the channel scopes is refused: PUBACK 0x87, SUBACK 0x87
    const other = await patWith("nochan", [{ entity_type: "topics", operation: "publish", entity_id: "plant/#" }]);
    const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${srv.mqttPort}`, {
      clientId: "pat-nochan",
      username: "alice",
      password: other,
      protocolVersion: 5,
      reconnectPeriod: 0,
    });
    try {
      const puback = await new Promise<number>((resolve) =>
        c.publish("channels/plant/messages", SENML, { qos: 1 }, (err, pkt) =>
          resolve(
            err
              ? ((err as { code?: number }).code ?? -1)
              : ((pkt as { reasonCode?: number } | undefined)?.reasonCode ?? 0),
          ),
        ),
      );
      expect(puback).toBe(0x87);
      const suback = await c.subscribeAsync("channels/plant/messages", { qos: 1 }).then(
        (g) => g[0]?.qos,
        (e: { packet?: { granted?: number[] } }) => e.packet?.granted?.[0],
      );
      expect(suback).toBe(0x87);
    } finally {
      await c.endAsync();
    }
  });
});

describe("a PAT's persistent MQTT session", () => {
  const connect = (secret: string, clean: boolean) =>
    mqtt.connectAsync(`mqtt://127.0.0.1:${srv.mqttPort}`, {
      clientId: "pat-persist",
      username: "alice",
      password: secret,
      protocolVersion: 5,
      clean,
      properties: { sessionExpiryInterval: 3600 },
      reconnectPeriod: 0,
    });
  const present = async (secret: string) => {
    const c = await connect(secret, false);
    const p = (c as unknown as { connackPacket?: { sessionPresent?: boolean } }).connackPacket?.sessionPresent;
    await c.endAsync();
    return p;
  };
  const patOf = async (name: string) =>
    (
      await curl("POST", "/pats", {
        bearer: access,
        json: { name, scopes: [{ entity_type: "topics", operation: "subscribe", entity_id: "plant/#" }] },
      })
    ).body as Record<string, string>;

  test("outlives the orphan sweep while the PAT is valid, ends when it is revoked", async () => {
    const a = await patOf("persist-a");
    const c = await connect(a.secret!, true);
    await c.subscribeAsync("plant/#", { qos: 1 });
    await Bun.sleep(600); // the re-check sees the live session
    await c.endAsync();
    await patOf("persist-b"); // a registry change: the sweep runs at once
    await Bun.sleep(800);
    expect(await present(a.secret!)).toBe(true);
    const b = await patOf("persist-c");
    await Bun.sleep(600);
    expect((await curl("PATCH", `/pats/${a.id}/revoke`, { bearer: access })).status).toBe(204);
    await Bun.sleep(800);
    expect(await present(b.secret!)).toBe(false);
  });
});
