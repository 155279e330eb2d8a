// What one source (file, env or flags) says: every key optional, so later sources override
// earlier ones key by key. A new section adds its own `xPatch` here and one field below.
import type { LogLevel } from "../../lib/log.ts";
import type { Pos } from "../parser.ts";
import type {
  BridgeConfig,
  ClientAuthMode,
  CredentialForm,
  ExportConfig,
  GuardConfig,
  HttpListenerConfig,
  ListenConfig,
  MqttLimits,
  MqttListenerConfig,
  QueryConfig,
  TrustedCaConfig,
} from "../types.ts";

export interface TrustedCaPatch {
  name: string;
  at: Pos;
  file?: string;
  identity?: TrustedCaConfig["identity"];
  uriPrefix?: string;
  policy?: TrustedCaConfig["policy"];
  crlFile?: string;
}

/** a `Listener "name"` block of Mqtt or Http as written */
export interface ListenerPatch {
  name: string;
  at: string;
  transport?: MqttListenerConfig["transport"] | HttpListenerConfig["transport"];
  listen?: ListenConfig;
  enableTokenAuth?: boolean;
  clientAuth?: ClientAuthMode;
  anonymousScopes?: string[];
  credentials?: CredentialForm[];
}

interface TlsPatch {
  enabled?: boolean;
  clientAuth?: ClientAuthMode;
  certFile?: string;
  keyFile?: string;
}
interface ServicePatch {
  host?: string;
  port?: number;
  enableTokenAuth?: boolean;
  maxMessageSizeLimit?: number;
  requireClientIdMatch?: boolean;
  persistence?: boolean;
  allowedHosts?: string[];
  trustedProxies?: string[];
  limits?: Partial<MqttLimits>;
  /** `Listener "name"` blocks (file only) */
  listeners?: ListenerPatch[];
  metricsPublic?: boolean;
  maxRequestsPerAddress?: number;
  tls: TlsPatch;
}
/** the `Grpc { ... }` block; absent when the file has none (the listener stays off) */
export interface GrpcPatch {
  host?: string;
  port?: number;
  tls: TlsPatch;
}
/** A `Bridge "name" { ... }` block as written (defaults are filled in by load). */
export type BridgePatch = Partial<Omit<BridgeConfig, "tls" | "buffer">> & {
  name: string;
  pos: Pos;
  tls: BridgeConfig["tls"];
  buffer: Partial<BridgeConfig["buffer"]>;
};
/** An `Export "name" { ... }` block as written. */
export type ExportPatch = Partial<Omit<ExportConfig, "tls" | "buffer">> & {
  name: string;
  pos: Pos;
  tls: ExportConfig["tls"];
  buffer: Partial<ExportConfig["buffer"]>;
};
interface StoragePatch {
  sync?: "full" | "normal";
  retention?: string;
  maxSize?: number;
  whenFull?: "refuse" | "drop-oldest";
  busyTimeoutMs?: number;
}

/** One source's contribution (file, env or flags); later sources override earlier ones key by key. */
export interface ConfigPatch {
  audit: { enabled?: boolean; maxEvents?: number; keepChangesMs?: number; refusalsInFull?: number };
  auth?: { defaultScopes?: string[]; anonymousScopes?: string[] };
  /** only a file has them */
  bridges?: BridgePatch[];
  coap: {
    listen?: ListenConfig;
    tlsListen?: ListenConfig;
    clientAuth?: "require" | "optional";
    certFile?: string;
    keyFile?: string;
  };
  exports?: ExportPatch[];
  data?: string;
  guard: Partial<GuardConfig>;
  grpc?: GrpcPatch;
  http: ServicePatch;
  logLevel?: LogLevel;
  login: { accessTokenDurationMs?: number; refreshTokenDurationMs?: number; invitationDurationMs?: number };
  mqtt: ServicePatch;
  query?: Partial<QueryConfig>;
  storage: StoragePatch;
  /** Tls.TrustedCA blocks and Tls.TrustedClientCAs files */
  trustedCas?: TrustedCaPatch[];
  renewalGraceMs?: number;
  expiryWarningMs?: number;
}

export const emptyPatch = (): ConfigPatch => ({
  http: { tls: {} },
  mqtt: { tls: {} },
  storage: {},
  coap: {},
  guard: {},
  audit: {},
  login: {},
});
