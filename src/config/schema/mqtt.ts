// Mqtt { Listen, EnableTokenAuth, sizes and limits, Persistence, Tls { ... } }
import { DEFAULT_MAX_MESSAGE_SIZE, DEFAULT_MQTT_LIMITS, DEFAULT_MQTT_PORT } from "../defaults.ts";
import { MQTT_TRANSPORTS, type MqttLimits } from "../types.ts";
import { formatDuration } from "../../lib/duration.ts";
import { bool, duration, int } from "./leaves.ts";
import type { ConfigPatch } from "./patch.ts";
import { applyService, checkTlsPair, listen, listenLine, tls, tlsLines } from "./service.ts";
import { listenerBlocks } from "./listener-blocks.ts";
import { def, type Section } from "./spec.ts";

/** The largest packet MQTT can frame: 268,435,455 bytes of remaining length plus a 5-byte header. */
const MQTT_MAX_PACKET = 268_435_460;

const limit =
  <K extends keyof MqttLimits>(k: K) =>
  (p: ConfigPatch, n: number) => {
    p.mqtt.limits ??= {};
    p.mqtt.limits[k] = n as MqttLimits[K];
  };

/** Mqtt { Listener "name" { ... } } and Listeners = [...] */
const mqttListenerBlocks = listenerBlocks({
  svc: "mqtt",
  key: "Mqtt",
  transports: MQTT_TRANSPORTS,
  certTransports: ["tls", "wss"],
  examples: ["tcp://127.0.0.1:1883", "tls://0.0.0.0:8883"],
});

