import { expect, test } from "bun:test";
import mqttPacket, { type Packet } from "mqtt-packet";
import { parsePackets, type PacketSink } from "./parser.ts";

function collect(): PacketSink & { packets: Packet[]; errors: string[] } {
  const packets: Packet[] = [];
  const errors: string[] = [];
  return { packets, errors, onPacket: (p) => packets.push(p), onParseError: (e) => errors.push(e.message) };
}

const connect = (version: 4 | 5, clientId: string) =>
  mqttPacket.generate({
    cmd: "connect",
    protocolId: "MQTT",
    protocolVersion: version,
    clientId,
    clean: true,
    keepalive: 0,
  });

test("a malformed packet from one connection leaves the shared parser clean for the next", () => {
  const bad = collect();
  // CONNECT whose protocol name is cut short inside the declared length
  parsePackets(Buffer.from([0x10, 0x06, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54]), 4, bad);
  expect(bad.errors.length).toBe(1);
  const good = collect();
  parsePackets(connect(4, "after-bad"), 4, good);
  expect(good.errors).toEqual([]);
  expect(good.packets.map((p) => p.cmd)).toEqual(["connect"]);
  expect((good.packets[0] as Extract<Packet, { cmd: "connect" }>).clientId).toBe("after-bad");
});

test("packets behind a v5 CONNECT in the same buffer are read as v5, and the next call uses its own version", () => {
  const a = collect();
  const v5Ack = mqttPacket.generate({ cmd: "puback", messageId: 7, reasonCode: 0x10 }, { protocolVersion: 5 });
  parsePackets(Buffer.concat([connect(5, "five"), v5Ack]), 4, a);
  expect(a.errors).toEqual([]);
  expect(a.packets.map((p) => p.cmd)).toEqual(["connect", "puback"]);
  expect((a.packets[1] as Extract<Packet, { cmd: "puback" }>).reasonCode).toBe(0x10);
  const b = collect();
  parsePackets(mqttPacket.generate({ cmd: "puback", messageId: 9 }, { protocolVersion: 4 }), 4, b);
  expect(b.errors).toEqual([]);
  expect(b.packets.map((p) => p.cmd)).toEqual(["puback"]);
});

test("a packet handler that parses for another connection gets its packets delivered to the right sink", () => {
  const inner = collect();
  const outer = collect();
  const outerSink: PacketSink = {
    onPacket: (p) => {
      outer.packets.push(p);
      parsePackets(connect(4, "inner"), 4, inner);
    },
    onParseError: outer.onParseError,
  };
  parsePackets(Buffer.concat([connect(4, "outer"), mqttPacket.generate({ cmd: "pingreq" })]), 4, outerSink);
  expect(outer.packets.map((p) => p.cmd)).toEqual(["connect", "pingreq"]);
  expect(inner.packets.map((p) => (p as Extract<Packet, { cmd: "connect" }>).clientId)).toEqual(["inner", "inner"]);
});
