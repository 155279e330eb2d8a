// The resolved, validated configuration every subsystem receives a slice of.
// Sources, lowest to highest precedence: defaults < file < NEO_* env < CLI flags.
import type { LogLevel } from "../lib/log.ts";

export type ClientAuthMode = "none" | "optional" | "require";

export interface TlsConfig {
  enabled: boolean;
  /** how client certificates are treated; MQTT default "require", HTTP default "none" */
  clientAuth: ClientAuthMode;
  /** operator-supplied server certificate/key (PEM files); default: the gateway's own */
  certFile?: string;
  keyFile?: string;
}

/** The credential forms a listener may accept (`Credentials = [...]`; identify()'s PresentedForm names). */
export const CREDENTIAL_FORMS = ["token", "certificate", "pat", "access_key", "session"] as const;
export type CredentialForm = (typeof CREDENTIAL_FORMS)[number];

/** One `Listener "name" { ... }` block (docs/tls.md "Listeners"): its own address, transport and auth rules. */
export interface ListenerConfig<T extends string> {
  /** the block's label: names it in /metrics, $SYS, the console and the audit trail (unique across services) */
  name: string;
  /** MQTT: tcp, tls, ws, wss (MQTT over WebSocket on /mqtt); HTTP: http, https */
  transport: T;
  listen: ListenConfig;
  /** a credential is required on this listener (default: the service's EnableTokenAuth) */
  enableTokenAuth?: boolean;
  /** TLS transports only: client certificates "require" | "optional" | "none" (default: the service's Tls.ClientAuth on tls/https) */
  clientAuth?: ClientAuthMode;
  /** what anonymous clients of this listener may do (default: Auth.AnonymousScopes) */
  anonymousScopes?: string[];
  /** the credential forms this listener accepts (default: all); another form is refused like a wrong one */
  credentials?: CredentialForm[];
  /** where the block is in the file ("neo.conf:12:3"), for errors about it */
  at?: string;
}
export const MQTT_TRANSPORTS = ["tcp", "tls", "ws", "wss"] as const;
export const HTTP_TRANSPORTS = ["http", "https"] as const;
export type MqttListenerConfig = ListenerConfig<(typeof MQTT_TRANSPORTS)[number]>;
export type HttpListenerConfig = ListenerConfig<(typeof HTTP_TRANSPORTS)[number]>;

/** One trusted client-certificate CA (Tls.TrustedCA "name" / Tls.TrustedClientCAs). */
export interface TrustedCaConfig {
  name: string;
  /** PEM: the CA certificate and any intermediates */
  file: string;
  /** how a certificate names a neo client: its CN, a SAN, or (Mainflux) the CN holds the client's key */
  identity: "cn" | "san-dns" | "san-uri" | "san-email" | "mainflux-key";
  uriPrefix?: string;
  /** pinned: the certificate must be registered (key import); ca: any certificate naming a known client */
  policy: "pinned" | "ca";
  /** the CA's CRL (PEM or DER), read again when it changes */
  crlFile?: string;
}

export interface ListenConfig {
  host: string; // e.g. "127.0.0.1"
  port: number; // 0 = pick a free port
}

/** One `Export "name" { ... }` block: tables replicated to a PostgreSQL database. */
export interface ExportConfig {
  /** the block's label: names the queue file (export-<name>.db) and $SYS/neo/export/<name>/ */
  name: string;
  /** postgres://user:password@host:port/database (never printed) */
  postgres: string;
  /** the neo tables whose rows are copied (upper case) */
  tables: string[];
  /** this gateway's id in every row (twenty gateways share one table) */
  gateway: string;
  /** TLS to the database: mode "disable" | "require" | "verify-ca" | "verify-full", CA and client cert */
  tls: {
    mode?: "disable" | "require" | "verify-ca" | "verify-full";
    caFile?: string;
    certFile?: string;
    keyFile?: string;
  };
  /** rows per INSERT */
  batch: number;
  buffer: { maxBytes: number };
}

