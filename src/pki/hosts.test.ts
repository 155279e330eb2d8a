import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { isIP as nodeIsIP } from "node:net";
import { isIP } from "../lib/ip.ts";
import { serverSans } from "./hosts.ts";

describe("isIP", () => {
  test("agrees with node:net isIP on generated IPv4 and IPv6 addresses and on arbitrary text", () => {
    const samples = fc.oneof(
      fc.ipV4(),
      fc.ipV4Extended(),
      fc.ipV6(),
      fc.string(),
      fc.stringMatching(/^[0-9a-fA-F:.%a-z]{0,40}$/),
    );
    fc.assert(
      fc.property(samples, (s) => isIP(s) === nodeIsIP(s)),
      { numRuns: 5000 },
    );
  });

  test("agrees with node:net isIP on edge cases", () => {
    const cases = [
      "127.0.0.1",
      "0.0.0.0",
      "255.255.255.255",
      "256.0.0.1",
      "01.2.3.4",
      "1.2.3",
      "1.2.3.4.5",
      " 1.2.3.4",
      "::",
      "::1",
      "1::",
      "::ffff:1.2.3.4",
      "::1.2.3.4",
      "1:2:3:4:5:6:7:8",
      "1:2:3:4:5:6:7:8:9",
      "1:2:3:4:5:6:7::",
      "12345::1",
      "fe80::1%eth0",
      "fe80::1%",
      "fe80::1%a b",
      "[::1]",
      ":::",
      "1:::2",
      "g::1",
      "localhost",
      "",
      "1.2.3.4%eth0",
    ];
    for (const c of cases) expect([c, isIP(c) as number]).toEqual([c, nodeIsIP(c)]);
  });

  test("server SANs still sort addresses and names apart", () => {
    expect(serverSans(["10.1.2.3", "gw.example.org", "fe80::1"])).toEqual({
      dns: ["gw.example.org", "localhost"],
      ip: ["10.1.2.3", "127.0.0.1", "::1", "fe80::1"],
    });
  });
});
