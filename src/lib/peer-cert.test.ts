import { expect, test } from "bun:test";
import { peerCertOf } from "./peer-cert.ts";

test("a peer certificate's fingerprint and serial come out lower case without colons, the CN as text", () => {
  expect(
    peerCertOf({
      subject: { CN: ["dev1", "x"] },
      fingerprint256: "AB:CD:01",
      serialNumber: "0A1B2C",
      valid_to: "Jan  1 00:00:00 2030 GMT",
    }),
  ).toEqual({
    cn: "dev1",
    fingerprint256: "abcd01",
    serialNumber: "0a1b2c",
    validTo: new Date("2030-01-01T00:00:00Z"),
  });
  expect(peerCertOf(null)).toBeUndefined();
  expect(peerCertOf({ subject: { CN: "a" } })).toBeUndefined();
});
