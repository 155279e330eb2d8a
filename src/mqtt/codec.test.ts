import { expect, test } from "bun:test";
import fc from "fast-check";
import mqttPacket, { type IPublishPacket } from "mqtt-packet";
import { decodePublish, decodeTiny, encodeAck, encodeConnack, encodePublish } from "./codec.ts";

const pubArb = fc.record({
  topic: fc
    .string({ minLength: 1, maxLength: 40 })
    .filter((t) => !t.includes("+") && !t.includes("#") && !t.includes("\0")),
  payload: fc.uint8Array({ maxLength: 300 }),
  qos: fc.constantFrom(0 as const, 1 as const, 2 as const),
  pid: fc.integer({ min: 1, max: 65535 }),
  retain: fc.boolean(),
  dup: fc.boolean(),
  version: fc.constantFrom(3, 4, 5),
});

test("the fast PUBLISH encoder produces exactly what mqtt-packet generates", () => {
  fc.assert(
    fc.property(pubArb, (m) => {
      const payload = Buffer.from(m.payload);
      const pkt: IPublishPacket = {
        cmd: "publish",
        topic: m.topic,
        payload,
        qos: m.qos,
        retain: m.retain,
        dup: m.qos > 0 && m.dup,
      };
      if (m.qos > 0) pkt.messageId = m.pid;
      const want = mqttPacket.generate(pkt, { protocolVersion: m.version });
      const got = encodePublish(m.topic, payload, m.qos, m.pid, m.retain, m.qos > 0 && m.dup, m.version);
      expect(got.equals(want)).toBe(true);
    }),
  );
});

test("the fast PUBLISH decoder reads back what mqtt-packet generates", () => {
  fc.assert(
    fc.property(pubArb, (m) => {
      const payload = Buffer.from(m.payload);
      const pkt: IPublishPacket = { cmd: "publish", topic: m.topic, payload, qos: m.qos, retain: m.retain, dup: m.dup };
      if (m.qos > 0) pkt.messageId = m.pid;
      const buf = mqttPacket.generate(pkt, { protocolVersion: m.version });
      let i = 1;
      while ((buf[i] as number) & 0x80) i++;
      const d = decodePublish(buf, 0, i + 1, buf.length, m.version);
      if (d === null || d === "malformed") throw new Error(`unexpected ${d}`);
      expect([d.topic, Buffer.from(d.payload as Buffer).equals(payload), d.qos, d.retain, d.dup, d.messageId]).toEqual([
        m.topic,
        true,
        m.qos,
        m.retain,
        m.dup,
        m.qos > 0 ? m.pid : undefined,
      ]);
    }),
  );
});

test("QoS 3 and ill-formed UTF-8 topics are malformed; v5 properties go to the full parser", () => {
  expect(decodePublish(Buffer.from([0x36, 3, 0, 1, 0x61]), 0, 2, 5, 4)).toBe("malformed");
  expect(decodePublish(Buffer.from([0x30, 4, 0, 2, 0xc3, 0x28]), 0, 2, 6, 4)).toBe("malformed");
  expect(decodePublish(Buffer.from([0x30, 6, 0, 1, 0x61, 2, 1, 1]), 0, 2, 8, 5)).toBeNull();
});

test("the fast acknowledgement encoder produces exactly what mqtt-packet generates", () => {
  fc.assert(
    fc.property(
      fc.constantFrom("puback", "pubrec", "pubrel", "pubcomp"),
      fc.integer({ min: 1, max: 65535 }),
      fc.constantFrom(3, 4, 5),
      fc.constantFrom(undefined, 0, 0x10, 0x80, 0x87, 0x92, 0x99),
      (cmd, messageId, version, reasonCode) => {
        if (version !== 5 && reasonCode !== undefined) return;
        const pkt = { cmd, messageId, ...(reasonCode !== undefined ? { reasonCode } : {}) } as Parameters<
          typeof mqttPacket.generate
        >[0];
        const want = mqttPacket.generate(pkt, { protocolVersion: version });
        const got = encodeAck(pkt as { cmd: string; messageId: number; reasonCode?: number }, version);
        expect(got?.equals(want)).toBe(true);
      },
    ),
  );
});

