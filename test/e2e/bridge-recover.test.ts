// The uplink comes back at once and survives a half-open link: neo's bridge to a real
// mosquitto through bench/bridge/link.ts (a TCP relay that can refuse connections, or
// stall its open ones without FIN or RST). Two figures of issue 24 are the assertions
// here on purpose (reconnect <= 2 s after the upstream is back, half-open detected within
// 1.5x the keep-alive): they are bounds the design guarantees with wide margins (a 1 s
// probe; a 1.25x keep-alive check), not speed figures.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import mqtt from "mqtt";
import { createLink } from "../../bench/bridge/link.ts";
import { cleanup, eventually, startServer, tempDir, type Server } from "./harness.ts";
import { requiresTool } from "./requires.ts";
import { createUpstream, freePort, MOSQUITTO, upstreamSubscriber, type Upstream } from "./upstream.ts";

const PREFIX = "sites/r1/";
const KEEPALIVE_S = 2;

async function publish(server: Server, from: number, count: number): Promise<void> {
  const c = await mqtt.connectAsync(`mqtt://${server.mqttHost}:${server.mqttPort}`, {
    protocolVersion: 4,
    reconnectPeriod: 0,
    clientId: `gen-${from}`,
  });
  await Promise.all(Array.from({ length: count }, (_, i) => c.publishAsync("sensors/x", `${from + i}`, { qos: 1 })));
  await c.endAsync();
}

const connects = (s: Server) => s.logs().match(/bridge "cloud": connected/g)?.length ?? 0;

const upstreamBroker = requiresTool(MOSQUITTO, "scripts/setup.sh --test installs mosquitto");

describe.skipIf(upstreamBroker.skip)("bridge recovery through a relay to mosquitto", () => {
  beforeAll(() => upstreamBroker.check());
  let dir: string;
  let upstream: Upstream;
  let link: ReturnType<typeof createLink>;
  let server: Server;
  let sub: Awaited<ReturnType<typeof upstreamSubscriber>>;

  beforeAll(async () => {
    dir = tempDir("neo-bridge-recover-");
    upstream = await createUpstream(dir);
    await upstream.start();
    const linkPort = await freePort();
    link = createLink(linkPort, upstream.port);
    link.up();
    sub = await upstreamSubscriber(upstream.url, `${PREFIX}#`);
    const config = join(dir, "neo.conf");
    writeFileSync(
      config,
      `Bridge "cloud" {
  Address = "mqtt://127.0.0.1:${linkPort}"
  ClientId = "site-r1"
  Forward = ["sensors/#"]
  Prefix = "${PREFIX}"
  KeepAlive = ${KEEPALIVE_S}
}
`,
    );
    server = await startServer(["--config", config], { data: join(dir, "data") });
    await eventually(() => connects(server) >= 1, 10_000);
  }, 30_000);

  afterAll(async () => {
    await server?.stop();
    link?.down();
    await sub?.close();
    await upstream?.stop();
    cleanup(dir);
  });

  test("after an outage long enough for a 4 s+ back-off, it reconnects within 2 s of the upstream being reachable", async () => {
    const before = connects(server);
    const logged = server.logs().length;
    link.down();
    // wait until the back-off has grown past 4 s (without the probe, it would be the wait)
    const waited = await eventually(() => {
      const ms = [
        ...server
          .logs()
          .slice(logged)
          .matchAll(/reconnecting in (\d+\.\d) s/g),
      ].map((m) => Number(m[1]));
      const grown = ms.find((s) => s >= 4);
      return grown !== undefined ? grown : false;
    }, 30_000);
    expect(waited).toBeGreaterThanOrEqual(4);
    link.up();
    const back = Date.now();
    await eventually(() => connects(server) > before, 10_000);
    const took = Date.now() - back;
    console.log(`back-off was ${waited} s; reconnected ${took} ms after the upstream was reachable`);
    expect(took).toBeLessThan(2000);
    await publish(server, 0, 10);
    await eventually(() => sub.got.length >= 10, 10_000);
  }, 60_000);

  test("a half-open uplink (no FIN, no RST) is detected within 1.5x the keep-alive and loses nothing", async () => {
    const before = connects(server);
    const first = sub.got.length;
    const stalledAt = Date.now();
    const detected = link.stall();
    // acknowledged by neo while the uplink silently drops everything
    await publish(server, 1000, 200);
    const at = await detected;
    console.log(`half-open detected after ${at - stalledAt} ms (keep-alive ${KEEPALIVE_S} s)`);
    expect(at - stalledAt).toBeLessThanOrEqual(KEEPALIVE_S * 1500);
    await eventually(() => /disconnected from .*no answer from upstream/.test(server.logs()), 5000);
    await eventually(() => connects(server) > before, 15_000);
    await eventually(() => new Set(sub.got.slice(first).map((m) => m.payload)).size >= 200, 20_000);
    const got = new Set(sub.got.slice(first).map((m) => Number(m.payload)));
    const missing = Array.from({ length: 200 }, (_, i) => 1000 + i).filter((n) => !got.has(n));
    expect(missing).toEqual([]);
  }, 60_000);
});
