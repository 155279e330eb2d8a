// What the operator console shows, built from the parts app owns: the broker (through
// a few calls, never handed to web), the query workers, the store, the config and the
// metrics. web/console-api.ts turns it into /web/api/console/*.
import { type CredentialRef, principalName, shareKey } from "../auth/index.ts";
import {
  httpListeners,
  mqttListeners,
  type NeoConfig,
  type ResolvedHttpListener,
  type ResolvedMqttListener,
} from "../config/index.ts";
import { formatConfig } from "../config/index.ts";
import { handleQuery } from "../http/index.ts";
import { buildInfo } from "../lib/build-info.ts";
import type { NeoMetrics } from "../metrics/index.ts";
import { RC } from "../mqtt/index.ts";

import type { QueryService } from "../query/index.ts";
import type { SeriesStore } from "../storage/index.ts";
import type { BanView, ConnectionView, ConsoleSource, ExportView, ListenerView, TableView } from "../http/index.ts";
import { credentialOf, type NeoBroker } from "./mqtt-auth.ts";
import { dirBytes, readHistory } from "./self-record.ts";
import type { ReadCheck } from "./query-authz.ts";

/** the tables the console lists at most */
const MAX_TABLES = 200;

export interface ConsoleDeps {
  config: NeoConfig;
  broker: NeoBroker;
  store: SeriesStore;
  queries: QueryService;
  metrics: NeoMetrics;
  startedAt: number;
  /** the addresses bound now: "host:port" */
  addresses: () => {
    http: string;
    mqtt: string;
    mqttListeners?: { name: string; address: string }[];
    httpListeners?: { name: string; address: string }[];
    grpc?: string;
    coap?: string;
    coapsTcp?: string;
  };
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
  const httpAll = httpListeners(cfg.http);
  const httpAuthOf = (l: ResolvedHttpListener) =>
    `${l.enableTokenAuth ? "token on /db/*" : "none on /db/* (anonymous allowed)"}${l.clientAuth !== "none" ? `; client certificate (${l.clientAuth})` : ""}${l.credentials ? `; accepts ${l.credentials.join(", ")}` : ""}`;
  const httpAt = (l: ResolvedHttpListener) =>
    addr.httpListeners?.find((x) => x.name === l.name)?.address ?? (l.named ? "not listening" : addr.http);
  const httpTls = httpAll[0]?.transport === "https";
  // Listener blocks: each by its name with its own rules
  const named = mqttListeners(m).filter((l) => l.named);
  const rulesOf = (l: ResolvedMqttListener) =>
    (l.transport === "tls" || l.transport === "wss") && l.clientAuth !== "none"
      ? `client certificate (${l.clientAuth})${l.enableTokenAuth ? " and token" : ""}`
      : l.enableTokenAuth
        ? "token"
        : "none (anonymous allowed)";
  const mqttViews: ListenerView[] = named.length
    ? named.map((l) => ({
        name: `MQTT "${l.name}"`,
        address: addr.mqttListeners?.find((x) => x.name === l.name)?.address ?? "not listening",
        tls: l.transport === "tls" || l.transport === "wss",
        auth: rulesOf(l),
      }))
    : [{ name: "MQTT", address: addr.mqtt, tls: m.tls.enabled, auth: mqttAuth }];
  return [
    ...mqttViews,
    {
      name: "MQTT over WebSocket (/mqtt)",
      address: httpAll.length > 1 ? "every HTTP listener" : addr.http,
      tls: httpTls,
      auth: m.enableTokenAuth ? "token or console session" : "none (anonymous allowed)",
    },
    ...httpAll.map((l) => ({
      name: l.named ? `HTTP "${l.name}"` : "HTTP API and console",
      address: httpAt(l),
      tls: l.transport === "https",
      auth: httpAuthOf(l),
    })),
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

    query: (req, url, principal, decide) =>
      handleQuery(
        req,
        url,
        d.queries,
        d.bodyLimit,
        (sql) => d.readCheck(principal, sql, decide),
        shareKey(principal, undefined),
      ),

    connections() {
      return d.broker.clientDetails().map((c): ConnectionView => {
        const p = credentialOf(c)?.principal;
        return {
          clientId: c.clientId,
          key: p?.kind === "client" ? p.id : null,
          listener: c.transport,
          authMethod: p ? credentialLabel(p.ref) : "anonymous",
          ...(p && p.kind === "user" ? { user: principalName(p) } : {}),
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
      return d.broker.disconnect(clientId, RC.administrativeAction);
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

/** how the Connections page names a session's credential */
function credentialLabel(ref: CredentialRef): string {
  switch (ref.kind) {
    case "client":
      return ref.form === "cert" ? "client certificate" : "token";
    case "pat":
      return `personal access token (${ref.user})`;
    case "user":
      return `access key (${ref.user})`;
    case "session":
      return `console session (${ref.user})`;
    case "anonymous":
      return "anonymous";
    case "enrollment":
      return "enrollment secret";
    case "bridge":
      return `bridge ${ref.name}`;
  }
}
