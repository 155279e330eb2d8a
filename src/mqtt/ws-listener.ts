// An MQTT listener of its own for MQTT over WebSocket (ws:// or wss://, a `Listener` block):
// Bun.serve answering only the WebSocket upgrade of `/mqtt` (Mosquitto's and EMQX's path),
// with the same upgrade checks as the HTTP server's /mqtt route (wsUpgradeCheck) and the
// same WebSocket transport (websocket.ts). The MQTT CONNECT that follows authenticates.
//
// wss:// with client certificates (ClientAuth "optional"/"require"): Bun.serve verifies a
// client certificate but shows it neither to fetch() nor to the WebSocket (Bun 1.4.4,
// upstream #14097), so the public port is the TLS front (lib/tls-front.ts, the HTTPS
// listeners' too): it finishes the mTLS handshake, reads the verified certificate and
// pipes plaintext to a loopback-only Bun.serve, which finds its peer by the internal port.
import { readFileSync } from "node:fs";
import type { Server } from "bun";
import { failure as refuse } from "../lib/http/respond.ts";
import { createLogger } from "../lib/log.ts";
import { createTlsFront, type FrontPeer, type TlsFront } from "../lib/tls-front.ts";
import type { BrokerCore } from "./core.ts";
import type { Listening, ListenOptions } from "./listeners.ts";
import { createWsHandler, type WsData } from "./websocket.ts";
import { peerInfo } from "./peer.ts";
import { wsUpgradeCheck } from "../lib/mqtt-ws-upgrade.ts";

const MQTT_WS_PATH = "/mqtt";

const pem = (v: string) => (v.includes("-----BEGIN") ? v : Bun.file(v));
const text = (v: string) => (v.includes("-----BEGIN") ? v : readFileSync(v, "utf8"));

export function listenWebSocket(core: BrokerCore, o: ListenOptions, onStop: (l: Listening) => void): Listening {
  const tls = o.tls;
  const fronted = tls?.requestCert === true;
  let front: TlsFront | undefined;
  /** the client behind this request: the front's peer (with its certificate), else the TCP peer */
  const peerOf = (req: Request, srv: Server<WsData>): FrontPeer | undefined => {
    const ip = srv.requestIP(req);
    if (!fronted) return { remoteAddress: ip?.address ?? "" };
    return ip ? front?.peer(ip.address, ip.port) : undefined;
  };
  const server = Bun.serve<WsData>({
    // behind the front, the real server listens on loopback only, on a free port
    hostname: fronted ? "127.0.0.1" : o.host,
    port: fronted ? 0 : o.port,
    ...(tls && !fronted ? { tls: { cert: pem(tls.cert), key: pem(tls.key) } } : {}),
    fetch(req, srv) {
      const peer = peerOf(req, srv);
      // a local process that connected to the internal port directly
      if (!peer) return refuse(403, "connect through the WSS port");
      if (new URL(req.url).pathname !== MQTT_WS_PATH)
        return refuse(404, `MQTT over WebSocket is served on ${MQTT_WS_PATH}`);
      const check = wsUpgradeCheck(req);
      if (!check.ok) return refuse(check.status, check.reason, check.headers);
      if (core.shuttingDown) return refuse(503, "shutting down");
      const data: WsData = {
        peer: peerInfo(tls ? "wss" : "ws", peer.remoteAddress, o.name, peer.cert),
        conn: null,
        transport: null,
      };
      if (srv.upgrade(req, { data, headers: { "Sec-WebSocket-Protocol": check.protocol } })) return undefined;
      return refuse(400, "websocket upgrade failed");
    },
    websocket: createWsHandler(core),
  });
  if (fronted && tls) {
    try {
      front = createTlsFront({
        host: o.host,
        port: o.port,
        tls: {
          cert: text(tls.cert),
          key: text(tls.key),
          ca: tls.ca ? text(tls.ca) : "",
          clientAuth: tls.rejectUnauthorized === false ? "optional" : "require",
        },
        upstreamPort: server.port ?? 0,
        log: createLogger("mqtt-wss"),
        handshakeTimeoutMs: core.opts.connectTimeoutMs,
      });
    } catch (e) {
      void server.stop(true);
      throw e;
    }
  }
  const l: Listening = {
    ...(o.name !== undefined ? { name: o.name } : {}),
    host: front?.hostname ?? server.hostname ?? o.host,
    port: front?.port ?? server.port ?? o.port,
    transport: tls ? "wss" : "ws",
    stop: (closeConnections = true) => {
      front?.stop(closeConnections);
      void server.stop(closeConnections);
      onStop(l);
    },
  };
  return l;
}
