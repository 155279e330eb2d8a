// MQTT client helpers shared by the e2e tests: MQTT.js with message collection, the v5
// DISCONNECT reason a connection closed with, PUBACK reason codes, and a raw socket that
// speaks mqtt-packet for the cases no well-behaved client can produce.
import net from "node:net";
import mqtt, { type IClientOptions, type MqttClient } from "mqtt";
import mqttPacket from "mqtt-packet";

interface Msg {
  topic: string;
  payload: string;
  qos: number;
  retain: boolean;
  dup: boolean;
  props?: Record<string, unknown>;
}

/** connect with the message handler attached before CONNACK (queued messages arrive right after it) */
export function connectCollect(url: string, opts: IClientOptions) {
  const c = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 3000, ...opts });
  const got: Msg[] = [];
  let sessionPresent: boolean | undefined;
  c.on("message", (topic, p, pk) =>
    got.push({
      topic,
      payload: p.toString(),
      qos: pk.qos,
      retain: pk.retain,
      dup: pk.dup,
      props: pk.properties as Record<string, unknown> | undefined,
    }),
  );
  const ready = new Promise<void>((resolve, reject) => {
    c.once("connect", (ck) => {
      sessionPresent = ck.sessionPresent;
      resolve();
    });
    c.once("error", reject);
  });
  return { c, got, ready, sessionPresent: () => sessionPresent };
}

/** resolves with the v5 DISCONNECT reason code (or -1) when the connection closes */
export function closedWith(c: MqttClient): Promise<number> {
  return new Promise((resolve) => {
    let code = -1;
    c.on("disconnect", (p) => (code = p.reasonCode ?? -1));
    c.on("close", () => resolve(code));
  });
}

/** publish and return the PUBACK reason code (MQTT.js reports failures as an error with .code) */
export function pubCode(
  c: MqttClient,
  topic: string,
  payload: string | Buffer,
  opts: Record<string, unknown> = {},
): Promise<number> {
  return new Promise((resolve, reject) =>
    c.publish(topic, payload, { qos: 1, ...opts }, (err, pkt) => {
      if (err && (err as { code?: number }).code !== undefined) return resolve((err as { code: number }).code);
      if (err) return reject(err);
      resolve((pkt as { reasonCode?: number } | undefined)?.reasonCode ?? 0);
    }),
  );
}

/** a raw MQTT socket: send packets or bytes, see what comes back and when it closes */
export function rawClient(port: number, protocolVersion = 4) {
  const s = net.connect(port, "127.0.0.1");
  const parser = mqttPacket.parser({ protocolVersion });
  const packets: mqttPacket.Packet[] = [];
  // null while open; a close within the same millisecond as the connect still counts
  let closedAt: number | null = null;
  const t0 = performance.now();
  s.on("data", (d) => parser.parse(Buffer.from(d)));
  parser.on("packet", (p) => packets.push(p));
  s.on("close", () => (closedAt = Math.max(performance.now() - t0, 0.001)));
  s.on("error", () => {});
  return {
    s,
    packets,
    cmds: () => packets.map((p) => p.cmd),
    /** ms from creation to close, 0 while open */
    closedAfter: () => closedAt ?? 0,
    send: (p: object) => s.write(mqttPacket.generate(p as mqttPacket.Packet, { protocolVersion })),
    ready: new Promise<void>((r) => s.on("connect", () => r())),
  };
}
