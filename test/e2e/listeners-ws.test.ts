// MQTT over WebSocket on listeners of their own (issue 22): `ws://` and `wss://` Listener
// blocks serve /mqtt on their own ports with their own rules, driven by MQTT.js; named
// in the audit trail and /metrics; a SIGHUP removes one while the other's client stays.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import mqtt from "mqtt";
import { cleanup, eventually, genKey, neo, startServer, tempDir, type Server } from "./harness.ts";
import { type Key, ROW } from "./tls-fixture.ts";

const WS = `Http {
  EnableTokenAuth = true
  MetricsPublic = true
}
Mqtt {
  Listener "web" {
    Address = "ws://127.0.0.1:0"
    EnableTokenAuth = false
  }
  Listener "webs" {
    Address = "wss://127.0.0.1:0"
    EnableTokenAuth = true
  }
}
`;

describe("MQTT over WebSocket listeners (ws:// and wss://)", () => {
  let srv: Server;
  let dir: string;
  let conf: string;
  let ca: string;
  let dev: Key;
  const at = (name: string) => {
    const l = srv.ready.mqttListeners.find((x) => x.name === name);
    if (!l) throw new Error(`no listener ${name}`);
    return l.address.split(":").at(-1) ?? "0";
  };
  const count = async () => {
    const r = await fetch(`${srv.httpUrl}/db/query?q=${encodeURIComponent("select count(*) from LSTNWS")}`, {
      headers: { Authorization: `Bearer ${dev.token}` },
    });
    const j = (await r.json()) as { success: boolean; data?: { rows: number[][] } };
    return j.success ? (j.data?.rows[0]?.[0] ?? 0) : 0;
  };
  const wss = (clientId: string, username?: string) =>
    mqtt.connectAsync(`wss://127.0.0.1:${at("webs")}/mqtt`, {
      reconnectPeriod: 0,
      clientId,
      ca: readFileSync(ca),
      servername: "localhost",
      ...(username ? { username } : {}),
    });

  beforeAll(async () => {
    dir = tempDir("neo-listeners-ws-");
    conf = join(dir, "neo.conf");
    await Bun.write(conf, WS);
    srv = await startServer(["--config", conf]);
    ca = join(dir, "neo.crt");
    const sc = await neo(["shell", "key", "server-cert", "--output", ca, "--data", srv.data]);
    if (sc.code !== 0) throw new Error(sc.stderr);
    dev = await genKey(srv.data, "ws-dev1");
  }, 30000);
  afterAll(async () => {
    await srv?.stop();
    if (srv) cleanup(srv.data);
    cleanup(dir);
  });

  test("the ready line names both listeners with their transports", () => {
    expect(srv.ready.mqttListeners.map((l) => [l.name, l.transport])).toEqual([
      ["web", "ws"],
      ["webs", "wss"],
    ]);
  });

  test("MQTT.js publishes over ws:// anonymously and over wss:// with a token; both rows are stored", async () => {
    const before = await count();
    const plain = await mqtt.connectAsync(`ws://127.0.0.1:${at("web")}/mqtt`, {
      reconnectPeriod: 0,
      clientId: "ws-app",
    });
    await plain.publishAsync("db/append/LSTNWS", ROW("ws.pi"), { qos: 1 });
    await plain.endAsync();
    const sec = await wss("ws-dev1", dev.token);
    await sec.publishAsync("db/append/LSTNWS", ROW("wss.pi"), { qos: 1 });
    await sec.endAsync();
    expect(await count()).toBe(before + 2);
  });

  test("the wss:// listener requires a token: without one, or with a wrong one, CONNECT is refused", async () => {
    // CONNACK 5 (v3.1.1 "not authorized") or 4 (bad user name or password)
    const code = (p: Promise<unknown>) =>
      p.then(
        () => 0,
        (e: { code?: number }) => e.code ?? -1,
      );
    expect([4, 5]).toContain(await code(wss("ws-anon")));
    expect([4, 5]).toContain(await code(wss("ws-dev1", `${dev.token}x`)));
  });

  test("only the WebSocket upgrade of /mqtt with subprotocol mqtt is answered", async () => {
    const base = `http://127.0.0.1:${at("web")}`;
    expect((await fetch(`${base}/other`)).status).toBe(404);
    const plain = await fetch(`${base}/mqtt`);
    expect(plain.status).toBe(426);
    const noProto = await fetch(`${base}/mqtt`, {
      headers: {
        Upgrade: "websocket",
        Connection: "Upgrade",
        "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
        "Sec-WebSocket-Version": "13",
      },
    });
    expect(noProto.status).toBe(400);
    expect(((await noProto.json()) as { reason: string }).reason).toContain("subprotocol mqtt");
  });

  test("the audit trail and /metrics name the WebSocket listener", async () => {
    await eventually(async () => {
      const r = await neo(["shell", "audit", "--format", "json", "--data", srv.data, "--limit", "50"]);
      const all = JSON.parse(r.stdout) as { listener?: string; result: string; action: string }[];
      const seen = new Set(all.filter((e) => e.action === "connect").map((e) => `${e.listener} ${e.result}`));
      return seen.has("web ok") && seen.has("webs ok") && seen.has("webs fail") ? true : undefined;
    });
    const c = await mqtt.connectAsync(`ws://127.0.0.1:${at("web")}/mqtt`, { reconnectPeriod: 0, clientId: "m1" });
    const metrics = await (
      await fetch(`${srv.httpUrl}/metrics`, { headers: { Authorization: `Bearer ${dev.token}` } })
    ).text();
    await c.endAsync();
    expect(metrics).toContain('neo_mqtt_connections{listener="web"} 1');
  });

  test("SIGHUP removes the wss:// listener; the ws:// client stays connected", async () => {
    const stay = await mqtt.connectAsync(`ws://127.0.0.1:${at("web")}/mqtt`, { reconnectPeriod: 0, clientId: "stay" });
    let closed = false;
    stay.on("close", () => {
      closed = true;
    });
    const gone = await wss("ws-gone", dev.token);
    const goneClosed = new Promise<void>((resolve) => gone.on("close", () => resolve()));
    await Bun.write(conf, WS.replace(/ {2}Listener "webs" \{[^}]*\}\n/, ""));
    srv.proc.kill("SIGHUP");
    await srv.waitForLog(/config reloaded: .*MQTT listener "webs" removed/);
    await goneClosed;
    await stay.publishAsync("db/append/LSTNWS", ROW("still.here"), { qos: 1 });
    expect(closed).toBe(false);
    await stay.endAsync();
    gone.end(true);
  });

  test("ClientAuth on a ws:// listener is refused with the file, line and column of its block", async () => {
    const bad = join(dir, "bad.conf");
    await Bun.write(
      bad,
      'Mqtt {\n  Listener "x" {\n    Address = "ws://127.0.0.1:0"\n    ClientAuth = "require"\n  }\n}\n',
    );
    const r = await neo(["config", "check", bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${bad}:2:12: Mqtt.Listener "x": ClientAuth needs a tls:// or wss:// Address`);
  });
});
