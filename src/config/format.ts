// Printing configs in the file syntax: the resolved config (`neo config check`) and the
// commented default (`neo config init`). Both parse back to the config they describe.
import { ALL_ACCESS_SCOPES } from "../lib/scopes.ts";
import { formatDuration } from "../lib/duration.ts";
import { formatListen } from "./listen.ts";
import {
  DEFAULT_DATA,
  DEFAULT_HTTP_PORT,
  DEFAULT_MAX_MESSAGE_SIZE,
  DEFAULT_MQTT_LIMITS,
  DEFAULT_MQTT_PORT,
  DEFAULT_QUERY,
} from "./load.ts";
import type { BridgeConfig, NeoConfig, TlsConfig } from "./types.ts";

const q = (s: string) => JSON.stringify(s);

function tlsLines(t: TlsConfig): string[] {
  const lines = [`    Enabled = ${t.enabled}`, `    ClientAuth = ${q(t.clientAuth)}`];
  if (t.certFile !== undefined) lines.push(`    CertFile = ${q(t.certFile)}`);
  if (t.keyFile !== undefined) lines.push(`    KeyFile = ${q(t.keyFile)}`);
  return ["  Tls {", ...lines, "  }"];
}

const list = (xs: string[]) => `[${xs.map(q).join(", ")}]`;

/** A bridge block; the password is never printed. */
function bridgeLines(b: BridgeConfig): string[] {
  const out = [
    "",
    `Bridge ${q(b.name)} {`,
    `  Address = ${q(b.address)}`,
    `  ClientId = ${q(b.clientId)}`,
    `  Protocol = ${b.protocol}`,
  ];
  if (b.username !== undefined) out.push(`  Username = ${q(b.username)}`);
  if (b.password !== undefined) out.push("  # Password is set (not shown)");
  const t = b.tls;
  const tls = [
    t.caFile !== undefined ? `CaFile = ${q(t.caFile)}` : "",
    t.certFile !== undefined ? `CertFile = ${q(t.certFile)}` : "",
    t.keyFile !== undefined ? `KeyFile = ${q(t.keyFile)}` : "",
    t.serverName !== undefined ? `ServerName = ${q(t.serverName)}` : "",
  ].filter(Boolean);
  if (tls.length) out.push(`  Tls { ${tls.join(", ")} }`);
  out.push(
    `  Forward = ${list(b.forward)}`,
    `  Prefix = ${q(b.prefix)}`,
    `  Subscribe = ${list(b.subscribe)}`,
    `  Qos = ${b.qos}`,
    `  Buffer { MaxMessages = ${b.buffer.maxMessages}, MaxBytes = ${b.buffer.maxBytes}, Policy = ${q(b.buffer.policy)} }`,
    `  MaxRate = ${b.maxRate}`,
    `  KeepAlive = ${b.keepAlive}`,
    `  SessionExpiry = ${b.sessionExpiry}`,
    `  Scopes = ${list(b.scopes)}`,
    "}",
  );
  return out;
}

