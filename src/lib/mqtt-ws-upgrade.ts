// The checks an MQTT-over-WebSocket upgrade meets on every door: the HTTP server's /mqtt
// route and a ws:// / wss:// MQTT listener of its own (mqtt/ws-listener.ts).
const WS_PROTOCOLS = ["mqtt", "mqttv3.1"];

/** a WebSocket upgrade offering subprotocol mqtt or mqttv3.1 (the one answered), else the HTTP refusal */
export function wsUpgradeCheck(
  req: Request,
): { ok: true; protocol: string } | { ok: false; status: number; reason: string; headers?: Record<string, string> } {
  if (req.headers.get("upgrade")?.toLowerCase() !== "websocket")
    return {
      ok: false,
      status: 426,
      reason: "MQTT over WebSocket: send a WebSocket upgrade",
      headers: { upgrade: "websocket" },
    };
  const offered = (req.headers.get("sec-websocket-protocol") ?? "").split(",").map((s) => s.trim());
  const protocol = WS_PROTOCOLS.find((p) => offered.includes(p));
  if (!protocol) return { ok: false, status: 400, reason: "MQTT over WebSocket needs subprotocol mqtt or mqttv3.1" };
  return { ok: true, protocol };
}
