// machbase-neo's documented TLS setup, typed verbatim: --mqtt-enable-tls true and nothing else.
import { beforeAll, afterAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import mqtt from "mqtt";
import { cleanup, eventually, neo, run, startServer, tempDir, type Server } from "./harness.ts";

describe("machbase-neo's TLS setup: --mqtt-enable-tls true and nothing else", () => {
  let srv: Server;
  let dir: string;
  beforeAll(async () => {
    dir = tempDir("neo-tls-setup-");
    srv = await startServer(["--mqtt-enable-tls", "true"]);
  });
  afterAll(async () => {
    await srv?.stop();
    if (srv) cleanup(srv.data);
    cleanup(dir);
  });

  test("machbase-neo's documented commands work verbatim from the client's directory", async () => {
    expect(
      (await neo(["shell", "key", "gen", "myapp01", "--output", "./myapp01", "--data", srv.data], { cwd: dir })).code,
    ).toBe(0);
    expect(
      (await neo(["shell", "key", "server-cert", "--output", "./neo.crt", "--data", srv.data], { cwd: dir })).code,
    ).toBe(0);
    const r = await run(
      [
        "mosquitto_pub",
        "-h",
        "127.0.0.1",
        "-p",
        String(srv.mqttPort),
        "--id",
        "myapp01",
        "--cert",
        "./myapp01_cert.pem",
        "--key",
        "./myapp01_key.pem",
        "--cafile",
        "./neo.crt",
        "-t",
        "db/append/EXAMPLE",
        "-m",
        '[ "wave.pi", 1675851592000000000, 3.1415]',
      ],
      { cwd: dir },
    );
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const q = await eventually(async () => {
      const res = await fetch(`${srv.httpUrl}/db/query?q=${encodeURIComponent("select count(*) from EXAMPLE")}`);
      const j = (await res.json()) as { success: boolean; data?: { rows: number[][] } };
      return j.success && j.data?.rows[0]?.[0] === 1 ? j : undefined;
    });
    expect(q.success).toBe(true);
  });

  test("MQTT over plain WebSocket on the HTTP port is not left open when MQTT TLS is on", async () => {
    const url = `ws://${srv.ready.http}/mqtt`;
    await expect(mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 3000 })).rejects.toThrow();
    const token = (await Bun.file(join(dir, "myapp01_token")).text()).trim();
    const c = await mqtt.connectAsync(url, { username: token, reconnectPeriod: 0 });
    await c.endAsync();
  });
});
