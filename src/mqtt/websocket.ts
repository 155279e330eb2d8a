// MQTT over WebSocket: each binary message is a chunk of the same byte stream a TCP
// socket would carry (packets may span or share frames). The HTTP server upgrades
// `/mqtt` with `data: broker.wsData(peer)` and `websocket: broker.websocket`.
import type { ServerWebSocket, WebSocketHandler } from "bun";
import type { PeerInfo } from "./hooks.ts";
import type { BrokerCore } from "./core.ts";
import { Connection } from "./connection.ts";
import { WsTransport } from "./transport.ts";

export interface WsData {
  peer: PeerInfo;
  conn: Connection | null;
  transport: WsTransport<WsData> | null;
}

export function createWsHandler(core: BrokerCore): WebSocketHandler<WsData> {
  return {
    // one MQTT packet may not exceed maxPacketSize; leave room for frames carrying several
    maxPayloadLength: core.opts.maxPacketSize * 2 + 1024,
    idleTimeout: 0, // MQTT keepalive governs idleness
    open(ws: ServerWebSocket<WsData>) {
      if (core.shuttingDown) return ws.terminate();
      const t = new WsTransport<WsData>(ws, ws.data.peer);
      ws.data.transport = t;
      ws.data.conn = new Connection(core, t);
    },
    message(ws, m) {
      const c = ws.data.conn;
      if (!c) return;
      if (typeof m === "string") return c.close(); // [MQTT-6.0.0-1] text frames close the connection
      c.onData(m);
    },
    drain(ws) {
      ws.data.transport?.drained();
      ws.data.conn?.onDrain();
    },
    close(ws) {
      ws.data.conn?.onTransportClosed();
    },
  };
}
