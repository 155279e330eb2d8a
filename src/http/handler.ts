// The HTTP request handler as a pure fetch(req): route table lookup (404/405), the
// route's auth requirement, the handler, and every failure as {"success":false,"reason"}.
// server.ts puts it behind Bun.serve; tests call it directly, no port needed.
import { authorize } from "../auth/index.ts";
import type { NeoConfig } from "../config/index.ts";
import { failure } from "../lib/http/respond.ts";
import { errorResponse } from "../lib/http/respond.ts";
import { routeTable } from "../lib/http/routes.ts";
import type { Logger } from "../lib/log.ts";
import { createLogAggregator } from "../lib/log-aggregate.ts";
import type { Identified } from "../auth/index.ts";
import { identifyRequest, type HttpIdentify } from "./auth-check.ts";
import { type AuditLog, tokenClientId } from "../registry/index.ts";
import { bearerToken } from "../lib/http/bearer.ts";
import { httpRoutes } from "./routes/index.ts";
import { checkSite } from "./site-guard.ts";
import type { Connection, HttpAuth, HttpContext, HttpRoute, RouteDeps } from "./types.ts";

export interface HandlerDeps extends RouteDeps {
  config: NeoConfig;
  auth: HttpIdentify;
  log: Logger;
  /** where authentication outcomes of "client" routes are recorded (the audit trail) */
  audit?: Pick<AuditLog, "record">;
  /** app's other handlers (web UI), tried when no route has the path */
  fallback?: (req: Request, url: URL, clientIp?: string) => Response | Promise<Response | undefined> | undefined;
}

export interface HttpHandler {
  /** undefined: the connection was upgraded to a WebSocket */
  fetch(req: Request, conn?: Connection): Promise<Response | undefined>;
  readonly routes: readonly HttpRoute[];
}

type Authenticated = { ok: true; principal?: Identified } | { ok: false; response: Response };

/** one audit row per authentication (an anonymous request on an open server is none) */
function auditOutcome(audit: Pick<AuditLog, "record">, req: Request, conn: Connection, a: Authenticated): void {
  const bearer = req.headers.get("authorization") !== null;
  const cert = conn.peer?.cert;
  const p = a.ok ? a.principal : undefined;
  if (!bearer && !cert && (p === undefined || p.kind === "anonymous")) return;
  const presented = bearerToken(req);
  const person =
    p?.via === "user" || p?.via === "pat" || presented?.startsWith("pat_") || /^n(ac|ws)_/.test(presented ?? "");
  const claimed = p && p.kind !== "anonymous" ? p.id : ((presented && tokenClientId(presented)) ?? cert?.cn);
  audit.record({
    kind: "auth",
    action: "request",
    result: a.ok ? "ok" : "fail",
    method: cert
      ? "certificate"
      : p?.via === "pat" || presented?.startsWith("pat_")
        ? "pat"
        : person
          ? "access_key"
          : bearer
            ? "token"
            : "none",
    listener: conn.peer ? "https" : "http",
    ...(conn.clientIp ? { address: conn.clientIp } : {}),
    ...(claimed ? (person ? { user: claimed } : { client: claimed }) : {}),
    target: `${req.method} ${new URL(req.url).pathname}`,
    ...(a.ok ? {} : { reason: `HTTP ${a.response.status}` }),
    // a refused token's id is only what its unverified prefix claims
    ...(!a.ok && claimed !== undefined && !cert ? { detail: JSON.stringify({ claimed: true }) } : {}),
  });
}

export function createHttpHandler(deps: HandlerDeps): HttpHandler {
  const { log } = deps;
  const table = routeTable(httpRoutes(deps));
  // refused tokens and certificates: a few per address in full, then a count per minute
  const refusals = createLogAggregator(log, "refused HTTP authentications");

  function authenticate(auth: HttpAuth, req: Request, conn: Connection): Authenticated {
    if (auth === "none") return { ok: true };
    // read per request: a SIGHUP reload may switch these on or off
    if (auth === "metrics" && deps.config.http.metricsPublic === true) return { ok: true };
    const tokenAuth = deps.config.http.enableTokenAuth;
    const cert = conn.peer?.cert;
    const who = conn.clientIp ?? conn.peer?.remoteAddress ?? "an unknown address";
    const a = identifyRequest(req, deps.auth, { tokenAuth, ...(cert ? { cert } : {}) }, refusals.forSource(who));
    if (deps.audit) auditOutcome(deps.audit, req, conn, a);
    if (!a.ok) return a;
    // /metrics: an identified caller needs metrics:read:* (anonymous only when token auth is off)
    if (auth === "metrics" && a.principal.kind !== "anonymous") {
      const d = authorize(a.principal, "metrics:read", "*");
      if (!d.allow) return { ok: false, response: failure(403, `${d.reason} (needs the scope metrics:read:*)`) };
    }
    if (a.principal.kind === "client") deps.auth.markUsed?.(a.principal.id);
    return a;
  }

  async function handle(req: Request, url: URL, conn: Connection): Promise<Response | undefined> {
    const found = table.match(req.method, url.pathname);
    if ("response" in found) {
      if (found.response.status === 404 && deps.fallback) {
        const r = await deps.fallback(req, url, conn.clientIp);
        if (r) return r;
      }
      return found.response;
    }
    const a = authenticate(found.route.auth, req, conn);
    if (!a.ok) return a.response;
    const p = a.principal;
    const ctx: HttpContext = {
      ...conn,
      url,
      params: found.params,
      ...(p ? { principal: p } : {}),
      ...(p && p.kind !== "anonymous" ? { clientId: p.id } : {}),
    };
    return found.route.handler(req, ctx);
  }

  return {
    routes: table.routes,
    async fetch(req, conn = {}) {
      let url: URL;
      try {
        url = new URL(req.url);
      } catch {
        return failure(400, "invalid request URL");
      }
      const refused = checkSite(req, {
        listenHost: deps.config.http.listen.host,
        allowedHosts: deps.config.http.allowedHosts,
      });
      if (refused) return refused;
      try {
        return await handle(req, url, conn);
      } catch (err) {
        return errorResponse(err, log, `${req.method} ${url.pathname}`);
      }
    },
  };
}
