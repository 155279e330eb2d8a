// Wires the metrics to what they count: the broker's own counters (read on demand),
// and the series store's commits (timed and counted around the store's write calls,
// so every writer — MQTT batches and HTTP /db/write alike — is seen once).
import type { CoapFigures as CoapAdapterFigures } from "../coap/index.ts";
import {
  type CoapFigures,
  type BrokerFigures,
  createNeoMetrics,
  LISTENERS,
  type MetricsSnapshot,
  type NeoMetrics,
} from "../metrics/index.ts";
import type { Broker } from "../mqtt/index.ts";
import type { AuditLog } from "../registry/index.ts";
import type { SeriesStore } from "../storage/index.ts";
import { staggeredInterval } from "../lib/staggered.ts";

export function brokerFigures(broker: Broker): BrokerFigures {
  const connections: Record<string, number> = {};
  // a named listener (Listener block) by its name, the service's one listener and WebSocket by transport
  for (const c of broker.clients()) {
    const at = c.peer.listener ?? c.peer.transport;
    connections[at] = (connections[at] ?? 0) + 1;
  }
  const s = broker.stats();
  return {
    connections,
    messagesReceived: s.messagesIn,
    messagesSent: s.messagesOut,
    subscriptions: s.subscriptions,
    retained: s.retained,
    persistentSessions: s.persistentSessions,
    queuedBytes: s.queuedBytes,
    refusedSessions: s.refusedSessions,
    droppedQueuedBytes: s.droppedQueuedBytes,
    expiredSessions: s.expiredSessions,
    refusedConnections: { descriptors: s.refusedDescriptors, address: s.refusedPerAddress, client: s.refusedPerClient },
  };
}

/** The gateway's metrics: counters now; the broker, the guard and the bridges provide their figures as they start. */
export const createGatewayMetrics = (): NeoMetrics => createNeoMetrics();

/** the CoAP adapter's counters in the metrics' shape */
export function coapFigures(c: CoapAdapterFigures | undefined): CoapFigures | undefined {
  if (!c) return undefined;
  const s = c.stats;
  return {
    requests: s.requests,
    responses: { ...s.responses },
    duplicates: s.duplicates,
    malformed: s.malformed,
    observers: c.observers,
    notifications: s.notifications,
    notificationsDropped: s.notificationsDropped,
    retransmissions: s.retransmissions,
    tlsConnections: s.tcpConnections,
    dedupEntries: c.dedupEntries,
    uploads: c.uploads,
    overloaded: s.overloaded,
  };
}

/** The same store, with each commit's rows and duration going to the metrics. */
export function meteredStore(store: SeriesStore, metrics: NeoMetrics): SeriesStore {
  const metered: SeriesStore = Object.create(store);
  metered.write = (table, rows) => {
    const t = performance.now();
    const n = store.write(table, rows);
    metrics.dbWrite([{ table: table.toUpperCase(), rows: n }], (performance.now() - t) / 1000);
    return n;
  };
  metered.writeMany = (batches, onReject) => {
    const t = performance.now();
    const counts = store.writeMany(batches, onReject);
    metrics.dbWrite(
      batches.map((b, i) => ({ table: b.table.toUpperCase(), rows: Math.max(0, counts[i] ?? 0) })),
      (performance.now() - t) / 1000,
    );
    return counts;
  };
  return metered;
}

/** the audit trail's listener names -> the metric's (the same as neo_mqtt_connections') */
const LISTENER: Record<string, string> = { mqtt: "tcp", mqtts: "tls" };

/**
 * The same audit trail, with every authentication it records also counted in
 * neo_auth_attempts_total: one place sees every decision (MQTT CONNECT on each listener,
 * HTTP requests, web logins), so the metric and the trail cannot disagree. Counted even
 * when Audit.Enabled = false drops the events.
 */
export function countedAudit(audit: AuditLog, metrics: NeoMetrics): AuditLog {
  const counted: AuditLog = Object.create(audit);
  counted.record = (e) => {
    if (e.kind === "auth") {
      const listener = e.listener ?? "unknown";
      metrics.authAttempt(
        LISTENER[listener] ?? listener,
        e.method ?? "none",
        e.result === "ok" ? "success" : "failure",
      );
    }
    audit.record(e);
  };
  return counted;
}

/** the $SYS topics neo adds beside the broker's own $SYS/broker/..., from the same snapshot */
function neoSysMessages(s: MetricsSnapshot): [topic: string, value: string][] {
  const out: [string, string][] = [
    ["$SYS/neo/db/rows/written", String(s.rowsWritten)],
    ["$SYS/neo/auth/attempts", String(s.authAttempts)],
    ["$SYS/neo/auth/failures", String(s.authFailures)],
    ["$SYS/neo/bans", String(s.bans)],
  ];
  for (const listener of new Set([...LISTENERS, ...Object.keys(s.connectionsByListener)]))
    out.push([`$SYS/neo/clients/connected/${listener}`, String(s.connectionsByListener[listener] ?? 0)]);
  // each HTTP listener by name: requests so far
  for (const [listener, n] of Object.entries(s.httpRequestsByListener ?? {}))
    out.push([`$SYS/neo/http/requests/${listener}`, String(n)]);
  return out;
}

/**
 * Publish neo's $SYS topics (retained) now and every `everyMs`, as the broker does its
 * own: rows written, auth attempts and failures, bans, connections per listener.
 */
export function startNeoSys(
  metrics: NeoMetrics,
  publish: (topic: string, value: string) => void,
  everyMs = 10_000,
): { stop(): void } {
  const tick = () => {
    for (const [topic, value] of neoSysMessages(metrics.snapshot())) publish(topic, value);
  };
  tick();
  return staggeredInterval(tick, everyMs);
}
