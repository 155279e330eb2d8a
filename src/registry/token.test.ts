import { describe, expect, test } from "bun:test";
import { createHmac } from "node:crypto";
import { createTokenHasher, newToken, tokenClientId } from "./token.ts";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe("token hashing", () => {
  test("the token hash is HMAC-SHA256 and matches a fixed vector, so existing registries keep verifying", () => {
    const key = Buffer.from("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", "hex");
    const token = "sensor-01:b:00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
    // computed independently: printf '%s' "$token" | openssl dgst -sha256 -mac HMAC -macopt hexkey:<key>
    expect(hex(createTokenHasher(key)(token))).toBe("e7bcf0b0729ff39d44be46afc01782e0c37284b9c94e2ae73919fb2aef4164d9");
  });

  test("the token hash matches RFC 4231 test case 2", () => {
    expect(hex(createTokenHasher(Buffer.from("Jefe"))("what do ya want for nothing?"))).toBe(
      "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
    );
  });

  test("the token hash is byte-identical to node's createHmac for random keys and tokens", () => {
    for (let i = 0; i < 50; i++) {
      const key = Buffer.from(crypto.getRandomValues(new Uint8Array(32)));
      const token = newToken(`dev-${i}`);
      const ours = createTokenHasher(key)(token);
      expect(ours.length).toBe(32);
      expect(hex(ours)).toBe(createHmac("sha256", key).update(token).digest("hex"));
    }
  });

  test("new tokens carry the client id and 64 random hex digits", () => {
    const a = newToken("dev");
    expect(a).toMatch(/^dev:b:[0-9a-f]{64}$/);
    expect(tokenClientId(a)).toBe("dev");
    expect(newToken("dev")).not.toBe(a);
  });
});
