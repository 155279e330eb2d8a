// An attacker's refused attempts cost the journal a few lines, not one line each: the
// first few per address in full, then one summary per address and minute.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import mqtt from "mqtt";
import { cleanup, startServer, tempDir, type Server } from "./harness.ts";

const lines = (text: string, re: RegExp) => text.split("\n").filter((l) => re.test(l));

describe("logs under a flood of refused credentials", () => {
  let srv: Server;
  let dir: string;
  beforeAll(async () => {
    dir = tempDir();
    // the brute-force guard would ban the address after 10; here every attempt reaches the log path
    const cfg = join(dir, "neo.conf");
    writeFileSync(cfg, "Guard { MaxFailures = 1000000 }\n");
    srv = await startServer(["--config", cfg, "--http-enable-token-auth", "true", "--mqtt-enable-token-auth", "true"], {
      data: join(dir, "data"),
    });
  });
  afterAll(async () => {
    if (srv.proc.exitCode === null) await srv.stop();
    cleanup(dir);
  });

  test("300 refused tokens and 100 refused CONNECTs from one address write 5 lines each, then a count", async () => {
    for (let i = 0; i < 300; i++) {
      const r = await fetch(`${srv.httpUrl}/db/query?q=select%201`, {
        headers: { authorization: `Bearer nosuch:b:wrong-${i}` },
      });
      expect(r.status).toBe(401);
    }
    // raw MQTT CONNECTs with a wrong token (username), v3.1.1
    for (let i = 0; i < 100; i++) {
      const s = await Bun.connect({ hostname: srv.mqttHost, port: srv.mqttPort, socket: { data() {}, close() {} } });
      const user = Buffer.from(`nosuch:b:wrong-${i}`);
      const id = Buffer.from(`c${i}`);
      const body = Buffer.concat([
        Buffer.from([0, 4]),
        Buffer.from("MQTT"),
        Buffer.from([4, 0x80, 0, 0]),
        Buffer.from([0, id.length]),
        id,
        Buffer.from([0, user.length]),
        user,
      ]);
      s.write(Buffer.concat([Buffer.from([0x10, body.length]), body]));
      s.end();
    }
    await srv.waitForLog(/CONNECT refused.*summed up each minute/);
    const before = srv.logs();
    expect(lines(before, /WARN .*refused/).length).toBe(10); // 5 HTTP + 5 MQTT
    expect(await srv.stop()).toBe(0);
    const all = srv.logs();
    expect(all).toMatch(/refused MQTT CONNECTs from 127\.0\.0\.1: \d+ more in the last 60s/);
  });
});

describe("logs under a flood of refused messages", () => {
  let srv: Server;
  let dir: string;
  beforeAll(async () => {
    dir = tempDir();
    srv = await startServer([], { data: join(dir, "data") });
  });
  afterAll(async () => {
    if (srv.proc.exitCode === null) await srv.stop();
    cleanup(dir);
  });

  test("2,000 unparseable payloads and 50 failing db/query requests from one client write 5 lines, then a count", async () => {
    const c = await mqtt.connectAsync(`mqtt://${srv.mqttHost}:${srv.mqttPort}`, {
      clientId: "noisy",
      reconnectPeriod: 0,
    });
    for (let i = 0; i < 2000; i++) c.publish("db/write/FLOOD", `not json ${i}`, { qos: 0 });
    for (let i = 0; i < 50; i++) c.publish("db/query", `{"q": ${i}`, { qos: 0 });
    // a QoS 1 message last: its PUBACK says every message before it was handled
    await c.publishAsync("db/write/FLOOD", "still not json", { qos: 1 }).catch(() => {});
    await srv.waitForLog(/summed up each minute/);
    await c.endAsync();
    expect(lines(srv.logs(), /WARN .*(refused db\/write|db\/query from)/).length).toBe(5);
    expect(await srv.stop()).toBe(0);
    expect(srv.logs()).toMatch(/refused or failed MQTT messages from noisy: 2,046 more in the last 60s/);
  });
});
