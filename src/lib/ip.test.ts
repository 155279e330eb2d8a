import { describe, expect, test } from "bun:test";
import { BlockList } from "node:net";
import { addressGroup, addressSet, forwardedClient, isLoopbackHost, rangeProblem } from "./ip.ts";

describe("address groups", () => {
  test("IPv4 stays itself, IPv4-mapped IPv6 is its IPv4, IPv6 is cut to its prefix", () => {
    expect(addressGroup("192.0.2.7")).toBe("192.0.2.7");
    expect(addressGroup("::ffff:192.0.2.7")).toBe("192.0.2.7");
    expect(addressGroup("2001:db8:1:2:3:4:5:6")).toBe("2001:db8:1:2::/64");
    expect(addressGroup("2001:db8::1")).toBe("2001:db8::/64");
    expect(addressGroup("::1")).toBe("::/64");
    expect(addressGroup("2001:db8:1:2:3:4:5:6", 48)).toBe("2001:db8:1::/48");
    expect(addressGroup("2001:db8:1:2:3:4:5:6", 128)).toBe("2001:db8:1:2:3:4:5:6");
    expect(addressGroup("fe80::1%eth0")).toBe("fe80::/64");
    expect(addressGroup("not an address")).toBe("not an address");
  });

  test("address lists take addresses and ranges, and say what is wrong", () => {
    expect(rangeProblem("10.0.0.0/8")).toBeNull();
    expect(rangeProblem("::1")).toBeNull();
    expect(rangeProblem("10.0.0.0/33")).toContain("0-32");
    expect(rangeProblem("example.com")).toContain("not an IPv4 or IPv6");
    const s = addressSet(["10.0.0.0/8", "2001:db8::/32", "192.0.2.1"]);
    expect(s.has("10.9.9.9")).toBe(true);
    expect(s.has("::ffff:10.9.9.9")).toBe(true);
    expect(s.has("2001:db8:ffff::1")).toBe(true);
    expect(s.has("192.0.2.1")).toBe(true);
    expect(s.has("192.0.2.2")).toBe(false);
    expect(addressSet([]).has("10.0.0.1")).toBe(false);
  });

  test("matches as node's BlockList does (which neo no longer loads), prefixes of every length", () => {
    const rules = ["10.0.0.0/8", "172.16.0.0/12", "192.0.2.128/25", "198.51.100.7", "0.0.0.0/0"];
    const rules6 = ["2001:db8::/32", "2001:db8:1:2::/63", "fe80::/10", "::1", "2001:db8:abcd::/47"];
    const addrs = [
      ...["10.1.2.3", "11.0.0.1", "172.31.255.255", "172.32.0.0", "192.0.2.127", "192.0.2.128", "192.0.2.255"],
      ...["198.51.100.7", "198.51.100.8", "::ffff:10.1.2.3", "::ffff:172.32.0.1"],
      ...["2001:db8::1", "2001:db9::1", "2001:db8:1:3::9", "2001:db8:1:4::9", "fe80::1", "fec0::1", "::1", "::2"],
      ...["2001:db8:abcc::1", "2001:db8:abcd:1::1", "2001:db8:abce::1", "not an address", ""],
    ];
    for (const set of [rules.slice(0, 4), rules, rules6, [...rules.slice(0, 4), ...rules6]]) {
      const node = new BlockList();
      for (const r of set) {
        const [a = "", bits] = r.split("/");
        const type = a.includes(":") ? "ipv6" : "ipv4";
        if (bits === undefined) node.addAddress(a, type);
        else node.addSubnet(a, Number(bits), type);
      }
      const ours = addressSet(set);
      for (const a of addrs) {
        const plain = a.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, "$1");
        const want =
          plain === "" || plain === "not an address" ? false : node.check(plain, plain.includes(":") ? "ipv6" : "ipv4");
        expect([set.join(" "), a, ours.has(a)]).toEqual([set.join(" "), a, want]);
      }
    }
  });

  test("X-Forwarded-For is believed only from a trusted proxy, right-most untrusted hop first", () => {
    const proxies = addressSet(["127.0.0.1", "10.0.0.0/8"]);
    expect(forwardedClient("127.0.0.1", "203.0.113.5", proxies)).toBe("203.0.113.5");
    expect(forwardedClient("127.0.0.1", "198.51.100.1, 203.0.113.5, 10.1.1.1", proxies)).toBe("203.0.113.5");
    expect(forwardedClient("192.0.2.1", "203.0.113.5", proxies)).toBe("192.0.2.1");
    expect(forwardedClient("127.0.0.1", null, proxies)).toBe("127.0.0.1");
    expect(forwardedClient("127.0.0.1", "garbage", proxies)).toBe("127.0.0.1");
  });
});

describe("isLoopbackHost", () => {
  test("127.0.0.0/8, ::1 and localhost only this machine reaches; anything else is beyond it", () => {
    for (const h of ["127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost", "LOCALHOST"])
      expect(isLoopbackHost(h)).toBe(true);
    for (const h of ["0.0.0.0", "::", "192.168.1.2", "127.0.0.1.evil", "10.0.0.1", ""])
      expect(isLoopbackHost(h)).toBe(false);
  });
});
