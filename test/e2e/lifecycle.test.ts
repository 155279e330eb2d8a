// Lifecycle: SIGTERM and SIGINT stop cleanly, a bad config stops the start, SIGHUP reloads
// listeners and auth switches without dropping the sessions that stay allowed, and SIGTERM
// tells v5 clients and commits what was acked.
import { afterEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import mqtt from "mqtt";
import { cleanup, eventually, genKey, neo, startServer, tempDir, type Server } from "./harness.ts";

/** `n` distinct free ports: every listener stays open until all are picked, so the OS cannot hand out one twice */
function freePorts(n: number): number[] {
  const held = Array.from({ length: n }, () => Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } }));
  const ports = held.map((l) => l.port);
  for (const l of held) l.stop(true);
  return ports;
}

const conf = (mqttPort: number, httpPort: number, tokenAuth: boolean) =>
  `Http {\n  Listen = "127.0.0.1:${httpPort}"\n}\nMqtt {\n  Listen = "127.0.0.1:${mqttPort}"\n  EnableTokenAuth = ${tokenAuth}\n}\n`;

let servers: Server[] = [];
let dirs: string[] = [];
afterEach(async () => {
  for (const s of servers) await s.stop();
  for (const d of dirs) cleanup(d);
  servers = [];
  dirs = [];
});

async function startWithConfig(text: string) {
  const dir = tempDir();
  dirs.push(dir);
  const file = join(dir, "neo.conf");
  await Bun.write(file, text);
  // no port flags: the ports come from the file, so a reload can move them
  const srv = await startServer(["--config", file], { data: join(dir, "data"), noPortFlags: true });
  servers.push(srv);
  return { srv, file };
}

const closed = (c: mqtt.MqttClient) =>
  new Promise<number>((resolve) => {
    let code = -1;
    c.on("disconnect", (p) => (code = p.reasonCode ?? -1));
    c.on("close", () => resolve(code));
  });

describe("SIGHUP reload", () => {
  test("switching MQTT token auth on drops anonymous sessions, keeps token sessions, and refuses new anonymous clients", async () => {
    const [mqttPort, httpPort] = freePorts(2) as [number, number];
    const { srv, file } = await startWithConfig(conf(mqttPort, httpPort, false));
    const key = await genKey(srv.data, "stays");
    const url = `mqtt://127.0.0.1:${mqttPort}`;
    const anon = await mqtt.connectAsync(url, { protocolVersion: 5, reconnectPeriod: 0 });
    const withToken = await mqtt.connectAsync(url, { protocolVersion: 5, username: key.token, reconnectPeriod: 0 });
    const anonClosed = closed(anon);

    await Bun.write(file, conf(mqttPort, httpPort, true));
    srv.proc.kill("SIGHUP");
    await srv.waitForLog(/config reloaded: .*MQTT token authentication enabled/);
    expect(await anonClosed).toBe(0x87);
    expect(withToken.connected).toBe(true);
    await expect(mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 3000 })).rejects.toThrow();
    await withToken.publishAsync("still/here", "1", { qos: 1 });
    await withToken.endAsync();
  });

  test("moving the MQTT port keeps the live session and listens on the new port", async () => {
    const [p1, p2, h] = freePorts(3) as [number, number, number];
    const { srv, file } = await startWithConfig(conf(p1, h, false));
    const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${p1}`, { reconnectPeriod: 0 });
    await Bun.write(file, conf(p2, h, false));
    srv.proc.kill("SIGHUP");
    await srv.waitForLog(new RegExp(`MQTT Listen tcp://127\\.0\\.0\\.1:${p2}`));
    await srv.waitForLog(/config reloaded/);
    const d = await mqtt.connectAsync(`mqtt://127.0.0.1:${p2}`, { reconnectPeriod: 0 });
    // the old session still works end to end: it receives what the new one publishes
    await c.subscribeAsync("moved/#", { qos: 1 });
    const got = new Promise<string>((r) => c.on("message", (_t, p) => r(p.toString())));
    await d.publishAsync("moved/x", "hello", { qos: 1 });
    expect(await got).toBe("hello");
    await expect(
      mqtt.connectAsync(`mqtt://127.0.0.1:${p1}`, { reconnectPeriod: 0, connectTimeout: 2000 }),
    ).rejects.toThrow();
    await c.endAsync();
    await d.endAsync();
  });

  test("a broken config on reload is refused and the server keeps running as it was", async () => {
    const [p, h] = freePorts(2) as [number, number];
    const { srv, file } = await startWithConfig(conf(p, h, false));
    await Bun.write(file, "Mqtt {\n  EnableTokenAuht = true\n}\n");
    srv.proc.kill("SIGHUP");
    await srv.waitForLog(/reload refused, the running config stays/);
    expect(srv.logs()).toContain("2:3");
    const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${p}`, { reconnectPeriod: 0 });
    await c.endAsync();
    expect(srv.proc.exitCode).toBeNull();
  });
});

describe("SIGTERM", () => {
  test("v5 clients get DISCONNECT 0x8B, every acknowledged row is on disk, and the exit code is 0", async () => {
    const srv = await startServer(["--mqtt-enable-token-auth", "true"]);
    servers.push(srv);
    dirs.push(srv.data);
    const key = await genKey(srv.data, "writer");
    const c = await mqtt.connectAsync(`mqtt://${srv.mqttHost}:${srv.mqttPort}`, {
      protocolVersion: 5,
      username: key.token,
      reconnectPeriod: 0,
    });
    const acks: Promise<unknown>[] = [];
    for (let i = 0; i < 200; i++)
      acks.push(c.publishAsync("db/append/SHUT", JSON.stringify(["s", 1700000000000000000 + i, i]), { qos: 1 }));
    await Promise.all(acks);
    const gone = closed(c);
    const t0 = Date.now();
    expect(await srv.stop("SIGTERM")).toBe(0);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(await gone).toBe(0x8b);
    // reopen the data dir with a fresh server and count
    const again = await startServer([], { data: srv.data });
    servers.push(again);
    const r = await fetch(`${again.httpUrl}/db/query?q=${encodeURIComponent("select count(*) from SHUT")}`);
    const body = (await r.json()) as { data: { rows: number[][] } };
    expect(body.data.rows[0]?.[0]).toBe(200);
  });
});

void eventually;

describe("neo serve lifecycle", () => {
  test("SIGTERM stops the server with exit code 0", async () => {
    const srv = await startServer();
    expect(await srv.stop("SIGTERM")).toBe(0);
    cleanup(srv.data);
  });

  test("SIGINT stops the server with exit code 0", async () => {
    const srv = await startServer();
    expect(await srv.stop("SIGINT")).toBe(0);
    cleanup(srv.data);
  });

  test("a bad config file stops the server before it starts, with file:line:col", async () => {
    const dir = tempDir();
    const file = join(dir, "neo.conf");
    await Bun.write(file, 'Http {\n  EnableTokenAuht = true\n}\nMqtt { MaxMessageSizeLimit = "big" }\n');
    const r = await neo([
      "serve",
      "--config",
      file,
      "--data",
      join(dir, "data"),
      "--http-port",
      "0",
      "--mqtt-port",
      "0",
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${file}:2:3`);
    expect(r.stderr).toContain('did you mean "EnableTokenAuth"');
    expect(r.stderr).toContain(`${file}:4:`);
    cleanup(dir);
  });
});
