// The HTTP server: Bun.serve (or the HTTPS client-certificate front) around handler.ts's
// fetch(req), which routes by the table in routes/index.ts: /db/query, /db/write/<table>,
// /health, MQTT over WebSocket at the configured path, then whatever app plugs in (web UI).
// Every failure becomes {"success":false,"reason":...}; nothing a client sends can crash it.
import type { Server, ServerWebSocket, WebSocketHandler } from "bun";
import type { NeoConfig } from "../config/index.ts";
import { failure } from "../lib/http/respond.ts";
import { addressSet, forwardedClient } from "../lib/ip.ts";
import { createLogger, type Logger } from "../lib/log.ts";
import type { QueryService } from "../query/index.ts";
import type { Guard } from "../auth/index.ts";
import type { AuditLog } from "../registry/index.ts";
import type { SeriesStore } from "../storage/index.ts";
import type { HttpIdentify } from "./auth-check.ts";
import { DEFAULT_BODY_LIMIT } from "./body.ts";
import { createHttpHandler, type HttpHandler } from "./handler.ts";
import { guarded } from "./guarded.ts";
import type { RouteDeps } from "./types.ts";
import { createTlsFront, type FrontPeer, type TlsFront } from "./tls-front.ts";
import type { HttpContext, HttpRoute } from "./types.ts";

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

export interface HttpDeps {
  config: NeoConfig;
  store: SeriesStore;
  /** where /db/query runs (a pool of query processes) */
  queries: QueryService;
  auth: HttpIdentify;
  /** scopes: may the principal read what a statement reads (app: the table finder) */
  readCheck?: RouteDeps["readCheck"];
  log?: Logger;
  websocket?: HttpWebSocket;
  /** more routes in the server's table (404/405 and the auth requirement come from it) */
  routes?: HttpRoute[];
  /** app's other handlers (web UI), tried for paths no route has; clientIp is the real peer address */
  extraRoutes?: (req: Request, url: URL, clientIp?: string) => Response | Promise<Response | undefined> | undefined;
  /**
   * HTTPS. clientAuth "none" (default): Bun.serve terminates TLS. "optional"/"require":
   * a TLS front on the public port checks client certificates (chain to `ca`) and pipes
   * to a loopback-only Bun.serve, so handlers can see who the client is.
   */
  tls?: { cert: string; key: string; ca?: string; clientAuth?: "none" | "optional" | "require" };
  /** largest request body accepted (default 16 MiB) */
  maxBodyBytes?: number;
  /**
   * The brute-force guard: a banned address gets 429 + Retry-After before any route
   * (or hash) runs; a 401 to a request that carried an Authorization header counts as
   * one failure. Login endpoints (credentials in the body) count their own failures.
   */
  guard?: Pick<Guard, "check" | "failed">;
  /** the audit trail: one row per authenticated request */
  audit?: Pick<AuditLog, "record">;
  /** GET /metrics: the Prometheus text (no route without it) */
  metrics?: () => string;
  /** other kinds of WebSocket (the channel adapter's), told apart by their upgrade data */
  sockets?: HttpSockets;
}

/** A kind of WebSocket a route upgrades: `owns` recognises its sockets' data. */
export interface HttpSockets {
  owns(data: unknown): boolean;
  handlers: WebSocketHandler<unknown>;
}

/** One Bun.serve has one set of WebSocket handlers: MQTT's, and another kind's for its own sockets. */
function socketHandlers(mqtt: WebSocketHandler<unknown> | undefined, other: HttpSockets | undefined) {
  if (!other) return mqtt ?? { message() {} };
  const pick = (ws: ServerWebSocket<unknown>) => (other.owns(ws.data) ? other.handlers : mqtt);
  return {
    ...(mqtt?.maxPayloadLength !== undefined ? { maxPayloadLength: mqtt.maxPayloadLength } : {}),
    idleTimeout: 0,
    open: (ws) => pick(ws)?.open?.(ws),
    message: (ws, m) => pick(ws)?.message?.(ws, m),
    drain: (ws) => pick(ws)?.drain?.(ws),
    close: (ws, code, reason) => pick(ws)?.close?.(ws, code, reason),
  } satisfies WebSocketHandler<unknown>;
}

export interface HttpServer {
  server: Server<unknown>;
  /** e.g. "http://127.0.0.1:5654" with the real bound port */
  url: string;
  /** the same handler Bun.serve calls, for callers that want no socket */
  handler: HttpHandler;
  stop(): Promise<void>;
  /** stop accepting new connections but let open ones (keep-alive, WebSocket) run on (reload) */
  stopAccepting(): void;
}

const WS_PROTOCOLS = ["mqtt", "mqttv3.1"];
const STOP_GRACE_MS = 2000;

/** GET <path> with Upgrade: websocket -> MQTT over WebSocket (auth happens in MQTT CONNECT) */
function mqttOverWebSocket(ws: HttpWebSocket): HttpRoute {
  return {
    method: "GET",
    path: ws.path,
    auth: "none",
    handler(req: Request, c: HttpContext) {
      if (req.headers.get("upgrade")?.toLowerCase() !== "websocket")
        return failure(426, "MQTT over WebSocket: send a WebSocket upgrade", { upgrade: "websocket" });
      const offered = (req.headers.get("sec-websocket-protocol") ?? "").split(",").map((s) => s.trim());
      const proto = WS_PROTOCOLS.find((p) => offered.includes(p));
      if (!proto) return failure(400, "MQTT over WebSocket needs subprotocol mqtt or mqttv3.1");
      if (!c.server) return failure(400, "websocket upgrade needs a listening server");
      // the client's address (behind a trusted proxy: the forwarded one) is the session's
      const peer = c.clientIp ? { ...c.peer, remoteAddress: c.clientIp } : c.peer;
      const data = ws.upgradeData(req, c.server, peer);
      if (data instanceof Response) return data;
      if (c.server.upgrade(req, { data, headers: { "Sec-WebSocket-Protocol": proto } })) return undefined;
      return failure(400, "websocket upgrade failed");
    },
  };
}

