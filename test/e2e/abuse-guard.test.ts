// Issue 19, attacks 4 and 7 with curl against a real `neo serve`: the HTTP guard has one
// entrance (no `/health` suffix, no `Upgrade:` header, no WebSocket upgrade gets past it
// uncounted), a malformed Host is a 400 even from a banned address, X-Forwarded-For is
// believed only from Http.TrustedProxies, IPv6 clients count per /64, and
// Guard.AllowList addresses are never banned.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eventually, neo, run } from "./harness.ts";
import { type Gateway, openGateway, TOKEN_AUTH } from "./fixture.ts";

const PROXY = "127.0.0.9";
const FRIEND = "127.0.0.8";
const BAD = `dev1:b:${"f".repeat(64)}`;

let gw: Gateway & { close(): Promise<void> };
beforeAll(async () => {
  gw = await openGateway({
    args: TOKEN_AUTH,
    keys: ["dev1"],
    config: `Guard {\n  MaxFailures = 5\n  AllowList = ["${FRIEND}"]\n}\nHttp { TrustedProxies = ["${PROXY}"] }\n`,
  });
});
afterAll(() => gw.close());

/** one curl request from `from`; its status code */
async function curl(from: string, path: string, headers: string[] = [], extra: string[] = []): Promise<number> {
  const r = await run([
    "curl",
    "-s",
    "-o",
    "/dev/null",
    "-w",
    "%{http_code}",
    "--interface",
    from,
    ...headers.flatMap((h) => ["-H", h]),
    ...extra,
    `${gw.srv.httpUrl}${path}`,
  ]);
  return Number(r.stdout);
}
const bearer = (t: string) => `Authorization: Bearer ${t}`;
async function bans(): Promise<string[]> {
  const r = await neo(["shell", "ban", "list", "--data", gw.srv.data, "--format", "json"]);
  return (JSON.parse(r.stdout) as { address: string }[]).map((b) => b.address);
}

describe("the HTTP guard has one entrance", () => {
  test("bad bearers on URLs ending in /health count, and a banned address gets 429 there too", async () => {
    const from = "127.0.0.2";
    for (let i = 0; i < 5; i++) expect(await curl(from, "/db/query?q=select%201&x=/health", [bearer(BAD)])).toBe(401);
    expect(await curl(from, "/db/query?q=select%201&x=/health", [bearer(gw.key.token)])).toBe(429);
    expect(
      await curl(from, "/db/write/T?/health", [bearer(gw.key.token), "content-type: text/csv"], ["-d", "a,1,1"]),
    ).toBe(429);
    expect(await curl(from, "/health")).toBe(200); // the parsed path /health itself stays open
    // the refused token's client id is only claimed, and shown so
    const audit = await eventually(async () => {
      const r = await neo(["shell", "audit", "--data", gw.srv.data, "--result", "fail", "--format", "json"]);
      const rows = JSON.parse(r.stdout) as { listener?: string; client?: string; detail?: { claimed?: boolean } }[];
      return rows.some((e) => e.listener === "http" && e.client === "dev1") ? rows : undefined;
    });
    expect(audit.filter((e) => e.listener === "http" && e.client === "dev1").every((e) => e.detail?.claimed)).toBe(
      true,
    );
  });

  test("an Upgrade: header does not skip the guard", async () => {
    const from = "127.0.0.3";
    for (let i = 0; i < 5; i++)
      expect(
        await curl(from, "/db/query?q=select%201", [bearer(BAD), "Upgrade: websocket", "Connection: Upgrade"]),
      ).toBe(401);
    expect(await curl(from, "/db/query?q=select%201", [bearer(gw.key.token), "Upgrade: websocket"])).toBe(429);
  });

  test("the 401s of WebSocket upgrades with ?authorization= count toward a ban", async () => {
    const from = "127.0.0.4";
    const ws = [
      "Connection: Upgrade",
      "Upgrade: websocket",
      "Sec-WebSocket-Version: 13",
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
      "Sec-WebSocket-Protocol: mqtt",
    ];
    for (let i = 0; i < 5; i++) expect(await curl(from, `/mqtt?authorization=${BAD}`, ws)).toBe(401);
    expect(await bans()).toContain(from);
    // the channel adapter's WebSocket the same way
    const other = "127.0.0.10";
    const plain = ws.filter((h) => !h.startsWith("Sec-WebSocket-Protocol"));
    for (let i = 0; i < 5; i++)
      expect(await curl(other, `/ws/channels/plant/messages?authorization=${BAD}`, plain)).toBe(401);
    expect(await bans()).toContain(other);
  });

  test("a malformed Host from a banned address is a 400, never a 500 with a stack trace", async () => {
    expect(await curl("127.0.0.2", "/db/query?q=select%201", ["Host: bad host[", bearer(gw.key.token)])).toBe(400);
    expect(await curl("127.0.0.6", "/db/query?q=select%201", ["Host: bad host[", bearer(gw.key.token)])).toBe(400);
    expect(gw.srv.logs()).not.toContain("request failed");
  });
});

