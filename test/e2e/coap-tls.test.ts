// CoAP over TLS (RFC 8323, coaps+tcp://) with the client certificates `neo shell key gen`
// issues, driven by coap-client-openssl (-c/-j/-C): the same certificate rules as the
// MQTT and HTTPS listeners (no certificate, a foreign one: refused in the handshake), an
// observation over TLS that ends when its key is revoked, and the brute-force guard
// counting CoAP guesses until the address is refused (4.29).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { coap, coapBackground, coapClient, rawUdp, request } from "./coap-clients.ts";
import { openGateway, type Gateway } from "./fixture.ts";
import { eventually, neo, run } from "./harness.ts";

let gw: Gateway & { close(): Promise<void> };
let tls: string;
let udpPort: number;
const shell = async (...args: string[]) => {
  const r = await neo(["shell", ...args, "--data", gw.srv.data]);
  if (r.code !== 0) throw new Error(`neo shell ${args.join(" ")}: ${r.stderr}`);
};

beforeAll(async () => {
  if (!coapClient.skip) coapClient.check(); // CI: a missing client fails here
  gw = await openGateway({
    config: [
      "Coap {",
      '  Listen = "127.0.0.1:0"',
      '  Tls { Listen = "127.0.0.1:0" }',
      "}",
      "Guard { MaxFailures = 3 }",
      "Http { MetricsPublic = true }",
    ].join("\n"),
    keys: ["dev1", "obs1"],
    ca: true,
  });
  tls = `coaps+tcp://${gw.srv.ready.coapsTcp}`;
  udpPort = Number(gw.srv.ready.coap?.split(":")[1]);
  await shell("channel", "create", "ch1");
  await shell("channel", "connect", "ch1", "dev1");
  await shell("channel", "connect", "ch1", "obs1");
}, 30_000);
afterAll(async () => {
  await gw?.close();
});

const withCert = (k: { cert: string; key: string }) => ["-c", k.cert, "-j", k.key, "-C", gw.ca];

describe.skipIf(coapClient.skip)("coaps+tcp with client certificates", () => {
  test("the ready line names both listeners", () => {
    expect(gw.srv.ready.coapsTcp).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(gw.srv.ready.coap).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  test("a device's certificate alone publishes SenML: 2.04 and stored", async () => {
    const r = await coap([
      "-m",
      "post",
      "-t",
      "110",
      "-e",
      '[{"n":"tls","t":1700000000,"v":7}]',
      "-v",
      "6",
      ...withCert(gw.keys.dev1!),
      `${tls}/channels/ch1/messages`,
    ]);
    expect(r.stdout).toContain("c:2.04");
    expect((await gw.query("select NAME, VALUE from ch1")).body.data.rows).toEqual([["tls", 7]]);
  });

  test("no certificate, or one the gateway CA did not issue, is refused in the handshake", async () => {
    const none = await coap([
      "-m",
      "post",
      "-e",
      "x",
      "-v",
      "6",
      "-C",
      gw.ca,
      `${tls}/channels/ch1/messages?auth=${gw.keys.dev1!.token}`,
    ]);
    expect(none.stdout).not.toContain("c:2.04");
    const dir = gw.dir;
    const made = await run([
      "openssl",
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-days",
      "1",
      "-subj",
      "/CN=dev1",
      "-keyout",
      join(dir, "self.key"),
      "-out",
      join(dir, "self.crt"),
    ]);
    expect(made.code).toBe(0);
    const self = await coap([
      "-m",
      "post",
      "-e",
      "x",
      "-v",
      "6",
      ...withCert({ cert: join(dir, "self.crt"), key: join(dir, "self.key") }),
      `${tls}/channels/ch1/messages`,
    ]);
    expect(self.stdout).not.toContain("c:2.04");
    expect((await gw.query("select count(*) from ch1")).body.data.rows[0]?.[0]).toBe(1);
  });

  test("an observation over TLS gets MQTT messages and ends (4.01) when its key is revoked", async () => {
    const obs = coapBackground(["-s", "60", "-v", "6", ...withCert(gw.keys.obs1!), `${tls}/channels/ch1/messages`]);
    try {
      await obs.waitFor("Observe:1");
      const pub = await gw.conn({ username: "dev1", password: gw.keys.dev1!.token });
      await pub.publishAsync("channels/ch1/messages", "over-tls", { qos: 1 });
      await obs.waitFor("over-tls");
      await shell("key", "revoke", "obs1");
      await obs.waitFor(/c:4\.01/);
      await pub.endAsync();
    } finally {
      await obs.stop();
    }
  });
});

describe.skipIf(coapClient.skip)("the console and /metrics show the CoAP listeners", () => {
  test("the Overview lists both CoAP listeners, how callers authenticate, and the CoAP figures", async () => {
    const password = readFileSync(join(gw.srv.data, "web-admin-password"), "utf8").trim();
    const login = await gw.http(
      "/web/api/login",
      {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ loginName: "admin", password }),
      },
      null,
    );
    const session = ((await login.json()) as { accessToken: string }).accessToken;
    const r = await gw.http("/web/api/console/overview", {}, session);
    const ov = (
      (await r.json()) as {
        data: {
          listeners: { name: string; address: string; tls: boolean; auth: string }[];
          metrics: { coap?: { requests: number; observers: number } };
        };
      }
    ).data;
    expect(ov.listeners).toContainEqual({
      name: "CoAP (UDP)",
      address: gw.srv.ready.coap ?? "",
      tls: false,
      auth: "key (?auth=)",
    });
    expect(ov.listeners).toContainEqual({
      name: "CoAP over TLS (coaps+tcp)",
      address: gw.srv.ready.coapsTcp ?? "",
      tls: true,
      auth: "client certificate (require)",
    });
    expect(ov.metrics.coap?.requests).toBeGreaterThan(0);
    const text = await (await gw.http("/metrics")).text();
    expect(text).toMatch(/neo_coap_requests_total [1-9]/);
    expect(text).toMatch(/neo_coap_responses_total\{class="2\.xx"\} [1-9]/);
    expect(text).toContain("neo_coap_tls_connections ");
  });
});

describe("the brute-force guard counts CoAP guesses", () => {
  test("after Guard.MaxFailures wrong keys the address gets 4.29 with Max-Age, even with a good key", async () => {
    const u = await rawUdp(udpPort);
    try {
      for (let i = 0; i < 3; i++) {
        u.send(request({ mid: 100 + i, auth: `dev1:b:${"0".repeat(64)}` }, "x"));
        expect((await u.next(i)).msg?.code).toBe(0x81);
      }
      await eventually(async () => {
        const n = u.got.length;
        u.send(request({ mid: 200 + n, auth: gw.keys.dev1!.token }, "x"));
        return (await u.next(n)).msg?.code === 0x9d;
      });
      const r = await neo(["shell", "ban", "list", "--data", gw.srv.data]);
      expect(r.stdout).toContain("127.0.0.1");
    } finally {
      u.close();
      await neo(["shell", "ban", "clear", "--data", gw.srv.data]);
    }
  });
});
