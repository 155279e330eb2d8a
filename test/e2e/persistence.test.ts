// Retained messages and persistent sessions across a restart of `neo serve` (SIGTERM,
// then a new process on the same data dir), driven with mosquitto_pub/mosquitto_sub.
import { afterEach, expect, test } from "bun:test";
import { statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cleanup, genKey, run, startServer, tempDir, type Server } from "./harness.ts";

const servers: Server[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop();
  for (const d of dirs.splice(0)) cleanup(d);
});

async function serve(data: string, extra: string[] = []): Promise<Server> {
  const s = await startServer(["--mqtt-enable-token-auth", "true", ...extra], { data });
  servers.push(s);
  return s;
}
const mq = (s: Server, tool: "mosquitto_pub" | "mosquitto_sub", ...args: string[]) =>
  run([tool, "-h", s.mqttHost, "-p", String(s.mqttPort), ...args], { timeoutMs: 10_000 });

test("after a restart the retained message is still there and a persistent subscriber gets what was queued for it, in order", async () => {
  const data = tempDir();
  dirs.push(data);
  const sensor = await genKey(data, "sensor-1");
  const panel = await genKey(data, "panel-1");
  const a = await serve(data);
  // a persistent session (-c) subscribed at QoS 1, then away
  expect(
    (await mq(a, "mosquitto_sub", "-u", panel.token, "-i", "panel-1", "-c", "-q", "1", "-t", "cmd/#", "-W", "1")).code,
  ).not.toBe(1);
  expect((await mq(a, "mosquitto_pub", "-u", sensor.token, "-r", "-q", "1", "-t", "state/lamp", "-m", "on")).code).toBe(
    0,
  );
  for (const m of ["first", "second"])
    expect((await mq(a, "mosquitto_pub", "-u", sensor.token, "-q", "1", "-t", "cmd/panel", "-m", m)).code).toBe(0);
  expect(await a.stop()).toBe(0);
  expect(statSync(join(data, "mqtt-state.db")).mode & 0o777).toBe(0o600);

  const b = await serve(data);
  expect(b.logs()).toContain("MQTT state restored from mqtt-state.db: 1 retained message(s), 1 persistent session(s)");
  const retained = await mq(b, "mosquitto_sub", "-u", sensor.token, "-t", "state/#", "-v", "-C", "1", "-W", "5");
  expect(retained.stdout.trim()).toBe("state/lamp on");
  const queued = await mq(
    b,
    "mosquitto_sub",
    "-u",
    panel.token,
    "-i",
    "panel-1",
    "-c",
    "-q",
    "1",
    "-t",
    "cmd/#",
    "-v",
    "-C",
    "2",
    "-W",
    "5",
  );
  expect(queued.stdout.trim().split("\n")).toEqual(["cmd/panel first", "cmd/panel second"]);
  // the restored session is still the panel's: another client's token cannot take its id
  const other = await mq(b, "mosquitto_pub", "-u", sensor.token, "-i", "panel-1", "-t", "x", "-m", "1");
  expect(other.stderr + other.stdout).toContain("not authorised");
});

test("with Mqtt.Persistence = false nothing is kept across a restart", async () => {
  const data = tempDir();
  dirs.push(data);
  const k = await genKey(data, "dev-1");
  const conf = join(`${data}-keys`, "neo.conf"); // removed with the keys
  writeFileSync(conf, "Mqtt {\n  Persistence = false\n}\n");
  const a = await serve(data, ["--config", conf]);
  expect((await mq(a, "mosquitto_pub", "-u", k.token, "-r", "-q", "1", "-t", "state/x", "-m", "kept?")).code).toBe(0);
  expect(await a.stop()).toBe(0);
  const b = await serve(data, ["--config", conf]);
  const r = await mq(b, "mosquitto_sub", "-u", k.token, "-t", "state/#", "-v", "-W", "1");
  expect(r.stdout.trim()).toBe("");
});
