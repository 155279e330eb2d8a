// What the broker tells the app (stats, the console's client details) and what the app may publish.
import type { ClientRef, InboundPublish } from "./hooks.ts";
import type { QoS } from "./types.ts";
import type { Logger } from "../lib/log.ts";
import type { ConnectionLimits } from "./connection-limits.ts";
import type { BrokerHooks } from "./hooks.ts";
import type { RetainedLimits } from "./retained.ts";
import type { SessionLimits } from "./session-limits.ts";

export interface BrokerStats {
  connected: number;
  sessions: number;
  messagesIn: number;
  messagesOut: number;
  bytesIn: number;
  bytesOut: number;
  retained: number;
  subscriptions: number;
  uptimeSeconds: number;
  droppedQos0: number;
  droppedQueued: number;
  droppedTooLarge: number;
  expired: number;
  /** persistent sessions now, and bytes queued for sessions (Mqtt.MaxPersistentSessions*, MaxQueuedBytes*) */
  persistentSessions: number;
  queuedBytes: number;
  /** CONNECTs refused at a persistent-session cap; messages dropped at a queued-bytes cap; sessions that expired */
  refusedSessions: number;
  droppedQueuedBytes: number;
  expiredSessions: number;
  /** connections refused: no descriptors left for the broker, over the per-address cap, over the per-key cap */
  refusedDescriptors: number;
  refusedPerAddress: number;
  refusedPerClient: number;
}

/** One connected client as the console shows it. */
export interface ClientDetails<M = unknown> {
  clientId: string;
  /** the registry client it authenticated as; undefined when anonymous */
  identity: string | undefined;
  transport: ClientRef["peer"]["transport"];
  remoteAddress: string;
  protocolVersion: 3 | 4 | 5;
  /** ms since epoch */
  connectedAt: number;
  messagesIn: number;
  messagesOut: number;
  subscriptions: number;
  /** the app's credential record (AuthResult.meta) */
  meta: M | undefined;
}

export interface AppPublish {
  topic: string;
  payload: Buffer | string;
  qos?: QoS;
  retain?: boolean;
  properties?: InboundPublish["properties"];
  /** other spellings of the same topic: their subscribers get it too, each once (spellings.ts) */
  also?: readonly string[];
}

/** how the broker is made: its limits (Mqtt.*), its log, the app's hooks */
export interface BrokerOptions<M = unknown> {
  /** the app's answers; may come later through setHooks (until then a CONNECT waits for them) */
  hooks?: BrokerHooks<M>;
  /** largest packet accepted (and advertised in v5 CONNACK); default 1 MiB */
  maxPacketSize?: number;
  /** largest CONNECT (any packet before the CONNECT is accepted); default 64 KiB */
  maxConnectSize?: number;
  /** bytes all connections not yet accepted may hold together; default 16 MiB */
  maxUnauthenticatedBytes?: number;
  /** limits on retained messages from clients; default none */
  retained?: RetainedLimits;
  /** seconds; default 65535 (no limit): see CoreOptions.maxKeepAlive */
  maxKeepAlive?: number;
  /** close sockets that send no CONNECT in time; default 10000 */
  connectTimeoutMs?: number;
  log?: Logger;
  /** $SYS publish interval; default 10000, 0 disables */
  sysIntervalMs?: number;
  /** per-session queue bound; default 1000 */
  maxQueuedMessages?: number;
  /** caps on persistent sessions and queued bytes, the expiry of "never" sessions; default none */
  sessions?: SessionLimits;
  /** caps on connections in all (the broker's share of descriptors), per address, per key; default none */
  connections?: ConnectionLimits;
  /** close a client that takes none of its waiting bytes for this long, ms; default 0 (never) */
  stallTimeoutMs?: number;
}
