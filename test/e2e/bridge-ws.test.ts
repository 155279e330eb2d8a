// A bridge over WebSocket (neo's own /mqtt endpoint as the upstream), both directions,
// and a broken Bridge block on SIGHUP: refused with file:line:col, the bridge runs on.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import mqtt, { type MqttClient } from "mqtt";
import { cleanup, eventually, startServer, tempDir, type Server } from "./harness.ts";

describe("bridge over WebSocket", () => {
  let dir: string;
  let upstream: Server;
  let gateway: Server;
  let config: string;
  let cloud: MqttClient;
  let local: MqttClient;
  const cloudGot: string[] = [];
  const localGot: string[] = [];
  const block = (address: string, key = "Address") => `Bridge "cloud" {
  ${key} = "${address}"
  ClientId = "gw-ws"
  Forward = ["x/#"]
  Prefix = "a/"
  Subscribe = ["a/down/#"]
}
`;

  beforeAll(async () => {
    dir = tempDir("neo-bridge-ws-");
    upstream = await startServer([], { data: join(dir, "up") });
    cloud = await mqtt.connectAsync(`mqtt://${upstream.mqttHost}:${upstream.mqttPort}`, { reconnectPeriod: 0 });
    cloud.on("message", (t, p) => cloudGot.push(`${t} ${p}`));
    await cloud.subscribeAsync("a/x/#", { qos: 1 });
    config = join(dir, "neo.conf");
    writeFileSync(config, block(`ws://${upstream.ready.http}/mqtt`));
    gateway = await startServer(["--config", config], { data: join(dir, "gw") });
    await gateway.waitForLog(/bridge "cloud": connected to ws:/, 10_000);
    local = await mqtt.connectAsync(`mqtt://${gateway.mqttHost}:${gateway.mqttPort}`, { reconnectPeriod: 0 });
    local.on("message", (t, p) => localGot.push(`${t} ${p}`));
    await local.subscribeAsync("down/#", { qos: 1 });
  }, 30_000);

  afterAll(async () => {
    await cloud?.endAsync();
    await local?.endAsync();
    await gateway?.stop();
    await upstream?.stop();
    cleanup(dir);
  });

  test("messages go up over ws:// with the prefix, in order, and commands come down without it", async () => {
    for (let i = 0; i < 200; i++) await local.publishAsync("x/t", String(i), { qos: 1 });
    await eventually(() => cloudGot.length >= 200, 15_000);
    expect(cloudGot).toEqual(Array.from({ length: 200 }, (_, i) => `a/x/t ${i}`));
    await cloud.publishAsync("a/down/reboot", "now", { qos: 1 });
    await eventually(() => localGot.length >= 1, 10_000);
    expect(localGot).toEqual(["down/reboot now"]);
  });

  test("a broken Bridge block on SIGHUP is refused with its place and a suggestion; the bridge runs on", async () => {
    writeFileSync(config, block(`ws://${upstream.ready.http}/mqtt`, "Adress"));
    gateway.proc.kill("SIGHUP");
    await gateway.waitForLog(
      /reload refused[\s\S]*neo\.conf:2:3: unknown key "Adress" in Bridge "cloud"; did you mean "Address"\?/,
      10_000,
    );
    await local.publishAsync("x/t", "after", { qos: 1 });
    await eventually(() => cloudGot.includes("a/x/t after"), 10_000);
  });
});
