// A full buffer during an outage: drop-oldest keeps the newest messages, refuse-new
// keeps the oldest and tells v5 publishers 0x97; both count every drop, log it, and
// `neo bridge status` reports it. What was kept reaches the upstream when it is back.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import mqtt from "mqtt";
import { cleanup, eventually, neo, startServer, tempDir, type Server } from "./harness.ts";
import { requiresTool } from "./requires.ts";
import { createUpstream, MOSQUITTO, upstreamSubscriber, type Upstream } from "./upstream.ts";

const upstreamBroker = requiresTool(MOSQUITTO, "scripts/setup.sh --test installs mosquitto");

describe.skipIf(upstreamBroker.skip)("bridge buffer limits", () => {
  beforeAll(() => upstreamBroker.check());
  let dir: string;
  let config: string;
  let upstream: Upstream;
  let server: Server;
  const subId = "limits-watcher";

  beforeAll(async () => {
    dir = tempDir("neo-bridge-limits-");
    upstream = await createUpstream(dir);
    // a persistent upstream session that subscribed before the outage: it gets what arrives later
    await upstream.start();
    const w = await upstreamSubscriber(upstream.url, "#", { clientId: subId });
    await w.close();
    await upstream.stop();
    config = join(dir, "neo.conf");
    const bridge = (name: string, topic: string, policy: string) => `Bridge "${name}" {
  Address = "${upstream.url}"
  ClientId = "gw-${name}"
  Forward = ["${topic}/#"]
  Buffer { MaxMessages = 5, Policy = "${policy}" }
}
`;
    writeFileSync(config, bridge("old", "a", "drop-oldest") + bridge("new", "b", "refuse-new"));
    server = await startServer(["--config", config], { data: join(dir, "data") });
  }, 30_000);

  afterAll(async () => {
    await server?.stop();
    await upstream?.stop();
    cleanup(dir);
  });

  test("both policies count what they drop, log it, and keep the right five", async () => {
    const c = await mqtt.connectAsync(`mqtt://${server.mqttHost}:${server.mqttPort}`, {
      protocolVersion: 5,
      reconnectPeriod: 0,
    });
    const codes: number[] = [];
    for (let i = 1; i <= 8; i++) await c.publishAsync("a/x", `a${i}`, { qos: 1 });
    for (let i = 1; i <= 8; i++) {
      // MQTT.js rejects a PUBACK with a failure reason code
      const code = await c.publishAsync("b/x", `b${i}`, { qos: 1 }).then(
        () => 0,
        (e: { code?: number }) => e.code ?? -1,
      );
      codes.push(code);
    }
    await c.endAsync();
    expect(codes).toEqual([0, 0, 0, 0, 0, 0x97, 0x97, 0x97]);

    const r = await neo(["bridge", "status", "--json", "--data", join(dir, "data"), "--config", config]);
    expect(r.code).toBe(0);
    const st = JSON.parse(r.stdout) as { name: string; queuedMessages: number; dropped: number; connected: boolean }[];
    expect(
      st.map(({ name, queuedMessages, dropped, connected }) => ({ name, queuedMessages, dropped, connected })),
    ).toEqual([
      { name: "new", queuedMessages: 5, dropped: 3, connected: false },
      { name: "old", queuedMessages: 5, dropped: 3, connected: false },
    ]);
    const text = await neo(["bridge", "status", "old", "--data", join(dir, "data"), "--config", config]);
    expect(text.stdout).toContain("queued 5 messages");
    expect(text.stdout).toContain("dropped 3 (drop-oldest)");
    // logged at once (then at most once a minute): the first line counts what the first second dropped
    await server.waitForLog(
      /bridge "old": buffer full \(5 messages .*drop-oldest\): dropped the oldest [1-3] message/,
      5000,
    );
    await server.waitForLog(/bridge "new": buffer full \(5 messages .*refuse-new\): refused [1-3] message/, 5000);

    // neo restarts (queues are files) while the upstream comes back, so it connects at once
    // instead of waiting out the reconnect back-off (up to a minute by then)
    await server.stop();
    await upstream.start();
    server = await startServer(["--config", config], { data: join(dir, "data") });
    const w = await upstreamSubscriber(upstream.url, "#", { clientId: subId });
    await eventually(() => w.got.length >= 10, 20_000);
    const by = (t: string) => w.got.filter((m) => m.topic === t).map((m) => m.payload);
    expect(by("a/x")).toEqual(["a4", "a5", "a6", "a7", "a8"]);
    expect(by("b/x")).toEqual(["b1", "b2", "b3", "b4", "b5"]);
    await w.close();
  }, 60_000);
});