/** The handler alone (no socket): what createHttpServer serves. */
export function createHttpFetch(deps: HttpDeps, log = deps.log ?? createLogger("http")): HttpHandler {
  const handler = createHttpHandler({
    config: deps.config,
    auth: deps.auth,
    log,
    store: deps.store,
    queries: deps.queries,
    ...(deps.readCheck ? { readCheck: deps.readCheck } : {}),
    limit: deps.maxBodyBytes ?? DEFAULT_BODY_LIMIT,
    startedAt: Date.now(),
    extra: [...(deps.websocket ? [mqttOverWebSocket(deps.websocket)] : []), ...(deps.routes ?? [])],
    ...(deps.extraRoutes ? { fallback: deps.extraRoutes } : {}),
    ...(deps.audit ? { audit: deps.audit } : {}),
    ...(deps.metrics ? { metrics: deps.metrics } : {}),
  });
  return deps.guard ? guarded(handler, deps.guard, deps.audit, deps.websocket?.path) : handler;
}

export function createHttpServer(deps: HttpDeps): HttpServer {
  const log = deps.log ?? createLogger("http");
  const limit = deps.maxBodyBytes ?? DEFAULT_BODY_LIMIT;
  const handler = createHttpFetch(deps, log);
  const trusted = addressSet(deps.config.http.trustedProxies ?? []);

  const host = deps.config.http.listen.host;
  const tls = deps.tls;
  const fronted = tls !== undefined && (tls.clientAuth ?? "none") !== "none";
  let front: TlsFront | undefined;
  const server = Bun.serve<unknown>({
    // behind the front, the real server listens on loopback only, on a free port
    hostname: fronted ? "127.0.0.1" : host,
    port: fronted ? 0 : deps.config.http.listen.port,
    // Bun's own cap answers 413 with an empty body before any handler (or auth check)
    // runs, so it sits far above `limit`: readBody enforces the limit while streaming and
    // answers with a JSON reason, after authentication.
    maxRequestBodySize: Math.max(limit * 4, 1 << 30),
    tls: tls && !fronted ? { cert: tls.cert, key: tls.key } : undefined,
    async fetch(req, srv) {
      let peer: FrontPeer | undefined;
      if (fronted) {
        const ip = srv.requestIP(req);
        peer = ip ? front?.peer(ip.address, ip.port) : undefined;
        // a local process that connected to the internal port directly
        if (!peer) return failure(403, "connect through the HTTPS port");
      }
      const tcpPeer = peer?.remoteAddress ?? srv.requestIP(req)?.address;
      // behind a listed reverse proxy, the client is who X-Forwarded-For says (Http.TrustedProxies)
      const clientIp =
        tcpPeer !== undefined && trusted.size > 0
          ? forwardedClient(tcpPeer, req.headers.get("x-forwarded-for"), trusted)
          : tcpPeer;
      const res = await handler.fetch(req, {
        server: srv,
        ...(peer ? { peer } : {}),
        ...(clientIp ? { clientIp } : {}),
      });
      // under HTTPS, browsers are told to use nothing else for this host
      if (tls && res) res.headers.set("strict-transport-security", "max-age=31536000");
      return res;
    },
    error(err) {
      log.error("request failed", err);
      return failure(500, "internal error");
    },
    websocket: socketHandlers(deps.websocket?.handlers, deps.sockets),
  } as Parameters<typeof Bun.serve<unknown>>[0]);

  if (fronted) {
    try {
      front = createTlsFront({
        host,
        port: deps.config.http.listen.port,
        tls: {
          cert: tls.cert,
          key: tls.key,
          ca: tls.ca ?? "",
          clientAuth: tls.clientAuth === "require" ? "require" : "optional",
        },
        upstreamPort: server.port ?? 0,
        log,
      });
    } catch (e) {
      void server.stop(true);
      throw e;
    }
  }
  const scheme = tls ? "https" : "http";
  const shownHost = host.includes(":") ? `[${host}]` : host;
  const port = front ? front.port : server.port;
  const url = `${scheme}://${shownHost}:${port}`;
  log.info(`HTTP Listen ${tls ? "tls" : "tcp"}://${shownHost}:${port}`);
  if (front)
    log.info(
      `HTTPS client certificates ${tls?.clientAuth === "require" ? "required" : "accepted"} (TLS front -> 127.0.0.1:${server.port})`,
    );
  if (deps.config.http.enableTokenAuth) log.info("HTTP token authentication enabled");

  let stopping: Promise<void> | undefined;
  return {
    server,
    url,
    handler,
    stopAccepting() {
      front?.stop(false);
      void server.stop(false);
    },
    stop() {
      stopping ??= (async () => {
        // Let in-flight requests finish, then close whatever is left (idle keep-alives).
        front?.stop(false); // no new connections; in-flight requests may finish
        let timer: ReturnType<typeof setTimeout> | undefined;
        const grace = new Promise<void>((r) => (timer = setTimeout(r, STOP_GRACE_MS)));
        await Promise.race([server.stop(false), grace]);
        clearTimeout(timer);
        front?.stop(true);
        await server.stop(true);
      })();
      return stopping;
    },
  };
}
