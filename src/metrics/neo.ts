// neo's metrics: what the broker, the store and authentication count, in one place.
// The broker's message and subscription figures are its own counters (the same ones
// its $SYS topics publish), read here only when /metrics or the console asks.
import { createMetricsRegistry, type Labels, type Sample } from "./registry.ts";
import { coapGauges } from "./coap-gauges.ts";
import { exportGauges } from "./export-gauges.ts";
import { processFigures } from "./process.ts";
import type { BridgeFigures, BrokerFigures, CoapFigures, MetricsSnapshot, MetricsSources } from "./figures.ts";

export const LISTENERS = ["tcp", "tls", "ws", "wss"] as const;
type AuthResult = "success" | "failure";

export interface NeoMetrics {
  /** one committed write: rows per table and how long the commit took */
  dbWrite(rowsByTable: readonly { table: string; rows: number }[], seconds: number): void;
  /** one authentication decision (`listener`: tcp, tls, ws, wss, http, https, web) */
  authAttempt(listener: string, method: string, result: AuthResult): void;
  /** a part that counts itself registers here once it runs (the broker, the guard, the bridges) */
  provide(sources: Partial<MetricsSources>): void;
  /** one HTTP request arrived on the named HTTP listener */
  httpRequest(listener: string): void;
  /** one gRPC call answered: its method (e.g. "Append") and status code name (e.g. "OK") */
  grpcCall(method: string, code: string): void;
  render(): string;
  snapshot(): MetricsSnapshot;
}

const NO_BROKER: BrokerFigures = {
  connections: {},
  messagesReceived: 0,
  messagesSent: 0,
  subscriptions: 0,
  retained: 0,
};

const coapSnapshot = (c: CoapFigures | undefined) =>
  c ? { coap: { requests: c.requests, observers: c.observers } } : {};

const BATCH_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