describe("trusted proxies, IPv6 groups and the allow-list", () => {
  test("behind a listed proxy the forwarded client is banned, not the proxy", async () => {
    const xff = (a: string) => `X-Forwarded-For: ${a}`;
    for (let i = 0; i < 5; i++)
      expect(await curl(PROXY, "/db/query?q=select%201", [bearer(BAD), xff("203.0.113.7")])).toBe(401);
    expect(await bans()).toContain("203.0.113.7");
    expect(await curl(PROXY, "/db/query?q=select%201", [bearer(gw.key.token), xff("203.0.113.7")])).toBe(429);
    expect(await curl(PROXY, "/db/query?q=select%201", [bearer(gw.key.token), xff("203.0.113.8")])).toBe(200);
    expect(await curl(PROXY, "/db/query?q=select%201", [bearer(gw.key.token)])).toBe(200);
  });

  test("X-Forwarded-For from an address that is no listed proxy is ignored", async () => {
    const from = "127.0.0.5";
    for (let i = 0; i < 5; i++)
      expect(await curl(from, "/db/query?q=select%201", [bearer(BAD), `X-Forwarded-For: 203.0.113.${i + 20}`])).toBe(
        401,
      );
    const list = await bans();
    expect(list).toContain(from);
    expect(list.some((a) => a.startsWith("203.0.113.2"))).toBe(false);
  });

  test("IPv6 clients count per /64: fresh addresses of one /64 share a ban, another /64 is free", async () => {
    for (let i = 1; i <= 5; i++)
      expect(
        await curl(PROXY, "/db/query?q=select%201", [bearer(BAD), `X-Forwarded-For: 2001:db8:1:2::${i.toString(16)}`]),
      ).toBe(401);
    expect(await bans()).toContain("2001:db8:1:2::/64");
    const ok = (a: string) => curl(PROXY, "/db/query?q=select%201", [bearer(gw.key.token), `X-Forwarded-For: ${a}`]);
    expect(await ok("2001:db8:1:2:ffff::99")).toBe(429);
    expect(await ok("2001:db8:1:3::1")).toBe(200);
  });

  test("an allow-listed address is never banned", async () => {
    for (let i = 0; i < 20; i++) expect(await curl(FRIEND, "/db/query?q=select%201", [bearer(BAD)])).toBe(401);
    expect(await curl(FRIEND, "/db/query?q=select%201", [bearer(gw.key.token)])).toBe(200);
    expect(await bans()).not.toContain(FRIEND);
  });
});

test("`neo shell ban clear` takes any address of a banned IPv6 /64", async () => {
  const r = await neo(["shell", "ban", "clear", "2001:db8:1:2::abcd", "--data", gw.srv.data]);
  expect(r.stdout).toBe("lifted 1 ban\n");
  expect(await bans()).not.toContain("2001:db8:1:2::/64");
});
