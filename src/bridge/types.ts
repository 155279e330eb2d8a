// What the bridge is given (settings, in the shape of the config's Bridge block) and
// what it reports.

export interface BridgeSettings {
  name: string;
  address: string;
  clientId: string;
  protocol: 4 | 5;
  username?: string;
  password?: string;
  tls: { caFile?: string; certFile?: string; keyFile?: string; serverName?: string };
  forward: string[];
  prefix: string;
  subscribe: string[];
  qos: 0 | 1;
  buffer: { maxMessages: number; maxBytes: number; policy: "drop-oldest" | "refuse-new" };
  maxRate: number;
  keepAlive: number;
  sessionExpiry: number;
  scopes: string[];
}

/** A message from the upstream, to be published locally (prefix already stripped). */
export interface LocalDelivery {
  topic: string;
  payload: Buffer;
  qos: 0 | 1;
  retain: boolean;
  properties?: {
    userProperties?: Record<string, string | string[]>;
    contentType?: string;
    responseTopic?: string;
    correlationData?: Buffer;
    payloadFormatIndicator?: boolean;
  };
}

export interface BridgeStatus {
  name: string;
  address: string;
  connected: boolean;
  /** ms since the epoch */
  connectedSince: number | null;
  /** why the last connection ended or failed ("" when none) */
  lastError: string;
  queuedMessages: number;
  queuedBytes: number;
  oldestAgeSeconds: number | null;
  inflight: number;
  sentTotal: number;
  sentPerSecond: number;
  /** dropped or refused by the buffer policy, since the queue file was made */
  dropped: number;
  rejectedByUpstream: number;
  receivedFromUpstream: number;
  deniedFromUpstream: number;
  policy: "drop-oldest" | "refuse-new";
  /** ms since the epoch when this was taken */
  updatedAt: number;
  stopped?: boolean;
}