export function createNeoMetrics(sources: Partial<MetricsSources> = {}): NeoMetrics {
  const src: MetricsSources = { broker: () => NO_BROKER, ...sources };
  const reg = createMetricsRegistry();
  const bans = () => src.bans?.() ?? 0;

  reg.gauge("neo_mqtt_connections", "MQTT clients connected now, per listener", () => {
    const c = src.broker().connections;
    const names = new Set<string>([...LISTENERS, ...Object.keys(c)]);
    return [...names].map((listener): Sample => ({ labels: { listener }, value: c[listener] ?? 0 }));
  });
  reg.gauge(
    "neo_mqtt_messages_received_total",
    "PUBLISH packets received from clients",
    () => src.broker().messagesReceived,
    "counter",
  );
  reg.gauge(
    "neo_mqtt_messages_sent_total",
    "PUBLISH packets sent to clients",
    () => src.broker().messagesSent,
    "counter",
  );
  reg.gauge("neo_mqtt_subscriptions", "subscriptions held by sessions now", () => src.broker().subscriptions);
  reg.gauge("neo_mqtt_retained_messages", "retained messages held now", () => src.broker().retained);
  reg.gauge(
    "neo_mqtt_persistent_sessions",
    "persistent MQTT sessions held now",
    () => src.broker().persistentSessions ?? 0,
  );
  reg.gauge(
    "neo_mqtt_queued_bytes",
    "bytes of messages queued for MQTT sessions now",
    () => src.broker().queuedBytes ?? 0,
  );
  reg.gauge(
    "neo_mqtt_sessions_refused_total",
    "CONNECTs refused at Mqtt.MaxPersistentSessions or MaxPersistentSessionsPerClient",
    () => src.broker().refusedSessions ?? 0,
    "counter",
  );
  reg.gauge(
    "neo_mqtt_queued_dropped_total",
    "messages not queued for a session at Mqtt.MaxQueuedBytes or MaxQueuedBytesPerClient",
    () => src.broker().droppedQueuedBytes ?? 0,
    "counter",
  );
  reg.gauge(
    "neo_mqtt_connections_refused_total",
    "MQTT connections refused at a cap: descriptors (the broker's share used up), address (Mqtt.MaxConnectionsPerAddress), client (Mqtt.MaxConnectionsPerClient)",
    () => {
      const r = src.broker().refusedConnections ?? { descriptors: 0, address: 0, client: 0 };
      return Object.entries(r).map(([reason, value]): Sample => ({ labels: { reason }, value }));
    },
    "counter",
  );
  reg.gauge(
    "neo_mqtt_sessions_expired_total",
    "persistent sessions ended because their expiry ran out",
    () => src.broker().expiredSessions ?? 0,
    "counter",
  );
  const rows = reg.counter("neo_db_rows_written_total", "rows committed to the series store, per table");
  const batch = reg.histogram(
    "neo_db_write_batch_seconds",
    "time to commit one write batch (one transaction, fsync included)",
    BATCH_BUCKETS,
  );
  const auth = reg.counter(
    "neo_auth_attempts_total",
    "authentication decisions per listener, credential kind and result",
  );
  reg.gauge("neo_bans", "peers banned now by the brute-force guard", bans);
  reg.gauge("neo_grpc_connections", "gRPC connections open now", () => src.grpcConnections?.() ?? 0);
  reg.gauge("neo_cert_expiry_seconds", "seconds until each active client's certificate and token expire", () => {
    const now = Date.now();
    return (src.certExpiry?.() ?? []).map(
      (c): Sample => ({
        labels: { client: c.client },
        value: Math.round((c.notAfter - now) / 1000),
      }),
    );
  });
  const httpRequests = reg.counter("neo_http_requests_total", "HTTP requests received, per HTTP listener");
  const httpByName: Record<string, number> = {};
  reg.gauge("neo_http_websockets", "WebSockets open now, per HTTP listener", () =>
    (src.httpListeners?.() ?? []).map((l): Sample => ({ labels: { listener: l.name }, value: l.websockets })),
  );
  const grpcCalls = reg.counter("neo_grpc_calls_total", "gRPC calls answered, per method and status code");
  coapGauges(reg, () => src.coap?.());
  const perBridge = (f: (b: BridgeFigures) => number) => (): Sample[] =>
    (src.bridges?.() ?? []).map((b) => ({ labels: { bridge: b.name }, value: f(b) }));
  reg.gauge(
    "neo_bridge_connected",
    "1 when the bridge's uplink is connected",
    perBridge((b) => (b.connected ? 1 : 0)),
  );
  reg.gauge(
    "neo_bridge_queued_messages",
    "messages waiting in the bridge's queue",
    perBridge((b) => b.queuedMessages),
  );
  reg.gauge(
    "neo_bridge_queued_bytes",
    "bytes waiting in the bridge's queue",
    perBridge((b) => b.queuedBytes),
  );
  reg.gauge(
    "neo_bridge_oldest_age_seconds",
    "age of the oldest queued message (0 when empty)",
    perBridge((b) => b.oldestAgeSeconds ?? 0),
  );
  reg.gauge(
    "neo_bridge_sent_total",
    "messages the upstream acknowledged since start",
    perBridge((b) => b.sentTotal),
    "counter",
  );
  reg.gauge(
    "neo_bridge_dropped_total",
    "messages dropped or refused by the buffer policy",
    perBridge((b) => b.dropped),
    "counter",
  );
  exportGauges(reg, () => src.exports?.() ?? []);
  reg.gauge(
    "process_resident_memory_bytes",
    "resident memory size in bytes",
    () => processFigures().residentMemoryBytes,
  );
  reg.gauge(
    "process_cpu_seconds_total",
    "user and system CPU time spent, in seconds",
    () => processFigures().cpuSeconds,
    "counter",
  );
  reg.gauge(
    "process_start_time_seconds",
    "start time of the process since the Unix epoch, in seconds",
    () => processFigures().startTimeSeconds,
  );

  /** requests so far per HTTP listener: every running one (0 before its first request), and those seen before */
  const httpRequestsNow = () => {
    const out: Record<string, number> = {};
    for (const l of src.httpListeners?.() ?? []) out[l.name] = 0;
    return Object.assign(out, httpByName);
  };
  let failures = 0;
  const authLabels = new Map<string, Labels>();
  /** neo_auth_attempts_total's label sets: listener -> method (+ "\n" + result unless success) */
  const authSets = new Map<string, Map<string, Labels>>();
  return {
    dbWrite(byTable, seconds) {
      for (const t of byTable) if (t.rows > 0) rows.inc({ table: t.table }, t.rows);
      batch.observe(seconds);
    },
    authAttempt(listener, method, result) {
      // one frozen label set per combination: counted on every CONNECT and API request, found
      // by its three strings (no key text built per call)
      let byMethod = authSets.get(listener);
      if (!byMethod) {
        if (authSets.size >= 64) authSets.clear();
        authSets.set(listener, (byMethod = new Map()));
      }
      const key = result === "success" ? method : `${method}\n${result}`;
      let labels = byMethod.get(key);
      if (!labels) {
        if (byMethod.size >= 64) byMethod.clear();
        byMethod.set(key, (labels = Object.freeze({ listener, method, result })));
      }
      auth.inc(labels);
      if (result === "failure") failures++;
    },
    provide(more) {
      Object.assign(src, more);
    },
    httpRequest(listener) {
      let labels = authLabels.get(`http\n${listener}`);
      if (!labels) {
        if (authLabels.size >= 256) authLabels.clear();
        authLabels.set(`http\n${listener}`, (labels = Object.freeze({ listener })));
      }
      httpRequests.inc(labels);
      httpByName[listener] = (httpByName[listener] ?? 0) + 1;
    },
    grpcCall(method, code) {
      const key = `grpc\n${method}\n${code}`;
      let labels = authLabels.get(key);
      if (!labels) {
        if (authLabels.size >= 256) authLabels.clear();
        authLabels.set(key, (labels = Object.freeze({ method, code })));
      }
      grpcCalls.inc(labels);
    },
    render: () => reg.render(),
    snapshot() {
      const b = src.broker();
      const p = processFigures();
      const byListener: Record<string, number> = { ...b.connections };
      const grpc = src.grpcConnections?.();
      if (grpc !== undefined) byListener.grpc = grpc;
      let connections = 0;
      for (const n of Object.values(byListener)) connections += n;
      return {
        at: Date.now(),
        connections,
        connectionsByListener: byListener,
        messagesReceived: b.messagesReceived,
        messagesSent: b.messagesSent,
        subscriptions: b.subscriptions,
        retained: b.retained,
        rowsWritten: rows.total(),
        authFailures: failures,
        authAttempts: auth.total(),
        httpRequestsByListener: httpRequestsNow(),
        bans: bans(),
        ...coapSnapshot(src.coap?.()),
        residentMemoryBytes: p.residentMemoryBytes,
        cpuSeconds: p.cpuSeconds,
        startTimeSeconds: p.startTimeSeconds,
      };
    },
  };
}
