// Sessions within bounds: one key making persistent sessions with new client ids gets
// CONNACK 3 (3.1.1) / 0x97 (v5) past Mqtt.MaxPersistentSessionsPerClient; messages
// queued for its offline sessions stop at Mqtt.MaxQueuedBytesPerClient (dropped and
// counted); 3.1.1 persistent sessions end after Mqtt.PersistentSessionExpiry; /metrics
// and one log line a minute (here: at stop) say what was refused, dropped and expired.
// Raw sockets and mqtt-packet, as the flood in the issue.
import { expect, test } from "bun:test";
import net from "node:net";
import mqttPacket from "mqtt-packet";
import { eventually } from "./harness.ts";
import { withGateway } from "./fixture.ts";

/** a persistent session: CONNECT clean=false, SUBSCRIBE # (QoS 1), then away; resolves with the CONNACK code */
function persistentSession(port: number, token: string, clientId: string, protocolVersion: 4 | 5): Promise<number> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, "127.0.0.1");
    const parser = mqttPacket.parser({ protocolVersion });
    const send = (p: object) => sock.write(mqttPacket.generate(p as mqttPacket.Packet, { protocolVersion }));
    let code = -1;
    const timer = setTimeout(() => reject(new Error(`no answer for ${clientId}`)), 10_000);
    const done = () => {
      clearTimeout(timer);
      sock.destroy();
      resolve(code);
    };
    parser.on("packet", (p) => {
      if (p.cmd === "connack") {
        code = protocolVersion === 5 ? (p.reasonCode ?? 0) : (p.returnCode ?? 0);
        if (code !== 0) return done();
        send({ cmd: "subscribe", messageId: 1, subscriptions: [{ topic: "#", qos: 1 }] });
      }
      if (p.cmd === "suback") done();
    });
    sock.on("data", (d: Buffer) => parser.parse(d));
    sock.on("error", () => {});
    sock.on("close", done);
    sock.on("connect", () =>
      send({
        cmd: "connect",
        protocolId: "MQTT",
        protocolVersion,
        clean: false,
        keepalive: 30,
        clientId,
        username: token,
        ...(protocolVersion === 5 ? { properties: { sessionExpiryInterval: 3600 } } : {}),
      }),
    );
  });
}

const metric = (text: string, name: string) => Number(new RegExp(`^${name} (\\d+)`, "m").exec(text)?.[1] ?? NaN);

test("a key's persistent sessions and queued bytes stop at their caps, 3.1.1 sessions expire, /metrics counts it", async () => {
  await withGateway(
    {
      args: ["--mqtt-enable-token-auth", "true", "--http-enable-token-auth", "true"],
      keys: ["flood", "pub"],
      config:
        "Mqtt {\n  MaxPersistentSessionsPerClient = 20\n  MaxQueuedBytesPerClient = 200000\n" +
        '  PersistentSessionExpiry = "3s"\n}\nHttp { MetricsPublic = true }\n',
    },
    async (gw) => {
      const port = gw.srv.mqttPort;
      const flood = gw.keys.flood!.token;
      const codes: number[] = [];
      for (let i = 0; i < 25; i++) codes.push(await persistentSession(port, flood, `f${i}`, 4));
      expect(codes.slice(0, 20)).toEqual(Array(20).fill(0));
      expect(codes.slice(20)).toEqual(Array(5).fill(3)); // 3.1.1: server unavailable
      expect(await persistentSession(port, flood, "f-v5", 5)).toBe(0x97); // v5: quota exceeded
      // another key is not held back by it
      expect(await persistentSession(port, gw.keys.pub!.token, "p0", 4)).toBe(0);
      // 1,000 QoS 1 messages of 200 B for 20 offline sessions: 200,000 queued bytes at most
      const pub = await gw.conn({ clientId: "pub-live", username: gw.keys.pub!.token });
      for (let i = 0; i < 1000; i++) pub.publish(`plant/m${i % 10}`, Buffer.alloc(200, 65), { qos: 1 });
      await pub.publishAsync("plant/last", "x", { qos: 1 });
      await pub.endAsync();
      const m = await (await gw.http("/metrics", {}, null)).text();
      expect(metric(m, "neo_mqtt_persistent_sessions")).toBe(21);
      expect(metric(m, "neo_mqtt_sessions_refused_total")).toBe(6);
      expect(metric(m, "neo_mqtt_queued_dropped_total")).toBeGreaterThan(15_000);
      // the flood key's 20 sessions hold at most its cap; p0 (the other key) holds its own
      expect(metric(m, "neo_mqtt_queued_bytes")).toBeLessThanOrEqual(200_000 + 1001 * 320);
      // the 3.1.1 sessions that asked to live for ever end 3 s after their clients left
      await eventually(async () => {
        const t = await (await gw.http("/metrics", {}, null)).text();
        return metric(t, "neo_mqtt_persistent_sessions") === 0 && metric(t, "neo_mqtt_queued_bytes") === 0;
      }, 15_000);
      // and the key may make new ones again
      expect(await persistentSession(port, flood, "f-again", 4)).toBe(0);
      expect(await gw.srv.stop()).toBe(0);
      expect(gw.srv.logs()).toMatch(
        /MQTT sessions in the last 60s: 6 persistent session\(s\) refused .*; \d+ message\(s\) not queued .*; 21 offline session\(s\) expired/,
      );
    },
  );
}, 60_000);
