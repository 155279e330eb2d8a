// GET <path> (/mqtt) with Upgrade: websocket -> MQTT over WebSocket. The MQTT CONNECT that
// follows authenticates (and meets the brute-force guard in the broker: 0x9F), so a real
// upgrade skips the HTTP guard's check; a credential sent with the upgrade itself (the
// Mainflux habit: header or ?authorization=) must be valid, and with a client certificate
// it must belong to the same client (the runner identifies it: a wrong one is 401 and
// counts toward a ban). Nothing is let through on the strength of it alone.
import type { Server, WebSocketHandler } from "bun";
import { failure } from "../../lib/http/respond.ts";
import { wsUpgradeCheck } from "../../lib/mqtt-ws-upgrade.ts";
import { type RouteSpec, UPGRADE } from "../route.ts";
import type { FrontPeer } from "../../lib/tls-front.ts";

export interface HttpWebSocket {
  /** e.g. "/mqtt" */
  path: string;
  /**
   * per-connection data for the handlers; return a Response to refuse the upgrade.
   * `peer` is set behind the HTTPS client-certificate front: the real remote address
   * and the verified client certificate, if any.
   */
  upgradeData(req: Request, server: Server<unknown>, peer?: FrontPeer): unknown | Response;
  handlers: WebSocketHandler<unknown>;
}

export function mqttWsRoutes(ws: HttpWebSocket): RouteSpec[] {
  return [
    {
      method: "GET",
      path: ws.path,
      who: UPGRADE,
      upgrade: "mqtt",
      handler(req, c) {
        const check = wsUpgradeCheck(req);
        if (!check.ok) return failure(check.status, check.reason, check.headers);
        const proto = check.protocol;
        if (!c.server) return failure(400, "websocket upgrade needs a listening server");
        // the client's address (behind a trusted proxy: the forwarded one) is the session's
        const peer = c.clientIp ? { ...c.peer, remoteAddress: c.clientIp } : c.peer;
        const data = ws.upgradeData(req, c.server, peer);
        if (data instanceof Response) return data;
        if (c.server.upgrade(req, { data, headers: { "Sec-WebSocket-Protocol": proto } })) return undefined;
        return failure(400, "websocket upgrade failed");
      },
    },
  ];
}
