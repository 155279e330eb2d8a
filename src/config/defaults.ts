// The built-in defaults: the lowest layer under the file, NEO_* env and flags.
import { resolve } from "node:path";
import type { MqttLimits, NeoConfig, QueryConfig, TlsConfig } from "./types.ts";

export const DEFAULT_DATA = "./neo-data";
export const DEFAULT_HTTP_PORT = 5654;
export const DEFAULT_MQTT_PORT = 5653;
/** machbase-neo's gRPC port (the Grpc block's default Listen) */
export const DEFAULT_GRPC_PORT = 5655;
export const DEFAULT_MAX_MESSAGE_SIZE = 1_048_576;
/** Query.* defaults for a 1 GB Raspberry Pi (docs/storage.md "Query limits" says why) */
export const DEFAULT_QUERY: QueryConfig = {
  workers: 2,
  timeoutMs: 10_000,
  maxRows: 1_000_000,
  maxBytes: 16 * 1024 * 1024,
  maxMemory: 256 * 1024 * 1024,
  answerBudget: 64 * 1024 * 1024,
  answerBudgetPerClient: 16 * 1024 * 1024,
};
/** Mqtt limits ("Limits on unauthenticated and retained data") */
export const DEFAULT_MQTT_LIMITS: MqttLimits = {
  maxConnectSize: 64 * 1024,
  maxUnauthenticatedBytes: 16 * 1024 * 1024,
  maxRetainedMessages: 10_000,
  maxRetainedBytes: 64 * 1024 * 1024,
  maxRetainedBytesPerClient: 8 * 1024 * 1024,
  maxKeepAlive: 65_535,
  maxPersistentSessions: 10_000,
  maxPersistentSessionsPerClient: 100,
  maxQueuedBytes: 128 * 1024 * 1024,
  maxQueuedBytesPerClient: 16 * 1024 * 1024,
  persistentSessionExpiryMs: 7 * 86_400_000,
  maxConnectionsPerClient: 1000,
  maxConnectionsPerAddress: 5000,
  stallTimeoutMs: 60_000,
};

/** The built-in defaults, with `data` resolved against cwd. A new section adds its defaults here. */
export function defaultConfig(cwd: string = process.cwd()): NeoConfig {
  const tls = (clientAuth: TlsConfig["clientAuth"]): TlsConfig => ({ enabled: false, clientAuth });
  return {
    data: resolve(cwd, DEFAULT_DATA),
    log: { level: "info" },
    http: {
      listen: { host: "127.0.0.1", port: DEFAULT_HTTP_PORT },
      enableTokenAuth: false,
      tls: tls("none"),
      allowedHosts: [],
      trustedProxies: [],
      maxRequestsPerAddress: 1000,
    },
    query: { ...DEFAULT_QUERY },
    mqtt: {
      ...DEFAULT_MQTT_LIMITS,
      listen: { host: "127.0.0.1", port: DEFAULT_MQTT_PORT },
      enableTokenAuth: false,
      maxMessageSizeLimit: DEFAULT_MAX_MESSAGE_SIZE,
      requireClientIdMatch: false,
      persistence: true,
      tls: tls("require"),
    },
    coap: { tls: { clientAuth: "require" } },
    storage: { sync: "full", retention: "off", whenFull: "refuse", busyTimeoutMs: 5000 },
    guard: { maxFailures: 10, windowMs: 60_000, maxBanMs: 15 * 60_000, maxRefusals: 60, ipv6Prefix: 64, allowList: [] },
    audit: { enabled: true, maxEvents: 100_000, keepChangesMs: 0, refusalsInFull: 10 },
    login: {
      accessTokenDurationMs: 3_600_000,
      refreshTokenDurationMs: 24 * 3_600_000,
      invitationDurationMs: 168 * 3_600_000,
    },
  };
}
