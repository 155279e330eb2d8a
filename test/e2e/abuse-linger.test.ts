// Issue 19, attack 8 against a real `neo serve`, the equivalent of Eclipse paho's
// interoperability test `test_flow_control2`: a v5 client keeps sending QoS 2 PUBLISHes
// (never releasing them) beyond neo's Receive Maximum without reading anything, and only
// then reads. It must find DISCONNECT 0x93 (Receive Maximum exceeded), not a broken pipe:
// after a DISCONNECT with a reason neo stops reading, lets the reason drain and keeps
// discarding what the client still sends for a short bounded linger.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import net from "node:net";
import mqttPacket from "mqtt-packet";
import { type Gateway, openGateway } from "./fixture.ts";
import { eventually } from "./harness.ts";

let gw: Gateway & { close(): Promise<void> };
beforeAll(async () => {
  gw = await openGateway();
});
afterAll(() => gw.close());

const RECEIVE_MAXIMUM = 1024; // what neo's CONNACK says
const gen = (p: object) => mqttPacket.generate(p as mqttPacket.Packet, { protocolVersion: 5 });

describe("a refusal the client can read", () => {
  test("a v5 client writing QoS 2 PUBLISHes past Receive Maximum reads DISCONNECT 0x93 afterwards", async () => {
    const s = net.connect({ host: "127.0.0.1", port: gw.srv.mqttPort });
    await new Promise<void>((r, j) => {
      s.once("connect", () => r());
      s.once("error", j);
    });
    // the client does not read until it has written everything (as paho's blocking test does)
    s.pause();
    const errors: string[] = [];
    s.on("error", (e: NodeJS.ErrnoException) => errors.push(e.code ?? e.message));
    const write = (b: Buffer) => new Promise<void>((r) => s.write(b, () => r()));
    await write(
      gen({ cmd: "connect", protocolId: "MQTT", protocolVersion: 5, clean: true, keepalive: 60, clientId: "flow2" }),
    );
    const publishes = (from: number, to: number) => {
      const out: Buffer[] = [];
      for (let k = from; k <= to; k++)
        out.push(gen({ cmd: "publish", topic: "flow/control2", payload: Buffer.alloc(64), qos: 2, messageId: k }));
      return Buffer.concat(out);
    };
    // one past Receive Maximum: the server refuses with DISCONNECT 0x93 ...
    await write(publishes(1, RECEIVE_MAXIMUM + 1));
    await eventually(async () => {
      const m = await (await gw.http("/metrics", {}, null)).text();
      const received = Number(/^neo_mqtt_messages_received_total (\d+)/m.exec(m)?.[1] ?? 0);
      return received >= RECEIVE_MAXIMUM && /^neo_mqtt_connections\{listener="tcp"\} 0$/m.test(m);
    }, 10_000);
    // ... while this client, not reading, goes on writing (paho's test gets a broken pipe here)
    for (let i = 0; i < 5; i++) await write(publishes(RECEIVE_MAXIMUM + 2 + i * 50, RECEIVE_MAXIMUM + 51 + i * 50));
    // now read: everything the server sent, up to its close
    const parser = mqttPacket.parser({ protocolVersion: 5 });
    const packets: mqttPacket.Packet[] = [];
    parser.on("packet", (p) => packets.push(p));
    const closed = new Promise<void>((r) => s.on("close", () => r()));
    s.on("data", (d: Buffer) => parser.parse(d));
    s.resume();
    await closed;
    const disconnect = packets.find((p) => p.cmd === "disconnect") as mqttPacket.IDisconnectPacket | undefined;
    expect(disconnect?.reasonCode).toBe(0x93);
    expect(packets.filter((p) => p.cmd === "pubrec").length).toBe(RECEIVE_MAXIMUM);
    expect(errors).toEqual([]);
  }, 30_000);
});
