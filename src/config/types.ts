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

export interface ListenConfig {
  host: string; // e.g. "127.0.0.1"
  port: number; // 0 = pick a free port
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
    tls: TlsConfig;
  };
  mqtt: {
    listen: ListenConfig;
    enableTokenAuth: boolean;
    /** max MQTT packet size in bytes (default 1 MiB) */
    maxMessageSizeLimit: number;
    /** CONNECT client-id must equal the authenticated client's id */
    requireClientIdMatch: boolean;
    /** keep retained messages and persistent sessions across restarts (<data>/mqtt-state.bin) */
    persistence: boolean;
    tls: TlsConfig;
  };
}