/** The resolved config in file syntax (absolute paths), e.g. for `neo config check`. */
export function formatConfig(cfg: NeoConfig): string {
  const out: string[] = [];
  if (cfg.file !== undefined) out.push(`# resolved from ${cfg.file}, NEO_* environment and flags`);
  else out.push("# resolved from defaults, NEO_* environment and flags");
  out.push(
    `Data = ${q(cfg.data)}`,
    "",
    "Log {",
    `  Level = ${q(cfg.log.level)}`,
    "}",
    "",
    "Http {",
    `  Listen = ${q(formatListen(cfg.http.listen))}`,
    `  EnableTokenAuth = ${cfg.http.enableTokenAuth}`,
    `  AllowedHosts = [${cfg.http.allowedHosts.map(q).join(", ")}]`,
    ...(cfg.http.metricsPublic === undefined ? [] : [`  MetricsPublic = ${cfg.http.metricsPublic}`]),
    ...tlsLines(cfg.http.tls),
    "}",
    "",
    "Query {",
    `  Timeout = "${cfg.query.timeoutMs}ms"`,
    `  MaxRows = ${cfg.query.maxRows}`,
    `  MaxBytes = ${cfg.query.maxBytes}`,
    `  MaxMemory = ${cfg.query.maxMemory}`,
    `  Workers = ${cfg.query.workers}`,
    "}",
    "",
    "Mqtt {",
    `  Listen = ${q(formatListen(cfg.mqtt.listen))}`,
    `  EnableTokenAuth = ${cfg.mqtt.enableTokenAuth}`,
    `  MaxMessageSizeLimit = ${cfg.mqtt.maxMessageSizeLimit}`,
    `  RequireClientIdMatch = ${cfg.mqtt.requireClientIdMatch}`,
    `  Persistence = ${cfg.mqtt.persistence}`,
    `  MaxConnectSize = ${cfg.mqtt.maxConnectSize}`,
    `  MaxUnauthenticatedBytes = ${cfg.mqtt.maxUnauthenticatedBytes}`,
    `  MaxRetainedMessages = ${cfg.mqtt.maxRetainedMessages}`,
    `  MaxRetainedBytes = ${cfg.mqtt.maxRetainedBytes}`,
    `  MaxRetainedBytesPerClient = ${cfg.mqtt.maxRetainedBytesPerClient}`,
    `  MaxKeepAlive = ${cfg.mqtt.maxKeepAlive}`,
    ...tlsLines(cfg.mqtt.tls),
    "}",
    "",
    "Auth {",
    ...(cfg.auth
      ? [`  DefaultScopes = ${list(cfg.auth.defaultScopes)}`, `  AnonymousScopes = ${list(cfg.auth.anonymousScopes)}`]
      : []),
    `  AccessTokenDuration = ${q(formatDuration(cfg.login.accessTokenDurationMs))}`,
    `  RefreshTokenDuration = ${q(formatDuration(cfg.login.refreshTokenDurationMs))}`,
    "}",
    ...(cfg.bridges ?? []).flatMap(bridgeLines),
    "",
    "Storage {",
    `  Sync = ${q(cfg.storage.sync)}`,
    `  Retention = ${q(cfg.storage.retention)}`,
    ...(cfg.storage.maxSize !== undefined ? [`  MaxSize = ${cfg.storage.maxSize}`] : []),
    `  WhenFull = ${q(cfg.storage.whenFull)}`,
    "}",
    "",
    "Guard {",
    `  MaxFailures = ${cfg.guard.maxFailures}`,
    `  Window = ${q(formatDuration(cfg.guard.windowMs))}`,
    `  MaxBan = ${q(formatDuration(cfg.guard.maxBanMs))}`,
    "}",
    "",
    "Audit {",
    `  Enabled = ${cfg.audit.enabled}`,
    `  MaxEvents = ${cfg.audit.maxEvents}`,
    "}",
  );
  return out.join("\n") + "\n";
}

