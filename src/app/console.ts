// What the operator console shows, built from the parts app owns: the broker (through
// a few calls, never handed to web), the query workers, the store, the config and the
// metrics. web/console-api.ts turns it into /web/api/console/*.
import { authorize, type Principal, shareKey } from "../auth/index.ts";
import type { NeoConfig } from "../config/index.ts";
import { formatConfig } from "../config/index.ts";
import { handleQuery } from "../http/index.ts";
import { buildInfo } from "../lib/build-info.ts";
import type { NeoMetrics } from "../metrics/index.ts";
import { type Broker, RC } from "../mqtt/index.ts";
import type { QueryService } from "../query/index.ts";
import type { SeriesStore } from "../storage/index.ts";
import type { BanView, ConnectionView, ConsoleSource, ExportView, ListenerView, TableView } from "../web/index.ts";
import type { SessionCredential } from "./mqtt-auth.ts";
import { dirBytes, readHistory } from "./self-record.ts";
import type { ReadCheck } from "./query-authz.ts";

/** the app's record of a console (web session) MQTT connection, kept as the client's meta */
export interface ConsoleMqttSession {
  via: "console";
  user: string;
  token: string;
  /** the web user's scopes decide what the Live page may watch */
  principal: Principal;
}

export const isConsoleSession = (meta: unknown): meta is ConsoleMqttSession =>
  typeof meta === "object" && meta !== null && (meta as { via?: unknown }).via === "console";

/** the tables the console lists at most */
const MAX_TABLES = 200;

export interface ConsoleDeps {
  config: NeoConfig;
  broker: () => Broker;
  store: SeriesStore;
  queries: QueryService;
  metrics: NeoMetrics;
  startedAt: number;
  /** the addresses bound now: "host:port" */
  addresses: () => { http: string; mqtt: string; grpc?: string; coap?: string; coapsTcp?: string };
  bodyLimit: number;
  /** may this principal run this statement? (the same check as /db/query) */
  readCheck: ReadCheck;
  /** the brute-force guard's bans */
  bans: { list(): BanView[]; clear(address?: string): number };
  /** the Export blocks' state */
  exports?: () => ExportView[];
}

function listeners(cfg: NeoConfig, addr: ReturnType<ConsoleDeps["addresses"]>): ListenerView[] {
  const m = cfg.mqtt;
  const mqttAuth = m.tls.enabled
    ? `client certificate (${m.tls.clientAuth})${m.enableTokenAuth ? " and token" : ""}`
    : m.enableTokenAuth
      ? "token"
      : "none (anonymous allowed)";
  const httpAuth = cfg.http.enableTokenAuth ? "token on /db/*" : "none on /db/* (anonymous allowed)";
  const httpTls = cfg.http.tls.enabled;
  return [
    { name: "MQTT", address: addr.mqtt, tls: m.tls.enabled, auth: mqttAuth },
    {
      name: "MQTT over WebSocket (/mqtt)",
      address: addr.http,
      tls: httpTls,
      auth: m.enableTokenAuth ? "token or console session" : "none (anonymous allowed)",
    },
    {
      name: "HTTP API and console",
      address: addr.http,
      tls: httpTls,
      auth: `${httpAuth}${httpTls && cfg.http.tls.clientAuth !== "none" ? `; client certificate (${cfg.http.tls.clientAuth})` : ""}`,
    },
    ...(cfg.grpc && addr.grpc
      ? [
          {
            name: "gRPC (machbase-neo API)",
            address: addr.grpc,
            tls: cfg.grpc.tls.enabled,
            auth: cfg.grpc.tls.enabled
              ? `client certificate (${cfg.grpc.tls.clientAuth}) or token in metadata`
              : "token in metadata",
          },
        ]
      : []),
    ...(addr.coap ? [{ name: "CoAP (UDP)", address: addr.coap, tls: false, auth: "key (?auth=)" }] : []),
    ...(addr.coapsTcp
      ? [
          {
            name: "CoAP over TLS (coaps+tcp)",
            address: addr.coapsTcp,
            tls: true,
            auth: `client certificate (${cfg.coap.tls.clientAuth})${cfg.coap.tls.clientAuth === "optional" ? " or key (?auth=)" : ""}`,
          },
        ]
      : []),
  ];
}