export const mqttSection: Section = {
  key: "Mqtt",
  spec: {
    kind: "block",
    fields: {
      Listen: listen("mqtt"),
      EnableTokenAuth: bool((p, b) => (p.mqtt.enableTokenAuth = b)),
      MaxMessageSizeLimit: int(1, MQTT_MAX_PACKET, (p, n) => (p.mqtt.maxMessageSizeLimit = n)),
      RequireClientIdMatch: bool((p, b) => (p.mqtt.requireClientIdMatch = b)),
      Persistence: bool((p, b) => (p.mqtt.persistence = b)),
      MaxConnectSize: int(64, MQTT_MAX_PACKET, limit("maxConnectSize")),
      MaxUnauthenticatedBytes: int(65_536, 2 ** 40, limit("maxUnauthenticatedBytes")),
      MaxRetainedMessages: int(0, 100_000_000, limit("maxRetainedMessages")),
      MaxRetainedBytes: int(0, 2 ** 40, limit("maxRetainedBytes")),
      MaxRetainedBytesPerClient: int(0, 2 ** 40, limit("maxRetainedBytesPerClient")),
      MaxKeepAlive: int(1, 65_535, limit("maxKeepAlive")),
      MaxPersistentSessions: int(0, 100_000_000, limit("maxPersistentSessions")),
      MaxPersistentSessionsPerClient: int(0, 100_000_000, limit("maxPersistentSessionsPerClient")),
      MaxQueuedBytes: int(0, 2 ** 40, limit("maxQueuedBytes")),
      MaxQueuedBytesPerClient: int(0, 2 ** 40, limit("maxQueuedBytesPerClient")),
      PersistentSessionExpiry: duration(1000, 3650 * 86_400_000, limit("persistentSessionExpiryMs")),
      MaxConnectionsPerClient: int(1, 100_000_000, limit("maxConnectionsPerClient")),
      MaxConnectionsPerAddress: int(1, 100_000_000, limit("maxConnectionsPerAddress")),
      StallTimeout: duration(1000, 86_400_000, limit("stallTimeoutMs")),
      Tls: tls("mqtt", ["require", "optional"]),
      Listener: mqttListenerBlocks.listenerSpec,
      Listeners: mqttListenerBlocks.listenersList,
    },
    hints: {
      Bridge: 'a bridge is its own top-level block: Bridge "name" { Address = "mqtts://..." }',
      EnableTls: "write Tls { Enabled = true } instead",
      ServerCertPath: 'write Tls { CertFile = "..." } instead',
      ServerKeyPath: 'write Tls { KeyFile = "..." } instead',
    },
  },
  check: (p, ctx) => {
    checkTlsPair("Mqtt", ctx);
    mqttListenerBlocks.check(p, ctx);
  },
  apply: (cfg, p) => {
    applyService(cfg, p, "mqtt");
    cfg.mqtt.maxMessageSizeLimit = def(p.mqtt.maxMessageSizeLimit, cfg.mqtt.maxMessageSizeLimit);
    cfg.mqtt.requireClientIdMatch = def(p.mqtt.requireClientIdMatch, cfg.mqtt.requireClientIdMatch);
    cfg.mqtt.persistence = def(p.mqtt.persistence, cfg.mqtt.persistence);
    if (p.mqtt.limits) Object.assign(cfg.mqtt, p.mqtt.limits);
    const ls = mqttListenerBlocks.resolved(p);
    if (ls) cfg.mqtt.listeners = ls;
  },
  format: (cfg) => [
    "Mqtt {",
    listenLine(cfg, "mqtt"),
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
    `  MaxPersistentSessions = ${cfg.mqtt.maxPersistentSessions}`,
    `  MaxPersistentSessionsPerClient = ${cfg.mqtt.maxPersistentSessionsPerClient}`,
    `  MaxQueuedBytes = ${cfg.mqtt.maxQueuedBytes}`,
    `  MaxQueuedBytesPerClient = ${cfg.mqtt.maxQueuedBytesPerClient}`,
    `  PersistentSessionExpiry = "${formatDuration(cfg.mqtt.persistentSessionExpiryMs)}"`,
    `  MaxConnectionsPerClient = ${cfg.mqtt.maxConnectionsPerClient}`,
    `  MaxConnectionsPerAddress = ${cfg.mqtt.maxConnectionsPerAddress}`,
    `  StallTimeout = "${formatDuration(cfg.mqtt.stallTimeoutMs)}"`,
    ...tlsLines(cfg.mqtt.tls),
    ...mqttListenerBlocks.lines(cfg.mqtt.listeners),
    "}",
  ],
  sample: () => `Mqtt {
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
  # unacknowledged QoS 1/2 messages) across restarts, in <Data>/mqtt-state.db:
  # saved on shutdown and every minute while clients are active.
  Persistence = true

  # Before its CONNECT is accepted a connection may send at most MaxConnectSize bytes,
  # and all such connections together hold at most MaxUnauthenticatedBytes. Past it new
  # connections wait, unread, for room (counted at 1 KB each, up to as much again: a
  # reconnect storm is served, not refused); past that they are refused.
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

  # Persistent sessions (clean=false, or a v5 session expiry) in all and per key
  # (anonymous clients: per address): one more is refused with CONNACK 0x97 (v5) / 3
  # (3.1.1). Messages queued for sessions count their payload, topic and ~100 bytes: past
  # MaxQueuedBytes in all or MaxQueuedBytesPerClient for one key, new ones are dropped and
  # counted. A session that asked to live for ever (3.1.1 clean=false, v5 0xFFFFFFFF) ends
  # PersistentSessionExpiry after its client left (Mosquitto's persistent_client_expiration).
  MaxPersistentSessions = ${DEFAULT_MQTT_LIMITS.maxPersistentSessions}
  MaxPersistentSessionsPerClient = ${DEFAULT_MQTT_LIMITS.maxPersistentSessionsPerClient}
  MaxQueuedBytes = ${DEFAULT_MQTT_LIMITS.maxQueuedBytes}
  MaxQueuedBytesPerClient = ${DEFAULT_MQTT_LIMITS.maxQueuedBytesPerClient}
  PersistentSessionExpiry = "7d"

  # Connections per key and per remote address: past either a CONNECT is refused at once
  # (v5 0x97 Quota exceeded / 0x9F Connection rate exceeded; 3.1.1: 3 / 5). The broker
  # never takes the last file descriptors: 5% of the process's limit (at least 64) stay for
  # /health, the query processes and the operator.
  MaxConnectionsPerClient = ${DEFAULT_MQTT_LIMITS.maxConnectionsPerClient}
  MaxConnectionsPerAddress = ${DEFAULT_MQTT_LIMITS.maxConnectionsPerAddress}

  # A client that takes none of the bytes waiting for it (messages, db/query answers) for
  # this long is closed, whatever its keep alive: a reader that does not read is cut off.
  StallTimeout = "60s"

  Tls {
    # MQTT over TLS. Env NEO_MQTT_ENABLE_TLS, flag --mqtt-enable-tls.
    Enabled = false
    # Client certificates: "require" (registered X.509 keys) | "optional" (token otherwise).
    ClientAuth = "require"
    # CertFile = "/etc/neo/server_cert.pem"
    # KeyFile = "/etc/neo/server_key.pem"
  }

  # More than one listener, each with its own rules (Mosquitto's per_listener_settings):
  # with any Listener block, Listen above is not used; Tls above gives the server
  # certificate of tls:// and wss:// listeners and the default ClientAuth of tls:// ones (wss://
  # asks for client certificates only with its own ClientAuth). docs/tls.md "Listeners".
  # Listener "local" {
  #   Address = "tcp://127.0.0.1:1883"
  #   EnableTokenAuth = false
  #   AnonymousScopes = ["topics:publish:#", "topics:subscribe:#"]
  # }
  # Listener "lan" {
  #   Address = "tls://0.0.0.0:8883"
  #   ClientAuth = "require"        # "require" | "optional" | "none"
  #   EnableTokenAuth = true
  # }
}`,
};
