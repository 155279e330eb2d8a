// Starting the HTTP listeners from config, shared by the first start and by a reload that
// replaces one of them (MQTT's: mqtt-listener.ts).
import type { Auth } from "../auth/index.ts";
import type { ReadCheck } from "./query-authz.ts";
import type { NeoConfig, ResolvedHttpListener } from "../config/index.ts";
import {
  createHttpServer,
  createInflightLimit,
  DEFAULT_MAX_REQUESTS_PER_ADDRESS,
  type HttpDeps,
  type HttpServer,
} from "../http/index.ts";
import { createLogger, type Logger } from "../lib/log.ts";
import type { Broker } from "../mqtt/index.ts";
import type { Pki } from "../pki/index.ts";
import type { QueryService } from "../query/index.ts";
import type { SeriesStore } from "../storage/index.ts";
import { listening } from "./listen-error.ts";
import { loadTlsMaterial } from "./tls-material.ts";

export interface ListenerDeps {
  pki: Pki;
  /** client-certificate CAs trusted besides the gateway's own (Tls.TrustedCA), PEM */
  trusted?: readonly string[];
  broker: Broker;
  store: SeriesStore;
  queries: QueryService;
  /** scopes: may a principal read what a statement reads */
  readCheck?: ReadCheck;
  auth: Auth;
  /** the brute-force guard in front of every route */
  guard: HttpDeps["guard"];
  /** the audit trail: one row per authenticated request */
  audit: HttpDeps["audit"];
  /** GET /metrics */
  metrics?: Pick<HttpDeps, "metrics">;
  /** more routes in the HTTP server's table, and the kind of WebSocket they upgrade to (channel adapters) */
  routes?: HttpDeps["routes"];
  sockets?: HttpDeps["sockets"];
  /** one request arrived on the named HTTP listener */
  counted?: HttpDeps["counted"];
}

export function createListeners(d: ListenerDeps) {
  // Http.MaxRequestsPerAddress counts an address's requests on every HTTP listener together
  let settingsNow: NeoConfig | undefined;
  const inflight = createInflightLimit(
    () => settingsNow?.http.maxRequestsPerAddress ?? DEFAULT_MAX_REQUESTS_PER_ADDRESS,
  );
  /**
   * One HTTP listener from its rules. `cfg` is read per request (a live view of the
   * settings with this listener's address, TLS and token rule): the server reads its auth
   * switch then.
   */
  const startHttp = async (
    cfg: NeoConfig,
    l: ResolvedHttpListener,
    file?: string,
    log: Logger = createLogger("http"),
  ): Promise<HttpServer> => {
    settingsNow = cfg; // a live view: every listener's reads the same settings
    const httpTls = l.transport === "https";
    const tls = httpTls
      ? { ...(await loadTlsMaterial(d.pki, cfg.http.tls, "Http", d.trusted)), clientAuth: l.clientAuth }
      : undefined;
    const what = l.named ? (`HTTP listener "${l.name}"` as const) : "HTTP";
    const chosenBy = l.named ? `${file ?? "config"}:${l.at ?? "?"} Http.Listener "${l.name}"` : undefined;
    return listening(
      what,
      l.listen.host,
      l.listen.port,
      () =>
        createHttpServer({
          config: cfg,
          listener: l.name,
          inflight,
          ...(d.counted ? { counted: d.counted } : {}),
          store: d.store,
          queries: d.queries,
          ...(d.readCheck ? { readCheck: d.readCheck } : {}),
          auth: {
            identify: (c) => d.auth.identify(c),
            markUsed: (id) => d.auth.markUsed(id),
          },
          log,
          websocket: {
            path: "/mqtt",
            // behind the HTTPS client-certificate front, `peer` carries the real address and the verified certificate
            upgradeData: (req, server, peer) =>
              d.broker.wsData({
                transport: httpTls ? "wss" : "ws",
                remoteAddress: peer?.remoteAddress ?? server.requestIP(req)?.address ?? "",
                ...(peer?.cert ? { cert: peer.cert } : {}),
                // a named HTTP listener's name: its rules, metrics and audit rows for the session
                ...(l.named ? { listener: l.name } : {}),
              }),
            handlers: d.broker.websocket,
          },
          ...(d.guard ? { guard: d.guard } : {}),
          ...(d.audit ? { audit: d.audit } : {}),
          ...d.metrics,
          ...(d.routes ? { routes: d.routes } : {}),
          ...(d.sockets ? { sockets: d.sockets } : {}),
          tls,
        }),
      chosenBy,
    );
  };

  return { startHttp };
}
