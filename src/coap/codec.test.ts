import { expect, test } from "bun:test";
import fc from "fast-check";
import { type CoapMessage, decode, encode, readUint, uintValue } from "./codec.ts";
import { blockOption, CODE, OPT, readBlock, szxFor } from "./options.ts";
import { decodeFrame, encodeFrame, frameSize } from "./tcp-framing.ts";

const option = fc.record({
  number: fc.oneof(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 65535 })),
  value: fc.uint8Array({ maxLength: 300 }),
});
const sorted = (os: { number: number; value: Uint8Array }[]) => [...os].sort((a, b) => a.number - b.number);
const message: fc.Arbitrary<CoapMessage> = fc.record({
  type: fc.constantFrom(0 as const, 1 as const, 2 as const, 3 as const),
  code: fc.integer({ min: 1, max: 255 }),
  messageId: fc.integer({ min: 0, max: 0xffff }),
  token: fc.uint8Array({ maxLength: 8 }),
  options: fc.array(option, { maxLength: 8 }).map(sorted),
  payload: fc.uint8Array({ maxLength: 2000 }),
});

test("every message decodes back to itself (options in order, payload intact)", () => {
  fc.assert(
    fc.property(message, (m) => {
      const r = decode(encode(m));
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      expect(r.msg.type).toBe(m.type);
      expect(r.msg.code).toBe(m.code);
      expect(r.msg.messageId).toBe(m.messageId);
      expect([...r.msg.token]).toEqual([...m.token]);
      expect(r.msg.options.map((o) => [o.number, [...o.value]])).toEqual(
        m.options.map((o) => [o.number, [...o.value]]),
      );
      expect([...r.msg.payload]).toEqual([...m.payload]);
    }),
  );
});

test("RFC 8323 frames round-trip at every length class (0-12, 13-268, 269-65804, 65805+)", () => {
  const frame = fc.record({
    code: fc.integer({ min: 0, max: 255 }),
    token: fc.uint8Array({ maxLength: 8 }),
    options: fc.array(option, { maxLength: 4 }).map(sorted),
    payload: fc.oneof(
      fc.uint8Array({ maxLength: 20 }),
      fc.uint8Array({ maxLength: 400 }),
      fc.uint8Array({ minLength: 65_800, maxLength: 66_000 }),
    ),
  });
  fc.assert(
    fc.property(frame, (m) => {
      const b = encodeFrame(m);
      expect(frameSize(b, 1 << 20)).toBe(b.length);
      if (b[0]! >> 4 >= 13) expect(frameSize(b.subarray(0, 1), 1 << 20)).toBe("more");
      const d = decodeFrame(b);
      if (typeof d === "string") throw new Error(d);
      expect(d.code).toBe(m.code);
      expect([...d.token]).toEqual([...m.token]);
      expect(d.options.length).toBe(m.options.length);
      expect(d.payload.length).toBe(m.payload.length);
    }),
    { numRuns: 60 },
  );
});

test("malformed datagrams and frames never throw: each is a value with a reason", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
      const r = decode(b);
      if (!r.ok) expect(typeof r.reason).toBe("string");
      const size = frameSize(b, 1024);
      if (typeof size === "number" && size <= b.length) decodeFrame(b.subarray(0, size));
    }),
    { numRuns: 5000 },
  );
  // the cases RFC 7252 §3 names
  expect(decode(new Uint8Array([0x40, 1, 0]))).toMatchObject({ ok: false, reason: "shorter than a header" });
  expect(decode(new Uint8Array([0x80, 1, 0, 1]))).toMatchObject({ ok: false, reason: "not CoAP version 1" });
  expect(decode(new Uint8Array([0x49, 1, 0, 1]))).toMatchObject({ ok: false, header: { type: 0, messageId: 1 } });
  expect(decode(new Uint8Array([0x40, 0, 0, 1, 0xff]))).toMatchObject({ ok: false, header: { messageId: 1 } });
  expect(decode(new Uint8Array([0x40, 1, 0, 1, 0xff]))).toMatchObject({
    ok: false,
    reason: "payload marker followed by no payload",
  });
  expect(decode(new Uint8Array([0x40, 1, 0, 1, 0xf0]))).toMatchObject({
    ok: false,
    reason: "reserved option nibble 15",
  });
  expect(decode(new Uint8Array([0x40, 1, 0, 1, 0xd1, 1]))).toMatchObject({ ok: false });
  expect(frameSize(new Uint8Array([0xf0, 0xff, 0xff, 0xff, 0xff]), 1 << 20)).toMatch(/over the/);
});

test("an empty message is exactly four bytes", () => {
  expect(decode(new Uint8Array([0x40, 0, 0x12, 0x34]))).toMatchObject({
    ok: true,
    msg: { code: 0, messageId: 0x1234 },
  });
});

test("uint options are shortest big-endian, and Block values carry num, M and SZX", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 0xffffffff }), (n) => {
      const v = uintValue(n);
      expect(readUint(v)).toBe(n);
      if (n > 0) expect(v[0]).not.toBe(0);
    }),
  );
  expect(uintValue(0).length).toBe(0);
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 0xfffff }),
      fc.boolean(),
      fc.integer({ min: 0, max: 6 }),
      (num, more, szx) => {
        const b = readBlock({ options: [blockOption(OPT.BLOCK1, { num, more, szx })] }, OPT.BLOCK1);
        expect(b).toEqual({ num, more, szx });
      },
    ),
  );
  expect(readBlock({ options: [{ number: OPT.BLOCK2, value: new Uint8Array([0x0f]) }] }, OPT.BLOCK2)).toBeNull();
  expect(szxFor(1024)).toBe(6);
  expect(szxFor(100)).toBe(2);
  expect(CODE.REQUEST_ENTITY_TOO_LARGE).toBe(0x8d);
});