/** One `Bridge "name" { ... }` block: an upstream MQTT broker this gateway forwards to. */
export interface BridgeConfig {
  /** the block's label: names the queue file (bridge-<name>.db) and $SYS/neo/bridge/<name>/ */
  name: string;
  /** mqtt://, mqtts://, ws:// or wss:// URL */
  address: string;
  clientId: string;
  protocol: 4 | 5;
  username?: string;
  password?: string;
  tls: { caFile?: string; certFile?: string; keyFile?: string; serverName?: string };
  /** local topic filters sent upstream */
  forward: string[];
  /** prepended to forwarded topics upstream, stripped from topics that come back */
  prefix: string;
  /** upstream topic filters delivered locally */
  subscribe: string[];
  /** QoS of what the bridge publishes upstream and subscribes with */
  qos: 0 | 1;
  buffer: { maxMessages: number; maxBytes: number; policy: "drop-oldest" | "refuse-new" };
  /** messages/s sent upstream at most (catch-up after an outage); 0 = no limit */
  maxRate: number;
  /** seconds */
  keepAlive: number;
  /** seconds the upstream keeps our session while we are away (v5; v3.1.1: clean session off) */
  sessionExpiry: number;
  /** what messages from upstream may do locally, e.g. "topics:publish:commands/#" */
  scopes: string[];
}

/** Query.* (issue 9): how much one read-only query may take; see docs/storage.md "Query limits". */
export interface QueryConfig {
  /** query processes at most (Query.Workers) */
  workers: number;
  /** Query.Timeout in ms */
  timeoutMs: number;
  maxRows: number;
  maxBytes: number;
  /** resident memory of one query process, bytes */
  maxMemory: number;
  /** db/query answers waiting in MQTT connections for clients that do not read: in all, and per key */
  answerBudget: number;
  answerBudgetPerClient: number;
}

/** limits on what MQTT clients may make the broker hold (issue 9) */
export interface MqttLimits {
  /** largest packet a connection may send before its CONNECT is accepted */
  maxConnectSize: number;
  /** bytes all not-yet-authenticated connections together may hold */
  maxUnauthenticatedBytes: number;
  maxRetainedMessages: number;
  maxRetainedBytes: number;
  maxRetainedBytesPerClient: number;
  /** seconds; a v5 client asking for more gets Server Keep Alive */
  maxKeepAlive: number;
  /** persistent sessions (clean=false, v5 expiry > 0) in all, and per key (anonymous: per address) */
  maxPersistentSessions: number;
  maxPersistentSessionsPerClient: number;
  /** bytes of messages queued for sessions in all, and per key (anonymous: per address) */
  maxQueuedBytes: number;
  maxQueuedBytesPerClient: number;
  /** a persistent session that would never expire (3.1.1, v5 0xFFFFFFFF) ends this long after its client left, ms */
  persistentSessionExpiryMs: number;
  /** connections per key and per remote address; past either a CONNECT is refused (0x97 / 0x9F) */
  maxConnectionsPerClient: number;
  maxConnectionsPerAddress: number;
  /** a client that takes none of the bytes waiting for it for this long is closed, ms */
  stallTimeoutMs: number;
}

