// The HTTP server: /db/query, /db/write/<table>, /health, MQTT over WebSocket at the
// configured path, then whatever extra routes app plugs in (web UI). Every failure
// becomes {"success":false,"reason":...}; nothing a client sends can crash it.
import type { Server, WebSocketHandler } from "bun";
import type { NeoConfig } from "../config/index.ts";
import { isNeoError } from "../lib/errors.ts";
import { createLogger, type Logger } from "../lib/log.ts";
import type { SeriesStore } from "../storage/index.ts";
import { checkToken, type TokenVerifier } from "./auth-check.ts";
import { DEFAULT_BODY_LIMIT } from "./body.ts";
import { failure } from "./json.ts";
import { handleHealth } from "./routes/health.ts";
import { handleQuery } from "./routes/query.ts";
import { handleWrite } from "./routes/write.ts";

export interface HttpWebSocket {
  /** e.g. "/mqtt" */
  path: string;
  /** per-connection data for the handlers; return a Response to refuse the upgrade */
  upgradeData(req: Request, server: Server<unknown>): unknown | Response;
  handlers: WebSocketHandler<unknown>;
}

export interface HttpDeps {
  config: NeoConfig;
  store: SeriesStore;
  auth: TokenVerifier;
  log?: Logger;
  websocket?: HttpWebSocket;
  extraRoutes?: (req: Request, url: URL) => Response | Promise<Response | undefined> | undefined;
  tls?: { cert: string; key: string; ca?: string; requestCert?: boolean };
  /** largest request body accepted (default 16 MiB) */
  maxBodyBytes?: number;
}

export interface HttpServer {
  server: Server<unknown>;
  /** e.g. "http://127.0.0.1:5654" with the real bound port */
  url: string;
  stop(): Promise<void>;
}

const WS_PROTOCOLS = ["mqtt", "mqttv3.1"];
const STOP_GRACE_MS = 2000;

function methodNotAllowed(allow: string): Response {
  return failure(405, "method not allowed", { allow });
}

export function createHttpServer(deps: HttpDeps): HttpServer {
  const log = deps.log ?? createLogger("http");
  const limit = deps.maxBodyBytes ?? DEFAULT_BODY_LIMIT;
  const tokenAuth = deps.config.http.enableTokenAuth;
  const startedAt = Date.now();

  function errorResponse(err: unknown, req: Request): Response {
    if (isNeoError(err)) {
      if (err.status >= 500) log.error(`${req.method} ${new URL(req.url).pathname}: ${err.message}`, err.cause);
      return failure(err.status, err.message);
    }
    log.error(`${req.method} ${new URL(req.url).pathname} failed`, err);
    return failure(500, "internal error");
  }

  async function route(req: Request, server: Server<unknown>): Promise<Response | undefined> {
    const url = new URL(req.url);
    const path = url.pathname;

    const ws = deps.websocket;
    if (ws && path === ws.path && req.headers.get("upgrade")?.toLowerCase() === "websocket") {
      if (req.method !== "GET") return methodNotAllowed("GET");
      const offered = (req.headers.get("sec-websocket-protocol") ?? "").split(",").map((s) => s.trim());
      const proto = WS_PROTOCOLS.find((p) => offered.includes(p));
      if (!proto) return failure(400, "MQTT over WebSocket needs subprotocol mqtt or mqttv3.1");
      const data = ws.upgradeData(req, server);
      if (data instanceof Response) return data;
      if (server.upgrade(req, { data, headers: { "Sec-WebSocket-Protocol": proto } })) return undefined;
      return failure(400, "websocket upgrade failed");
    }

    if (path === "/health") {
      if (req.method !== "GET" && req.method !== "HEAD") return methodNotAllowed("GET, HEAD");
      return handleHealth(startedAt);
    }

    if (path === "/db" || path.startsWith("/db/")) {
      if (tokenAuth) {
        const a = checkToken(req, deps.auth, log);
        if (!a.ok) return a.response;
      }
      if (path === "/db/query") {
        if (req.method !== "GET" && req.method !== "POST") return methodNotAllowed("GET, POST");
        return handleQuery(req, url, deps.store, limit);
      }
      if (path.startsWith("/db/write/")) {
        if (req.method !== "POST") return methodNotAllowed("POST");
        let table: string;
        try {
          table = decodeURIComponent(path.slice("/db/write/".length));
        } catch {
          return failure(400, "invalid table name in path");
        }
        return handleWrite(req, url, table, deps.store, limit);
      }
      return failure(404, `not found: ${path}`);
    }

    if (deps.extraRoutes) {
      const r = await deps.extraRoutes(req, url);
      if (r) return r;
    }
    return failure(404, `not found: ${path}`);
  }

  const host = deps.config.http.listen.host;
  const server = Bun.serve<unknown>({
    hostname: host,
    port: deps.config.http.listen.port,
    // Bun's own cap (413) for bodies nobody reads; readBody enforces the JSON-shaped limit.
    maxRequestBodySize: limit + 1024,
    tls: deps.tls
      ? { cert: deps.tls.cert, key: deps.tls.key, ca: deps.tls.ca, requestCert: deps.tls.requestCert ?? false, rejectUnauthorized: deps.tls.requestCert ?? false }
      : undefined,
    async fetch(req, srv) {
      try {
        return await route(req, srv);
      } catch (err) {
        return errorResponse(err, req);
      }
    },
    error(err) {
      log.error("request failed", err);
      return failure(500, "internal error");
    },
    websocket: deps.websocket?.handlers ?? { message() {} },
  } as Parameters<typeof Bun.serve<unknown>>[0]);

  const scheme = deps.tls ? "https" : "http";
  const shownHost = host.includes(":") ? `[${host}]` : host;
  const url = `${scheme}://${shownHost}:${server.port}`;
  log.info(`HTTP Listen ${deps.tls ? "tls" : "tcp"}://${shownHost}:${server.port}`);
  if (tokenAuth) log.info("HTTP token authentication enabled");

  let stopping: Promise<void> | undefined;
  return {
    server,
    url,
    stop() {
      stopping ??= (async () => {
        // Let in-flight requests finish, then close whatever is left (idle keep-alives).
        let timer: ReturnType<typeof setTimeout> | undefined;
        const grace = new Promise<void>((r) => (timer = setTimeout(r, STOP_GRACE_MS)));
        await Promise.race([server.stop(false), grace]);
        clearTimeout(timer);
        await server.stop(true);
      })();
      return stopping;
    },
  };
}