/** A commented config holding every default; loading it gives exactly the defaults. */
export function defaultConfigText(): string {
  return `# neo configuration (HCL-like).
#
# Syntax: \`Key = value\` and \`Block { ... }\` (or \`Block = { ... }\`), one entry per
# line (or separated by commas); \`Tls.Enabled = true\` is short for \`Tls { Enabled = true }\`.
# Values: "strings" (with \\n \\t \\" \\\\ \\uXXXX escapes), numbers (1048576 or
# 1_048_576), true/false, lists [a, b]. Comments: #, // and /* ... */. Keys are
# case-sensitive. \`neo config check FILE\` validates a file and prints the result.
#
# Precedence: built-in defaults < this file < NEO_* environment < command-line flags.
# Relative paths in this file are relative to the directory this file is in.

# Data directory: SQLite database, the gateway CA and keys (created 0700).
# Default: ${DEFAULT_DATA} under the working directory. Env NEO_DATA, flag --data.
# Data = "/var/lib/neo"

Log {
  # debug | info | warn | error. Env NEO_LOG_LEVEL, flag --log-level.
  Level = "info"
}

Http {
  # Address of the HTTP API and web UI: "host:port", "tcp://host:port" or "[::1]:port".
  # Port 0 picks a free port. Use "0.0.0.0:${DEFAULT_HTTP_PORT}" to listen beyond this machine.
  # Env NEO_HOST / NEO_HTTP_PORT, flags --host / --http-port.
  Listen = "127.0.0.1:${DEFAULT_HTTP_PORT}"

  # Require "Authorization: Bearer <token>" on /db/* (tokens from \`neo shell key gen\`).
  # Env NEO_HTTP_ENABLE_TOKEN_AUTH, flag --http-enable-token-auth.
  EnableTokenAuth = false

  # GET /metrics (Prometheus text format) without a token, for a scraper on a trusted
  # network; otherwise, with token auth on, it needs a key with metrics:read:*.
  # Env NEO_HTTP_METRICS_PUBLIC.
  # MetricsPublic = false

  # Host names the gateway answers to, besides its listen address, localhost and IP
  # addresses: a request naming any other Host is refused (DNS rebinding).
  AllowedHosts = []

  Tls {
    # Serve HTTPS with the gateway's own server certificate (or CertFile/KeyFile).
    Enabled = false
    # Client certificates: "none" | "optional" | "require".
    ClientAuth = "none"
    # Bring your own server certificate and key (PEM); give both or neither.
    # CertFile = "/etc/neo/server_cert.pem"
    # KeyFile = "/etc/neo/server_key.pem"
  }
}

Query {
  # /db/query and the db/query topic run in separate query processes (at most Workers,
  # each about 25 MB while alive, gone after a minute idle). A query running longer
  # than Timeout, or whose process grows past MaxMemory bytes, is stopped and refused;
  # a result over MaxRows rows or MaxBytes bytes of JSON is cut and says so.
  Timeout = "${DEFAULT_QUERY.timeoutMs / 1000}s"
  MaxRows = ${DEFAULT_QUERY.maxRows}
  MaxBytes = ${DEFAULT_QUERY.maxBytes}
  MaxMemory = ${DEFAULT_QUERY.maxMemory}
  Workers = ${DEFAULT_QUERY.workers}
}

Mqtt {
  # Address of the MQTT broker. Env NEO_HOST / NEO_MQTT_PORT, flags --host / --mqtt-port.
  Listen = "127.0.0.1:${DEFAULT_MQTT_PORT}"

  # CONNECT must carry a valid token as the username.
  # Env NEO_MQTT_ENABLE_TOKEN_AUTH, flag --mqtt-enable-token-auth.
  EnableTokenAuth = false

  # Largest MQTT packet accepted, in bytes; bigger ones close the connection.
  MaxMessageSizeLimit = ${DEFAULT_MAX_MESSAGE_SIZE}

  # The CONNECT client-id must equal the authenticated client's id.
  RequireClientIdMatch = false

  # Keep retained messages and persistent sessions (subscriptions, queued and
  # unacknowledged QoS 1/2 messages) across restarts, in <Data>/mqtt-state.bin:
  # saved on shutdown and every minute while clients are active.
  Persistence = true

  # Before its CONNECT is accepted a connection may send at most MaxConnectSize bytes,
  # and all such connections together hold at most MaxUnauthenticatedBytes; past
  # that, new connections are refused until some finish.
  MaxConnectSize = ${DEFAULT_MQTT_LIMITS.maxConnectSize}
  MaxUnauthenticatedBytes = ${DEFAULT_MQTT_LIMITS.maxUnauthenticatedBytes}

  # Retained messages: at most this many, this many payload bytes in all and per
  # client; a retained PUBLISH past a limit is refused (MQTT 5: PUBACK 0x97).
  MaxRetainedMessages = ${DEFAULT_MQTT_LIMITS.maxRetainedMessages}
  MaxRetainedBytes = ${DEFAULT_MQTT_LIMITS.maxRetainedBytes}
  MaxRetainedBytesPerClient = ${DEFAULT_MQTT_LIMITS.maxRetainedBytesPerClient}

  # Seconds (65535 = no limit). Below that, an MQTT 5 client asking for a longer Keep
  # Alive, or none, is told this one (Server Keep Alive in CONNACK); an MQTT 3.1.1
  # client asking for more is refused (CONNACK 2, identifier rejected), as in Mosquitto.
  MaxKeepAlive = ${DEFAULT_MQTT_LIMITS.maxKeepAlive}

  Tls {
    # MQTT over TLS. Env NEO_MQTT_ENABLE_TLS, flag --mqtt-enable-tls.
    Enabled = false
    # Client certificates: "require" (registered X.509 keys) | "optional" (token otherwise).
    ClientAuth = "require"
    # CertFile = "/etc/neo/server_cert.pem"
    # KeyFile = "/etc/neo/server_key.pem"
  }
}

Storage {
  # When a write (HTTP 200, MQTT PUBACK) is acknowledged: "full" = after the series
  # store's WAL is fsynced, so it survives a power cut; "normal" = once the commit is
  # in the OS (survives a crash or kill -9, may lose the last commits on power loss),
  # faster on slow SD cards. Many messages share one fsync either way.
  Sync = "full"
}

Guard {
  # Brute-force guard on every listener: this many wrong secrets (token, password, PAT)
  # from one remote address within Window ban that address (MQTT CONNACK 0x9F / 5,
  # HTTP 429 + Retry-After) for one minute, doubling on each new ban up to MaxBan.
  # \`neo shell ban list\` / \`neo shell ban clear [ADDR]\`.
  MaxFailures = 10
  Window = "1m"
  MaxBan = "15m"
}

Audit {
  # Authentication outcomes and changes to keys, users and PATs, in <Data>/audit.db;
  # the oldest events are dropped beyond MaxEvents. \`neo shell audit\`, GET /audit.
  Enabled = true
  MaxEvents = 100000
}

Auth {
  # Scopes say what a principal may do: "<type>:<operation>:<target>", a leading "!"
  # denies and a deny always wins. Types: tables:read|write:<table|*>,
  # topics:publish|subscribe:<MQTT filter, %c = own client id>, clients:connect:<id glob>,
  # keys:list|create|delete|revoke|rotate:<id|*>, metrics:read:*,
  # channels:publish|subscribe:<channel|*> (its messages),
  # channels:list|create|delete|connect|disconnect:<channel|*> (managing it over HTTP).
  # "#" never reaches $SYS/... .

  # What \`neo shell key gen\` gives a key made without --scope. The default is every
  # table and topic:
  # DefaultScopes = ${list([...ALL_ACCESS_SCOPES])}
  # Least privilege for a fleet of sensors (each one its own topics, one table, written
  # over HTTP or MQTT db/append/SENSORS):
  # DefaultScopes = ["clients:connect:%c", "topics:publish:devices/%c/#",
  #                  "topics:subscribe:commands/%c/#", "topics:publish:db/append/SENSORS",
  #                  "tables:write:SENSORS"]

  # Clients connecting without credentials while token auth is off (default: the same
  # all-access set), e.g. everything but one topic:
  # AnonymousScopes = ["topics:publish:#", "topics:subscribe:#", "!topics:subscribe:test/nosubscribe"]

  # Lifetimes of the keys POST /users/tokens/issue hands out (durations: "90s", "15m", "24h", "30d").
  AccessTokenDuration = "1h"
  RefreshTokenDuration = "24h"
}

# Bridges to upstream MQTT brokers (any number, each with its own name). Forwarded
# QoS 1 messages are kept in <data>/bridge-<name>.db until the upstream acknowledged
# them; \`neo bridge status\` shows each one. None by default; for example:
# Bridge "cloud" {
#   Address   = "mqtts://broker.example.com:8883"   # mqtt://, mqtts://, ws://, wss://
#   ClientId  = "site-17"                           # default: the host name
#   Tls { CaFile = "cloud-ca.pem", CertFile = "site-17.crt", KeyFile = "site-17.key" }
#   Forward   = ["sensors/#"]                       # local topics sent upstream
#   Prefix    = "sites/site-17/"                    # prepended upstream, stripped coming back
#   Subscribe = ["sites/site-17/commands/#"]        # upstream topics delivered locally
#   Scopes    = ["topics:publish:commands/#"]       # what upstream messages may do here
#   Buffer { MaxMessages = 1000000, MaxBytes = "256MB", Policy = "drop-oldest" }
# }
`;
}