export interface NeoConfig {
  /** data directory (absolute after load) */
  data: string;
  /** file the config came from, if any */
  file?: string;
  log: { level: LogLevel };
  http: {
    listen: ListenConfig;
    enableTokenAuth: boolean;
    /** GET /metrics without a token even when token auth is on (a scraper on a trusted network) */
    metricsPublic?: boolean;
    tls: TlsConfig;
    /** host names (besides the listen address, localhost and IP literals) the Host header may carry */
    allowedHosts: string[];
    /** reverse proxies whose X-Forwarded-For names the client (addresses or CIDR ranges) */
    trustedProxies: string[];
    /** requests one address may have in progress (an answer being read counts); past it 503 + Retry-After; default 1000 */
    maxRequestsPerAddress?: number;
    /** `Listener "name"` blocks; absent = the one listener of Listen and Tls (httpListeners() resolves it) */
    listeners?: HttpListenerConfig[];
  };
  query: QueryConfig;
  mqtt: MqttLimits & {
    listen: ListenConfig;
    enableTokenAuth: boolean;
    /** max MQTT packet size in bytes (default 1 MiB) */
    maxMessageSizeLimit: number;
    /** CONNECT client-id must equal the authenticated client's id */
    requireClientIdMatch: boolean;
    /** keep retained messages and persistent sessions across restarts (<data>/mqtt-state.db) */
    persistence: boolean;
    tls: TlsConfig;
    /** `Listener "name"` blocks; absent = the one listener of Listen and Tls (mqttListeners() resolves it) */
    listeners?: MqttListenerConfig[];
  };
  /** machbase-neo's gRPC API (docs/grpc.md); absent = no gRPC listener */
  grpc?: { listen: ListenConfig; tls: TlsConfig };
  /** scopes (see docs/scopes.md): what a new key gets, what anonymous clients get;
   *  absent = the all-access set for both (ALL_ACCESS_SCOPES) */
  auth?: { defaultScopes: string[]; anonymousScopes: string[] };
  /** brute-force guard: failures per remote address before a ban, and the back-off */
  guard: GuardConfig;
  /** audit trail in <data>/audit.db: authentication events capped at maxEvents, changes kept keepChangesMs */
  audit: { enabled: boolean; maxEvents: number; keepChangesMs: number; refusalsInFull: number };
  /** lifetimes of login keys (POST /users/tokens/issue) */
  login: { accessTokenDurationMs: number; refreshTokenDurationMs: number; invitationDurationMs: number };
  /** `Bridge "name" { ... }` blocks (file only); none when absent */
  bridges?: BridgeConfig[];
  /** `Export "name" { ... }` blocks (file only); none when absent */
  exports?: ExportConfig[];
  storage: StorageConfig;
  /** client-certificate CAs trusted besides the gateway's own; absent = none */
  tls?: {
    trustedCas: TrustedCaConfig[];
    /** EST renewal: the replaced certificate works this long after (ms; default 24 h) */
    renewalGraceMs?: number;
    /** a key expiring within this long gets a log warning and an audit row (ms; default 30 days) */
    expiryWarningMs?: number;
  };
  /** CoAP listeners (docs/coap.md); each off while its Listen is undefined */
  coap: CoapConfig;
}

interface CoapConfig {
  /** CoAP over UDP (coap://) */
  listen?: ListenConfig;
  /** CoAP over TLS (RFC 8323, coaps+tcp://) */
  tls: { listen?: ListenConfig; clientAuth: "require" | "optional"; certFile?: string; keyFile?: string };
}

/** Guard { ... } (issue 19): see README "Brute-force guard" */
export interface GuardConfig {
  maxFailures: number;
  windowMs: number;
  maxBanMs: number;
  /** refusals that were no guess (no credential, expired, bad client id) per address and Window before a ban; 0 = off */
  maxRefusals: number;
  /** IPv6 addresses count per this many leading bits (64: one host's /64) */
  ipv6Prefix: number;
  /** addresses and CIDR ranges never counted or banned */
  allowList: string[];
}

interface StorageConfig {
  /**
   * "full": a write is acknowledged only after the WAL is fsynced (survives a power cut);
   * "normal": acknowledged after the commit reaches the OS (survives a crash, not a power cut).
   */
  sync: "full" | "normal";
  /** default retention of every tag table: "90d", or "off" (keep everything, the default) */
  retention: string;
  /** bytes the series store may use; undefined = leave 10% of the file system free */
  maxSize?: number;
  /** at the limit: refuse writes (507 / PUBACK 0x97) or delete the oldest rows */
  whenFull: "refuse" | "drop-oldest";
  /** how long a write waits for another process's lock on series.db before it fails (unacknowledged), ms */
  busyTimeoutMs: number;
}
