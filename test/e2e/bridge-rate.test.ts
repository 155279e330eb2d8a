// Bridge.MaxRate: a backlog goes out no faster than the limit (a one-second burst, then
// the rate), so a reconnect after an outage does not flood a thin uplink.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import mqtt from "mqtt";
import { cleanup, eventually, startServer, tempDir, type Server } from "./harness.ts";
import { requiresTool } from "./requires.ts";
import { createUpstream, MOSQUITTO, upstreamSubscriber, type Upstream } from "./upstream.ts";

const upstreamBroker = requiresTool(MOSQUITTO, "scripts/setup.sh --test installs mosquitto");

describe.skipIf(upstreamBroker.skip)("bridge catch-up limit", () => {
  beforeAll(() => upstreamBroker.check());
  let dir: string;
  let upstream: Upstream;
  let server: Server | undefined;

  beforeAll(async () => {
    dir = tempDir("neo-bridge-rate-");
    upstream = await createUpstream(dir);
  });

  afterAll(async () => {
    await server?.stop();
    await upstream?.stop();
    cleanup(dir);
  });

  test("150 queued messages with MaxRate = 50 take at least two seconds to go up, in order", async () => {
    const config = join(dir, "neo.conf");
    writeFileSync(
      config,
      `Bridge "thin" {
  Address = "${upstream.url}"
  ClientId = "gw-thin"
  Forward = ["r/#"]
  MaxRate = 50
}
`,
    );
    const data = join(dir, "data");
    server = await startServer(["--config", config], { data });
    const c = await mqtt.connectAsync(`mqtt://${server.mqttHost}:${server.mqttPort}`, { reconnectPeriod: 0 });
    for (let i = 0; i < 150; i++) await c.publishAsync("r/x", String(i), { qos: 1 });
    await c.endAsync();
    // the upstream comes back with a subscriber; neo restarts so it connects at once
    await server.stop();
    await upstream.start();
    const w = await upstreamSubscriber(upstream.url, "r/#");
    server = await startServer(["--config", config], { data });
    await eventually(() => w.got.length >= 150, 20_000);
    const took = (w.got[149]?.at ?? 0) - (w.got[0]?.at ?? 0);
    expect(w.got.map((m) => m.payload)).toEqual(Array.from({ length: 150 }, (_, i) => String(i)));
    // 50 at once, then 50 per second: the last 100 arrive two seconds after the first
    expect(took).toBeGreaterThanOrEqual(1900);
    expect(w.got.filter((m) => m.at - (w.got[0]?.at ?? 0) < 500).length).toBeLessThanOrEqual(80);
    await w.close();
  }, 40_000);
});
