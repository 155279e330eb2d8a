// What the parts that count themselves report (the broker, the bridges, CoAP, ...), and
// the snapshot the console's Overview polls.
import type { ExportFigures } from "./export-gauges.ts";

/** what the broker tells (app reads it from the broker's stats and client list) */
export interface BrokerFigures {
  /** connected clients per listener: tcp, tls, ws, wss */
  connections: Record<string, number>;
  messagesReceived: number;
  messagesSent: number;
  subscriptions: number;
  retained: number;
  /** session bounds (Mqtt.MaxPersistentSessions*, MaxQueuedBytes*, PersistentSessionExpiry) */
  persistentSessions?: number;
  queuedBytes?: number;
  refusedSessions?: number;
  droppedQueuedBytes?: number;
  expiredSessions?: number;
  /** connections refused: no descriptors left for the broker, per-address cap, per-key cap */
  refusedConnections?: { descriptors: number; address: number; client: number };
}

/** one bridge's uplink and queue (app reads it from the bridge's status) */
export interface BridgeFigures {
  name: string;
  connected: boolean;
  queuedMessages: number;
  queuedBytes: number;
  oldestAgeSeconds: number | null;
  sentTotal: number;
  dropped: number;
}

/** the CoAP listeners (app reads them from the CoAP adapter); undefined while CoAP is off */
export interface CoapFigures {
  /** requests handled per listener ("coap", "coaps+tcp"), duplicates not counted */
  requests: number;
  /** responses by class: "2", "4", "5" */
  responses: Record<string, number>;
  duplicates: number;
  malformed: number;
  observers: number;
  notifications: number;
  notificationsDropped: number;
  retransmissions: number;
  tlsConnections: number;
  dedupEntries: number;
  uploads: number;
  /** requests not handled because too many were in progress */
  overloaded: number;
}

/** Where the figures come from; each part registers when it exists (provide), until then it reads as zero. */
export interface MetricsSources {
  broker(): BrokerFigures;
  /** the CoAP listeners' figures; undefined (no samples) while CoAP is off */
  coap?(): CoapFigures | undefined;
  /** the Bridge blocks' figures; none without bridges */
  bridges?(): BridgeFigures[];
  /** the Export blocks' figures; none without exports */
  exports?(): ExportFigures[];
  /** how many peers are banned now (the brute-force guard); 0 without one */
  bans?(): number;
  /** gRPC connections open now; undefined while there is no gRPC listener */
  grpcConnections?(): number | undefined;
  /** the HTTP listeners by name: WebSockets open on each now (MQTT, channels, the console) */
  httpListeners?(): { name: string; websockets: number }[];
  /** each active client's credential expiry (ms epoch), for neo_cert_expiry_seconds */
  certExpiry?(): { client: string; notAfter: number }[];
}

/** what the console's Overview polls: running totals, the page makes rates from them */
export interface MetricsSnapshot {
  at: number;
  connections: number;
  connectionsByListener: Record<string, number>;
  messagesReceived: number;
  messagesSent: number;
  subscriptions: number;
  retained: number;
  rowsWritten: number;
  authFailures: number;
  authAttempts: number;
  /** HTTP requests so far per HTTP listener (by name) */
  httpRequestsByListener?: Record<string, number>;
  bans: number;
  /** CoAP requests handled and observations now; undefined while CoAP is off */
  coap?: { requests: number; observers: number };
  residentMemoryBytes: number;
  cpuSeconds: number;
  startTimeSeconds: number;
}