export function createConsoleSource(d: ConsoleDeps): ConsoleSource {
  return {
    history: (range) => readHistory(d.store, range),
    overview() {
      const info = buildInfo();
      const s = d.metrics.snapshot();
      return {
        exports: d.exports?.() ?? [],
        version: info.version,
        commit: info.commit,
        startedAt: d.startedAt,
        dataDir: d.config.data,
        dataDirBytes: dirBytes(d.config.data),
        listeners: listeners(d.config, d.addresses()),
        metrics: {
          at: s.at,
          connections: s.connections,
          connectionsByListener: s.connectionsByListener,
          messagesReceived: s.messagesReceived,
          messagesSent: s.messagesSent,
          rowsWritten: s.rowsWritten,
          authFailures: s.authFailures,
          subscriptions: s.subscriptions,
          retained: s.retained,
          ...(s.coap ? { coap: s.coap } : {}),
          residentMemoryBytes: s.residentMemoryBytes,
        },
      };
    },

    async tables() {
      // the storage's own listing (what GET /db/tables and `neo shell table list` show)
      const ms = (ns: bigint | null) => (ns === null ? null : Number(ns / 1_000_000n));
      return d.store
        .tableInfo()
        .slice(0, MAX_TABLES)
        .map((t): TableView => ({ name: t.name, rows: t.rows, bytes: t.bytes, from: ms(t.oldest), to: ms(t.newest) }));
    },

    query: (req, url, principal) =>
      handleQuery(
        req,
        url,
        d.queries,
        d.bodyLimit,
        (sql) => d.readCheck(principal, sql),
        shareKey(principal, undefined),
      ),

    connections() {
      return d
        .broker()
        .clientDetails()
        .map((c): ConnectionView => {
          const meta = c.meta;
          const authMethod = isConsoleSession(meta)
            ? `console session (${meta.user})`
            : meta && (meta as SessionCredential).via === "cert"
              ? "client certificate"
              : meta && (meta as SessionCredential).via === "token"
                ? "token"
                : "anonymous";
          return {
            clientId: c.clientId,
            key: isConsoleSession(meta) ? null : (c.identity ?? null),
            listener: c.transport,
            authMethod,
            remoteAddress: c.remoteAddress,
            since: c.connectedAt,
            messagesIn: c.messagesIn,
            messagesOut: c.messagesOut,
            subscriptions: c.subscriptions,
          };
        });
    },

    disconnect(clientId) {
      // v5 clients are told why: administrative action
      return d.broker().disconnect(clientId, RC.administrativeAction);
    },

    settings: () => formatConfig(d.config),
    bans: () =>
      d.bans.list().map((b) => ({
        address: b.address,
        since: b.since,
        until: b.until,
        failures: b.failures,
        level: b.level,
      })),
    clearBans: (address) => d.bans.clear(address),
  };
}

/**
 * A CONNECT from the console's Live page: over WebSocket, username = the web user,
 * password = that user's live console session token. The session may only subscribe
 * (gateway.ts refuses its publishes) and ends when the web session does. Undefined:
 * not a console credential, let the normal checks decide.
 */
export function consoleConnect(
  req: { clientId: string; username?: string; password?: Buffer; peer: { transport: string } },
  sessionUser: (token: string) => { name: string; principal: Principal } | undefined,
  heldBy: (clientId: string) => string | undefined,
): { ok: true; meta: ConsoleMqttSession } | { ok: false; reason: string } | undefined {
  if (req.peer.transport !== "ws" && req.peer.transport !== "wss") return undefined;
  if (!req.username || !req.password || req.password.length === 0 || req.password.length > 256) return undefined;
  const token = req.password.toString("utf8");
  const who = sessionUser(token);
  if (!who || who.name !== req.username) return undefined;
  if (heldBy(req.clientId) !== undefined)
    return { ok: false, reason: `client id "${req.clientId}" holds another client's session` };
  return { ok: true, meta: { via: "console", user: req.username, token, principal: who.principal } };
}

/** may a console session watch this filter (SUBSCRIBE) or get this message (delivery)? its user's scopes */
export const consoleMay = (m: ConsoleMqttSession, topicOrFilter: string): boolean =>
  authorize(m.principal, "topics:subscribe", topicOrFilter).allow;
