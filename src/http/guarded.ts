// The brute-force guard in front of the HTTP handler: one entrance for every route.
import type { Guard } from "../auth/index.ts";
import { failure } from "../lib/http/respond.ts";
import type { AuditLog } from "../registry/index.ts";
import type { HttpHandler } from "./handler.ts";

/** endpoints that take a password in the body (their own failures count, see web/api.ts) */
const LOGIN_PATHS = new Set(["/web/api/login", "/users/tokens/issue", "/users/password/reset"]);

/** a credential in the request: an Authorization header, or `?authorization=` (WebSocket upgrades) */
const carriesCredential = (req: Request, url: URL) =>
  req.headers.get("authorization") !== null || url.searchParams.has("authorization");

/**
 * The handler with the brute-force guard in front: one entrance. Only the parsed path
 * `/health` passes unchecked, and a real WebSocket upgrade of the MQTT path (the broker
 * answers a banned address with CONNACK 0x9F and counts its CONNECTs); every other
 * request, upgrades to other WebSocket routes included, is checked, and every 401 to a
 * request that carried a credential (header or `?authorization=`) counts as a failure.
 */
export function guarded(
  handler: HttpHandler,
  guard: Pick<Guard, "check" | "failed">,
  audit: Pick<AuditLog, "record"> | undefined,
  mqttPath: string | undefined,
): HttpHandler {
  return {
    routes: handler.routes,
    async fetch(req, conn = {}) {
      let url: URL;
      try {
        url = new URL(req.url);
      } catch {
        return failure(400, "invalid request URL");
      }
      if (url.pathname === "/health") return handler.fetch(req, conn);
      const mqttUpgrade =
        url.pathname === mqttPath && req.headers.get("upgrade")?.toLowerCase() === "websocket" && req.method === "GET";
      const address = conn.clientIp ?? "";
      const g = mqttUpgrade ? ({ ok: true } as const) : guard.check(address);
      if (!g.ok) {
        // a refused attempt that carried credentials is an authentication outcome too
        const bearer = carriesCredential(req, url);
        const login = LOGIN_PATHS.has(url.pathname);
        if (audit && (bearer || login))
          audit.record({
            kind: "auth",
            action: login ? "login" : "request",
            result: "fail",
            method: login ? "password" : "token",
            listener: conn.peer ? "https" : "http",
            address,
            target: `${req.method} ${url.pathname}`,
            reason: `address banned for ${g.retryAfterSec}s more`,
          });
        return failure(429, `too many failed authentications from this address, retry in ${g.retryAfterSec}s`, {
          "retry-after": String(g.retryAfterSec),
        });
      }
      const res = await handler.fetch(req, conn);
      if (res?.status === 401 && carriesCredential(req, url)) guard.failed(address);
      return res;
    },
  };
}
