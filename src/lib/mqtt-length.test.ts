import { describe, expect, test } from "bun:test";
import { readVarInt, type VarInt } from "./mqtt-length.ts";

describe("MQTT remaining length", () => {
  const out: VarInt = { value: 0, end: 0 };
  test("the spec's boundary values in 1 to 4 bytes", () => {
    for (const [bytes, value] of [
      [[0x00], 0],
      [[0x7f], 127],
      [[0x80, 0x01], 128],
      [[0xff, 0x7f], 16_383],
      [[0x80, 0x80, 0x01], 16_384],
      [[0xff, 0xff, 0xff, 0x7f], 268_435_455],
    ] as [number[], number][]) {
      expect(readVarInt(Uint8Array.from([0x30, ...bytes]), 1, out)).toBe("ok");
      expect(out).toEqual({ value, end: 1 + bytes.length });
    }
  });
  test("bytes that end too soon are incomplete; a fifth byte is malformed", () => {
    expect(readVarInt(Uint8Array.from([0x30, 0x80, 0x80]), 1, out)).toBe("incomplete");
    expect(readVarInt(Uint8Array.from([0x30]), 1, out)).toBe("incomplete");
    expect(readVarInt(Uint8Array.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]), 1, out)).toBe("malformed");
  });
});
