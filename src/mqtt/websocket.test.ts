// MQTT over WebSocket through a Bun.serve that hands /mqtt upgrades to the broker.
import { afterEach, expect, test } from "bun:test";
import mqtt from "mqtt";
import type { Server } from "bun";
import { Broker } from "./broker.ts";
import type { WsData } from "./websocket.ts";
import { allowAll, until } from "./test-support.ts";
import type { ConnectRequest } from "./hooks.ts";

let broker: Broker | null = null;
let server: Server<WsData> | null = null;
const clients: mqtt.MqttClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.end(true);
  await broker?.close();
  await server?.stop(true);
  broker = server = null;
});

function serve(b: Broker): Server<WsData> {
  return Bun.serve<WsData>({
    hostname: "127.0.0.1",
    port: 0,
    fetch(req, srv) {
      if (new URL(req.url).pathname !== "/mqtt") return new Response("not found", { status: 404 });
      const proto = (req.headers.get("sec-websocket-protocol") ?? "")
        .split(",")
        .map((s) => s.trim())
        .find((p) => p === "mqtt" || p === "mqttv3.1");
      if (!proto) return new Response("MQTT subprotocol required", { status: 400 });
      const data = b.wsData({ transport: "ws", remoteAddress: srv.requestIP(req)?.address ?? "" });
      if (srv.upgrade(req, { headers: { "Sec-WebSocket-Protocol": proto }, data })) return undefined;
      return new Response("upgrade failed", { status: 400 });
    },
    websocket: b.websocket,
  });
}

test("MQTT.js over ws:// and a TCP client share one broker, both ways", async () => {
  const seen: ConnectRequest[] = [];
  broker = new Broker({
    hooks: {
      ...allowAll,
      authenticate: (r) => {
        seen.push(r);
        return { ok: true };
      },
    },
    sysIntervalMs: 0,
  });
  const l = await broker.listen({ host: "127.0.0.1", port: 0 });
  server = serve(broker);
  try {
    const ws = await mqtt.connectAsync(`ws://127.0.0.1:${server.port}/mqtt`, {
      clientId: "browser",
      protocolVersion: 5,
      reconnectPeriod: 0,
    });
    const tcp = await mqtt.connectAsync(`mqtt://127.0.0.1:${l.port}`, { clientId: "device", reconnectPeriod: 0 });
    clients.push(ws, tcp);
    expect(seen.find((r) => r.clientId === "browser")?.peer.transport).toBe("ws");
    const got: string[] = [];
    ws.on("message", (t, p) => got.push(`ws:${t}=${p}`));
    tcp.on("message", (t, p) => got.push(`tcp:${t}=${p}`));
    await ws.subscribeAsync("to/browser", { qos: 1 });
    await tcp.subscribeAsync("to/device", { qos: 1 });
    await tcp.publishAsync("to/browser", "hi", { qos: 1 });
    await ws.publishAsync("to/device", "hello", { qos: 2 });
    const big = "x".repeat(200_000); // spans many TCP segments and a large WS frame
    await tcp.publishAsync("to/browser", big, { qos: 0 });
    await until(() => got.length === 3);
    expect(got.slice(0, 2).sort()).toEqual(["tcp:to/device=hello", "ws:to/browser=hi"]);
    expect(got[2]).toBe(`ws:to/browser=${big}`);
  } finally {
    l.stop();
  }
});

test("a text frame closes the WebSocket MQTT connection", async () => {
  broker = new Broker({ hooks: allowAll, sysIntervalMs: 0 });
  server = serve(broker);
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/mqtt`, ["mqtt"]);
  await new Promise((r) => (ws.onopen = r));
  const closed = new Promise((r) => (ws.onclose = r));
  ws.send("not mqtt");
  await closed;
  expect(broker.stats().connected).toBe(0);
});
