import { describe, expect, test } from "bun:test";
import { checkSite, hostOnly, knownHost } from "./site-guard.ts";

const rules = { listenHost: "0.0.0.0", allowedHosts: ["gw.example.com"] };
const req = (method: string, headers: Record<string, string>) =>
  new Request("http://127.0.0.1:5654/db/write/T", { method, headers });

describe("site guard", () => {
  test("Host names: IPs, single labels, localhost and configured names pass; other dotted names do not", () => {
    expect(hostOnly("[::1]:5654")).toBe("::1");
    expect(hostOnly("Gw.Example.com:80")).toBe("gw.example.com");
    for (const h of ["127.0.0.1", "::1", "10.1.2.3", "localhost", "a.localhost", "gateway", "gw.example.com"])
      expect(knownHost(h, rules)).toBe(true);
    for (const h of ["attacker.example", "127.0.0.1.nip.io", "gw.example.com.evil.io"])
      expect(knownHost(h, rules)).toBe(false);
  });

  test("state-changing requests from another origin or marked cross-site are refused; curl-like ones pass", () => {
    expect(checkSite(req("POST", { host: "127.0.0.1:5654" }), rules)).toBeNull();
    expect(checkSite(req("POST", { host: "127.0.0.1:5654", origin: "http://127.0.0.1:5654" }), rules)).toBeNull();
    expect(checkSite(req("POST", { host: "127.0.0.1:5654", origin: "https://gw.example.com" }), rules)).toBeNull();
    expect(checkSite(req("POST", { host: "127.0.0.1:5654", origin: "http://evil.example" }), rules)?.status).toBe(403);
    expect(checkSite(req("POST", { host: "127.0.0.1:5654", origin: "null" }), rules)?.status).toBe(403);
    expect(checkSite(req("DELETE", { host: "127.0.0.1:5654", "sec-fetch-site": "cross-site" }), rules)?.status).toBe(
      403,
    );
    expect(checkSite(req("GET", { host: "127.0.0.1:5654", origin: "http://evil.example" }), rules)).toBeNull();
    expect(checkSite(req("GET", { host: "evil.example" }), rules)?.status).toBe(403);
  });
});
