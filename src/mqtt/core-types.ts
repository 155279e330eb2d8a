// The broker core's settings and its counters.
import type { ConnectionLimits } from "./connection-limits.ts";
import type { RetainedLimits } from "./retained.ts";
import type { SessionCounters } from "./session-limits.ts";
import type { SessionLimits } from "./session-limits.ts";

export interface CoreOptions {
  maxPacketSize: number;
  /** largest packet (the CONNECT) a connection may send before it is accepted */
  maxConnectSize: number;
  /** bytes all not-yet-accepted connections together may hold; past it new ones are refused */
  maxUnauthenticatedBytes: number;
  /** seconds; v5 clients asking for more (or none) get Server Keep Alive, 3.1.1 ones are refused */
  maxKeepAlive?: number;
  /** Mqtt.MaxRetained*: what clients may make the broker keep as retained messages */
  retained?: RetainedLimits;
  connectTimeoutMs: number;
  maxQueuedMessages: number;
  /** bytes waiting for one client above which QoS 0 is queued instead of written */
  outboundHighWater: number;
  /** caps on persistent sessions and queued bytes, the expiry of "never" sessions */
  sessionLimits?: SessionLimits;
  /** caps on connections in all (the broker's share of descriptors), per address, per key */
  connectionLimits?: ConnectionLimits;
  /** a client that takes none of the bytes waiting for it for this long is closed, ms (0: never) */
  stallTimeoutMs?: number;
}

export interface CoreCounters extends SessionCounters {
  messagesIn: number;
  messagesOut: number;
  bytesIn: number;
  bytesOut: number;
  droppedTooLarge: number;
  /** retained messages not kept because of Mqtt.MaxRetained* */
  retainedRefused: number;
}
