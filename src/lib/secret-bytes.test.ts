import { describe, expect, test } from "bun:test";
import { randomBytes, randomHex, sameBytes } from "./secret-bytes.ts";

describe("hash comparison", () => {
  test("equal hashes compare equal; any differing byte, or a different length, does not", () => {
    const a = randomBytes(32);
    expect(sameBytes(a, a.slice())).toBe(true);
    for (const i of [0, 1, 15, 31]) {
      const b = a.slice();
      b[i] = b[i]! ^ 0x01;
      expect(sameBytes(a, b)).toBe(false);
    }
    expect(sameBytes(a, a.slice(0, 31))).toBe(false);
    expect(sameBytes(new Uint8Array(0), new Uint8Array(0))).toBe(true);
  });
});

describe("random secrets", () => {
  test("randomHex gives 2n lowercase hex characters and never the same twice", () => {
    const a = randomHex(16);
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(randomHex(16)).not.toBe(a);
  });
});