test("the fast v3.1/v3.1.1 CONNACK encoder produces exactly what mqtt-packet generates, and leaves v5 to it", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 255 }),
      fc.boolean(),
      fc.constantFrom(3, 4),
      (returnCode, sessionPresent, version) => {
        const want = mqttPacket.generate({ cmd: "connack", returnCode, sessionPresent }, { protocolVersion: version });
        expect(encodeConnack({ cmd: "connack", returnCode, sessionPresent }, version)?.equals(want)).toBe(true);
      },
    ),
  );
  expect(encodeConnack({ cmd: "connack", returnCode: 0, sessionPresent: false }, 5)).toBeNull();
  expect(encodeConnack({ cmd: "connack", sessionPresent: false }, 4)).toBeNull();
  expect(encodeConnack({ cmd: "puback", returnCode: 0 }, 4)).toBeNull();
});

test("PINGREQ and a bare DISCONNECT are decoded without the full parser; other 2-byte packets are not", () => {
  expect(decodeTiny(Buffer.from([0xc0, 0]), 0, 2)).toEqual({ cmd: "pingreq" });
  expect(decodeTiny(Buffer.from([0xe0, 0]), 0, 2)).toEqual({ cmd: "disconnect" });
  expect(decodeTiny(Buffer.from([0xe1, 0]), 0, 2)).toBeNull(); // reserved flags set: malformed, the parser says so
  expect(decodeTiny(Buffer.from([0xd0, 0]), 0, 2)).toBeNull(); // PINGRESP from a client
  expect(decodeTiny(Buffer.from([0xf0, 0]), 0, 2)).toBeNull(); // AUTH
  expect(decodeTiny(Buffer.from([0xe0, 0]), 0, 3)).toBeNull(); // a v5 DISCONNECT with a reason code
});

test("PUBACK, PUBREC, PUBREL and PUBCOMP of a packet id alone are decoded without the full parser; other forms are not", () => {
  expect(decodeTiny(Buffer.from([0x40, 2, 0x12, 0x34]), 0, 4)).toEqual({ cmd: "puback", messageId: 0x1234 });
  expect(decodeTiny(Buffer.from([0x50, 2, 0, 7]), 0, 4)).toEqual({ cmd: "pubrec", messageId: 7 });
  expect(decodeTiny(Buffer.from([9, 0x62, 2, 0, 8]), 1, 4)).toEqual({ cmd: "pubrel", messageId: 8 });
  expect(decodeTiny(Buffer.from([0x70, 2, 1, 0]), 0, 4)).toEqual({ cmd: "pubcomp", messageId: 256 });
  expect(decodeTiny(Buffer.from([0x60, 2, 0, 1]), 0, 4)).toBeNull(); // PUBREL without its 0010 flags [MQTT-3.6.1-1]
  expect(decodeTiny(Buffer.from([0x41, 2, 0, 1]), 0, 4)).toBeNull(); // reserved flags set
  expect(decodeTiny(Buffer.from([0x40, 2, 0, 0]), 0, 4)).toBeNull(); // packet id 0: the parser decides
  expect(decodeTiny(Buffer.from([0x40, 3, 0, 1, 0x10]), 0, 5)).toBeNull(); // v5 with a reason code
  expect(decodeTiny(Buffer.from([0xb0, 2, 0, 1]), 0, 4)).toBeNull(); // UNSUBACK from a client
});

test("the last topic's string is reused only for the same bytes: same length but other bytes, or ill-formed, are decoded", () => {
  const pub = (topic: Buffer) => Buffer.concat([Buffer.from([0x30, 2 + topic.length, 0, topic.length]), topic]);
  const topicOf = (b: Buffer) => {
    const d = decodePublish(b, 0, 2, b.length, 4);
    return typeof d === "object" && d !== null ? d.topic : d;
  };
  expect(topicOf(pub(Buffer.from("a/bc")))).toBe("a/bc");
  expect(topicOf(pub(Buffer.from("a/bc")))).toBe("a/bc");
  expect(topicOf(pub(Buffer.from("a/bd")))).toBe("a/bd");
  expect(topicOf(pub(Buffer.from([0x61, 0x2f, 0xc3, 0x28])))).toBe("malformed"); // same length, ill-formed
  expect(topicOf(pub(Buffer.from("a/bd")))).toBe("a/bd");
  const long = encodePublish("x".repeat(300), Buffer.alloc(0), 0, 0, false, false, 4); // remaining length in 2 bytes
  const longTopic = (b: Buffer) => decodePublish(b, 0, 3, b.length, 4);
  expect(longTopic(long)).toMatchObject({ topic: "x".repeat(300) }); // past the cache: decoded each time
  expect(longTopic(long)).toMatchObject({ topic: "x".repeat(300) });
  expect(topicOf(pub(Buffer.from("a/bd")))).toBe("a/bd");
});
