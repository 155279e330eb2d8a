// A browser cannot be used against the gateway: cross-site writes, DNS-rebound host
// names and foreign WebSocket origins are refused, while curl and MQTT clients (which
// send no Origin) work exactly as in the machbase-neo docs. HTTPS adds HSTS.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import mqtt from "mqtt";
import { cleanup, run, startServer, tempDir, type Server } from "./harness.ts";

const ROW = '{"data":{"columns":["NAME","TIME","VALUE"],"rows":[["xs",1675851592000000000,1]]}}';

describe("cross-site protection", () => {
  let srv: Server;
  let dir: string;
  beforeAll(async () => {
    dir = tempDir();
    srv = await startServer([], { data: dir });
  });
  afterAll(async () => {
    await srv.stop();
    cleanup(dir);
  });
  const count = async (): Promise<number> => {
    const r = await fetch(
      `${srv.httpUrl}/db/query?q=${encodeURIComponent("select count(*) from EXAMPLE where name = 'xs'")}`,
    );
    return ((await r.json()) as { data: { rows: number[][] } }).data.rows[0]![0]!;
  };
  const write = (headers: Record<string, string>) =>
    fetch(`${srv.httpUrl}/db/write/EXAMPLE`, { method: "POST", headers, body: ROW });

  test("a write from a foreign Origin is refused with 403 and nothing is stored", async () => {
    const r = await write({ origin: "http://evil.example", "content-type": "application/json" });
    expect(r.status).toBe(403);
    expect(await r.json()).toEqual({
      success: false,
      reason: "cross-site request refused (Origin http://evil.example)",
    });
    expect(await count()).toBe(0);
  });

  test("a write a cross-site form could send (no Content-Type, or text/plain) is refused with 415", async () => {
    for (const headers of [{}, { "content-type": "text/plain" }] as Record<string, string>[]) {
      const r = await write(headers);
      expect(r.status).toBe(415);
    }
    expect(await count()).toBe(0);
  });

  test("Sec-Fetch-Site: cross-site is refused for a write even without an Origin", async () => {
    const r = await write({ "sec-fetch-site": "cross-site", "content-type": "application/json" });
    expect(r.status).toBe(403);
  });

  test("a DNS-rebound Host name is refused; IPs, localhost and the page's own origin work", async () => {
    const port = srv.ready.http.split(":").pop();
    const rebound = await run(["curl", "-s", "-H", "Host: attacker.example", `${srv.httpUrl}/db/query?q=select%201`]);
    expect(JSON.parse(rebound.stdout)).toEqual({
      success: false,
      reason: 'Host "attacker.example" is not a name of this gateway (add it to Http.AllowedHosts if it is)',
    });
    const local = await run(["curl", "-s", "-H", `Host: localhost:${port}`, `${srv.httpUrl}/health`]);
    expect(JSON.parse(local.stdout).success).toBe(true);
    const same = await write({ origin: srv.httpUrl, "content-type": "application/json" });
    expect(same.status).toBe(200);
  });

  test("the README's curl write and query and mosquitto_pub still work (no Origin)", async () => {
    const w = await run([
      "curl",
      "-s",
      `${srv.httpUrl}/db/write/EXAMPLE`,
      "-H",
      "Content-Type: application/json",
      "-d",
      ROW,
    ]);
    expect(JSON.parse(w.stdout)).toMatchObject({ success: true, reason: "success, 1 record(s) inserted" });
    const q = await run(["curl", "-s", `${srv.httpUrl}/db/query`, "--data-urlencode", "q=select 1"]);
    expect(JSON.parse(q.stdout).success).toBe(true);
    const p = await run([
      "mosquitto_pub",
      "-h",
      srv.mqttHost,
      "-p",
      String(srv.mqttPort),
      "-t",
      "db/write/EXAMPLE",
      "-m",
      '["xs2",1675851592000000000,1]',
    ]);
    expect(p.code).toBe(0);
  });

  test("MQTT over WebSocket from a foreign Origin is refused; without an Origin it connects", async () => {
    const r = await fetch(`${srv.httpUrl}/mqtt`, {
      headers: {
        upgrade: "websocket",
        connection: "Upgrade",
        origin: "http://evil.example",
        "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
        "sec-websocket-version": "13",
        "sec-websocket-protocol": "mqtt",
      },
    });
    expect(r.status).toBe(403);
    const c = await mqtt.connectAsync(`ws://${srv.ready.http}/mqtt`, { reconnectPeriod: 0 });
    await c.endAsync();
  });
});

test("under HTTPS every answer carries Strict-Transport-Security", async () => {
  const dir = tempDir();
  const cfg = join(dir, "neo.conf");
  writeFileSync(cfg, "Http { Tls { Enabled = true } }\n");
  const srv = await startServer(["--config", cfg], { data: join(dir, "data") });
  try {
    const r = await fetch(`${srv.httpUrl}/health`, { tls: { rejectUnauthorized: false } } as RequestInit);
    expect(r.status).toBe(200);
    expect(r.headers.get("strict-transport-security")).toBe("max-age=31536000");
  } finally {
    await srv.stop();
    cleanup(dir);
  }
});
