// Commands from the upstream: delivered to local subscribers with the prefix stripped,
// only where the bridge principal's Scopes allow, and never forwarded back up.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import mqtt, { type MqttClient } from "mqtt";
import { cleanup, eventually, startServer, tempDir, type Server } from "./harness.ts";
import { requiresTool } from "./requires.ts";
import { createUpstream, MOSQUITTO, upstreamSubscriber, type Upstream } from "./upstream.ts";

const upstreamBroker = requiresTool(MOSQUITTO, "scripts/setup.sh --test installs mosquitto");

describe.skipIf(upstreamBroker.skip)("commands from the upstream", () => {
  beforeAll(() => upstreamBroker.check());
  let dir: string;
  let upstream: Upstream;
  let server: Server;
  let local: MqttClient;
  const localGot: { topic: string; payload: string }[] = [];

  beforeAll(async () => {
    dir = tempDir("neo-bridge-cmd-");
    upstream = await createUpstream(dir);
    await upstream.start();
    const config = join(dir, "neo.conf");
    writeFileSync(
      config,
      `Bridge "cloud" {
  Address = "${upstream.url}"
  ClientId = "site-9"
  Prefix = "sites/site-9/"
  Forward = ["commands/#", "up/#"]
  Subscribe = ["sites/site-9/commands/#"]
  Scopes = ["topics:publish:commands/allowed/#"]
}
`,
    );
    server = await startServer(["--config", config], { data: join(dir, "data") });
    await server.waitForLog(/bridge "cloud": connected/, 10_000);
    local = await mqtt.connectAsync(`mqtt://${server.mqttHost}:${server.mqttPort}`, { reconnectPeriod: 0 });
    local.on("message", (topic, payload) => localGot.push({ topic, payload: payload.toString() }));
    await local.subscribeAsync("commands/#", { qos: 1 });
  }, 30_000);

  afterAll(async () => {
    await local?.endAsync();
    await server?.stop();
    await upstream?.stop();
    cleanup(dir);
  });

  test("a command the Scopes allow reaches a local subscriber with the prefix stripped, and is not sent back up", async () => {
    const watcher = await upstreamSubscriber(upstream.url, "sites/site-9/#");
    const cloud = await mqtt.connectAsync(upstream.url, { reconnectPeriod: 0 });
    await cloud.publishAsync("sites/site-9/commands/allowed/reboot", "now", { qos: 1 });
    await eventually(() => localGot.find((m) => m.topic === "commands/allowed/reboot"), 10_000);
    expect(localGot.filter((m) => m.topic === "commands/allowed/reboot")).toEqual([
      { topic: "commands/allowed/reboot", payload: "now" },
    ]);
    // a marker forwarded afterwards proves the uplink works; an echo would have come before it
    await local.publishAsync("up/marker", "m", { qos: 1 });
    await eventually(() => watcher.got.find((m) => m.topic === "sites/site-9/up/marker"), 10_000);
    expect(watcher.got.map((m) => m.topic)).toEqual(["sites/site-9/commands/allowed/reboot", "sites/site-9/up/marker"]);
    await cloud.endAsync();
    await watcher.close();
  });

  test("a command outside the bridge's Scopes is dropped and logged", async () => {
    const cloud = await mqtt.connectAsync(upstream.url, { reconnectPeriod: 0 });
    await cloud.publishAsync("sites/site-9/commands/secret/wipe", "all", { qos: 1 });
    await cloud.publishAsync("sites/site-9/commands/allowed/after", "1", { qos: 1 });
    await eventually(() => localGot.find((m) => m.topic === "commands/allowed/after"), 10_000);
    expect(localGot.map((m) => m.topic)).not.toContain("commands/secret/wipe");
    await server.waitForLog(
      /dropped a message from upstream on "commands\/secret\/wipe": not allowed to publish/,
      5000,
    );
    await cloud.endAsync();
  });

  test("/metrics reports each bridge's uplink and queue", async () => {
    const text = await (await fetch(`${server.httpUrl}/metrics`)).text();
    expect(text).toContain('neo_bridge_connected{bridge="cloud"} 1');
    expect(text).toMatch(/neo_bridge_queued_messages\{bridge="cloud"\} \d+/);
    expect(text).toMatch(/neo_bridge_sent_total\{bridge="cloud"\} [1-9]/);
  });

  test("$SYS/neo/bridge/<name>/ reports the bridge", async () => {
    const c = await mqtt.connectAsync(`mqtt://${server.mqttHost}:${server.mqttPort}`, { reconnectPeriod: 0 });
    const sys = new Map<string, string>();
    c.on("message", (t, p) => sys.set(t, p.toString()));
    await c.subscribeAsync("$SYS/neo/bridge/cloud/#");
    await eventually(() => sys.get("$SYS/neo/bridge/cloud/connected"), 5000);
    expect(sys.get("$SYS/neo/bridge/cloud/connected")).toBe("1");
    expect(sys.has("$SYS/neo/bridge/cloud/queued/messages")).toBe(true);
    expect(sys.has("$SYS/neo/bridge/cloud/dropped")).toBe(true);
    await c.endAsync();
  }, 20_000);
});
