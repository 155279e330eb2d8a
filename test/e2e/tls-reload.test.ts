// SIGHUP switches MQTT TLS on and off: the listener moves (or stays on the same port and
// speaks TLS only), WebSocket on the HTTP port follows the rule.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import mqtt from "mqtt";
import { cleanup, eventually, genKey, neo, run, startServer, tempDir, type Server } from "./harness.ts";
import { freePorts, type Key } from "./tls-fixture.ts";

describe("SIGHUP switches MQTT TLS on and off (listener moved to a new port)", () => {
  let srv: Server;
  let dir: string;
  let conf: string;
  let ca: string;
  let app: Key;
  let httpPort: number;
  let plainPort: number;
  let tlsPort: number;
  const write = (mqttPort: number, tls: boolean) =>
    Bun.write(
      conf,
      `Http { Listen = "tcp://127.0.0.1:${httpPort}" }\nMqtt {\n  Listen = "tcp://127.0.0.1:${mqttPort}"\n  Tls { Enabled = ${tls} }\n}\n`,
    );

  beforeAll(async () => {
    dir = tempDir("neo-tlss-hup-");
    conf = join(dir, "neo.conf");
    [httpPort, plainPort, tlsPort] = (await freePorts(3)) as [number, number, number];
    await write(plainPort, false);
    srv = await startServer(["--config", conf], { noPortFlags: true });
    ca = join(dir, "neo.crt");
    await neo(["shell", "key", "server-cert", "--output", ca, "--data", srv.data]);
    app = await genKey(srv.data, "hup-app");
  }, 30000);
  afterAll(async () => {
    await srv?.stop();
    if (srv) cleanup(srv.data);
    cleanup(dir);
  });

  const plainPub = (port: number) =>
    run(["mosquitto_pub", "-h", "127.0.0.1", "-p", String(port), "-t", "hup/x", "-m", "plain"], { timeoutMs: 5000 });
  const tlsPub = (port: number) =>
    run(
      [
        "mosquitto_pub",
        "-h",
        "127.0.0.1",
        "-p",
        String(port),
        "--cafile",
        ca,
        "--id",
        "hup-app",
        "--cert",
        app.cert,
        "--key",
        app.key,
        "-t",
        "hup/x",
        "-m",
        "tls",
      ],
      { timeoutMs: 5000 },
    );
  const wsAnon = async () => {
    try {
      const c = await mqtt.connectAsync(`ws://127.0.0.1:${httpPort}/mqtt`, {
        reconnectPeriod: 0,
        connectTimeout: 3000,
      });
      await c.endAsync();
      return true;
    } catch {
      return false;
    }
  };

  test("TLS on: the TLS listener takes certificates, the old plain port is closed, WebSocket on the HTTP port needs a token; TLS off again restores plain", async () => {
    expect(srv.ready.mqttTls).toBe(false);
    expect((await plainPub(plainPort)).code).toBe(0);
    expect(await wsAnon()).toBe(true);

    await write(tlsPort, true);
    srv.proc.kill("SIGHUP");
    await srv.waitForLog(new RegExp(`config reloaded: MQTT listener tls://127\\.0\\.0\\.1:${tlsPort}`));
    expect((await tlsPub(tlsPort)).code).toBe(0);
    expect((await plainPub(tlsPort)).code).not.toBe(0);
    expect((await plainPub(plainPort)).code).not.toBe(0);
    expect(await wsAnon()).toBe(false);

    await write(plainPort, false);
    srv.proc.kill("SIGHUP");
    await srv.waitForLog(new RegExp(`config reloaded: MQTT listener tcp://127\\.0\\.0\\.1:${plainPort}`));
    expect((await plainPub(plainPort)).code).toBe(0);
    expect((await tlsPub(tlsPort)).code).not.toBe(0);
  }, 30000);

  test("TLS on for the SAME port: the port now speaks TLS only and a connected plaintext client is dropped", async () => {
    await write(plainPort, false);
    srv.proc.kill("SIGHUP");
    await srv.waitForLog(new RegExp(`config reloaded: MQTT listener tcp://127\\.0\\.0\\.1:${plainPort}`));
    const plain = await mqtt.connectAsync(`mqtt://127.0.0.1:${plainPort}`, { reconnectPeriod: 0 });
    const dropped = new Promise<void>((r) => plain.on("close", () => r()));
    const mark = srv.logs().length;
    await write(plainPort, true);
    srv.proc.kill("SIGHUP");
    await eventually(() => /config reloaded: MQTT listener tls:/.test(srv.logs().slice(mark)));
    await dropped;
    expect((await tlsPub(plainPort)).code).toBe(0);
    expect((await plainPub(plainPort)).code).not.toBe(0);
    await write(plainPort, false);
    srv.proc.kill("SIGHUP");
    await eventually(() => /config reloaded: MQTT listener tcp:/.test(srv.logs().slice(mark)));
    expect((await plainPub(plainPort)).code).toBe(0);
  }, 30000);
});
