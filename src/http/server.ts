// The HTTP server: Bun.serve (or the HTTPS client-certificate front) around the runner's
// fetch(req) (runner.ts), over ONE route table: /health, /db/*, /metrics, MQTT over
// WebSocket at the configured path, and the routes app adds (routes/<resource>.ts).
// Every failure becomes {"success":false,"reason":...}; nothing a client sends can crash it.
import type { Server, ServerWebSocket, WebSocketHandler } from "bun";
import type { NeoConfig } from "../config/index.ts";
import { failure } from "../lib/http/respond.ts";
import { addressSet, forwardedClient, isLoopbackHost } from "../lib/ip.ts";
import { createLogger, type Logger } from "../lib/log.ts";
import type { QueryService } from "../query/index.ts";
import type { SeriesStore } from "../storage/index.ts";
import type { HttpAudit } from "./audit-events.ts";
import { DEFAULT_BODY_LIMIT } from "./body.ts";
import type { HttpIdentify } from "./caller.ts";
import type { RouteSpec } from "./route.ts";
import { dbRoutes, type DbDeps } from "./routes/db.ts";
import { healthRoutes } from "./routes/health.ts";
import { metricsRoutes } from "./routes/metrics.ts";
import { type HttpWebSocket, mqttWsRoutes } from "./routes/mqtt-ws.ts";
import { createRunner, type HttpHandler, type RunnerDeps } from "./runner.ts";
import { createTlsFront, type FrontPeer, type TlsFront } from "../lib/tls-front.ts";
import { createInflightLimit, DEFAULT_MAX_REQUESTS_PER_ADDRESS, type InflightLimit } from "./inflight.ts";

export interface HttpDeps {
  config: NeoConfig;
  store: SeriesStore;
  /** where /db/query runs (a pool of query processes) */
  queries: QueryService;
  auth: HttpIdentify;
  /** scopes: may the principal read what a statement reads (app: the table finder) */
  readCheck?: DbDeps["readCheck"];
  log?: Logger;
  websocket?: HttpWebSocket;
  /** more routes in the server's table (404/405 and the auth requirement come from it) */
  routes?: RouteSpec[];
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
  guard?: RunnerDeps["guard"];
  /** the audit trail: authentication outcomes, changes, authorization refusals (deny) */
  audit?: HttpAudit;

  /** GET /metrics: the Prometheus text (no route without it) */
  metrics?: () => string;
  /** other kinds of WebSocket (the channel adapter's), told apart by their upgrade data */
  sockets?: HttpSockets;
  /** this listener's name (an Http.Listener block; default "http" or "https"): audit rows, metrics */
  listener?: string;
  /** one request arrived on this listener (neo_http_requests_total) */
  counted?(listener: string): void;
  /** requests in progress per address, shared by every HTTP listener (default: this server's own) */
  inflight?: InflightLimit;
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

const STOP_GRACE_MS = 2000;

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

/** The handler alone (no socket): what createHttpServer serves. */
export function createHttpFetch(deps: HttpDeps, log = deps.log ?? createLogger("http")): HttpHandler {
  const limit = deps.maxBodyBytes ?? DEFAULT_BODY_LIMIT;
  const routes: RouteSpec[] = [
    ...healthRoutes({ startedAt: Date.now(), store: deps.store }),
    ...dbRoutes({
      store: deps.store,
      queries: deps.queries,
      limit,
      ...(deps.readCheck ? { readCheck: deps.readCheck } : {}),
    }),
    ...(deps.metrics ? metricsRoutes(deps.metrics) : []),
    ...(deps.websocket ? mqttWsRoutes(deps.websocket) : []),
    ...(deps.routes ?? []),
  ];
  return createRunner(routes, {
    config: deps.config,
    auth: deps.auth,
    log,
    ...(deps.guard ? { guard: deps.guard } : {}),
    ...(deps.audit ? { audit: deps.audit } : {}),
  });
}

export function createHttpServer(deps: HttpDeps): HttpServer {
  const log = deps.log ?? createLogger("http");
  const limit = deps.maxBodyBytes ?? DEFAULT_BODY_LIMIT;
  const handler = createHttpFetch(deps, log);
  const trusted = addressSet(deps.config.http.trustedProxies ?? []);
  const inflight =
    deps.inflight ??
    createInflightLimit(() => deps.config.http.maxRequestsPerAddress ?? DEFAULT_MAX_REQUESTS_PER_ADDRESS);

  const host = deps.config.http.listen.host;
  const tls = deps.tls;
  const fronted = tls !== undefined && (tls.clientAuth ?? "none") !== "none";
  const name = deps.listener ?? (tls ? "https" : "http");
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
      deps.counted?.(name);
      const tcpPeer = peer?.remoteAddress ?? srv.requestIP(req)?.address;
      // behind a listed reverse proxy, the client is who X-Forwarded-For says (Http.TrustedProxies)
      const clientIp =
        tcpPeer !== undefined && trusted.size > 0
          ? forwardedClient(tcpPeer, req.headers.get("x-forwarded-for"), trusted)
          : tcpPeer;
      // a malformed Host makes no URL: 400 here, never a 500 from the error handler
      let path: string;
      try {
        path = new URL(req.url).pathname;
      } catch {
        return failure(400, "invalid request URL");
      }
      // one address's requests in progress are capped (Http.MaxRequestsPerAddress): 503 past it
      const res = await inflight.run(clientIp, path, async () =>
        handler.fetch(req, {
          server: srv,
          listener: name,
          tls: tls !== undefined,
          ...(peer ? { peer } : {}),
          ...(clientIp ? { clientIp } : {}),
        }),
      );
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
  log.info(`HTTP Listen ${tls ? "tls" : "tcp"}://${shownHost}:${port}${deps.listener ? ` (listener "${name}")` : ""}`);
  if (front)
    log.info(
      `HTTPS client certificates ${tls?.clientAuth === "require" ? "required" : "accepted"} (TLS front -> 127.0.0.1:${server.port})`,
    );
  if (deps.config.http.enableTokenAuth) log.info("HTTP token authentication enabled");
  else if (!isLoopbackHost(host))
    log.warn(
      `HTTP listener ${url} takes requests without a token from beyond this machine (EnableTokenAuth = false): Auth.AnonymousScopes apply to anyone who reaches it`,
    );

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
