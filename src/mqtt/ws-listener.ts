// An MQTT listener of its own for MQTT over WebSocket (ws:// or wss://, a `Listener` block):
// Bun.serve answering only the WebSocket upgrade of `/mqtt` (Mosquitto's and EMQX's path),
// with the same upgrade checks as the HTTP server's /mqtt route (wsUpgradeCheck) and the
// same WebSocket transport (websocket.ts). The MQTT CONNECT that follows authenticates.
import { failure as refuse } from "../lib/http/respond.ts";
import type { BrokerCore } from "./core.ts";
import type { Listening, ListenOptions } from "./listeners.ts";
import { createWsHandler, type WsData } from "./websocket.ts";
import { wsUpgradeCheck } from "../lib/mqtt-ws-upgrade.ts";

const MQTT_WS_PATH = "/mqtt";

const pem = (v: string) => (v.includes("-----BEGIN") ? v : Bun.file(v));

export function listenWebSocket(core: BrokerCore, o: ListenOptions, onStop: (l: Listening) => void): Listening {
  const tls = o.tls;
  if (tls?.requestCert) throw new Error("wss:// listeners do not ask for client certificates (use tls:// for them)");
  const server = Bun.serve<WsData>({
    hostname: o.host,
    port: o.port,
    ...(tls ? { tls: { cert: pem(tls.cert), key: pem(tls.key) } } : {}),
    fetch(req, srv) {
      if (new URL(req.url).pathname !== MQTT_WS_PATH)
        return refuse(404, `MQTT over WebSocket is served on ${MQTT_WS_PATH}`);
      const check = wsUpgradeCheck(req);
      if (!check.ok) return refuse(check.status, check.reason, check.headers);
      if (core.shuttingDown) return refuse(503, "shutting down");
      const data: WsData = {
        peer: {
          transport: tls ? "wss" : "ws",
          remoteAddress: srv.requestIP(req)?.address ?? "",
          ...(o.name !== undefined ? { listener: o.name } : {}),
        },
        conn: null,
        transport: null,
      };
      if (srv.upgrade(req, { data, headers: { "Sec-WebSocket-Protocol": check.protocol } })) return undefined;
      return refuse(400, "websocket upgrade failed");
    },
    websocket: createWsHandler(core),
  });
  const l: Listening = {
    ...(o.name !== undefined ? { name: o.name } : {}),
    host: server.hostname ?? o.host,
    port: server.port ?? o.port,
    transport: tls ? "wss" : "ws",
    stop: (closeConnections = true) => {
      void server.stop(closeConnections);
      onStop(l);
    },
  };
  return l;
}
