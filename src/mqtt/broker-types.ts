// What the broker tells the app (stats, the console's client details) and what the app may publish.
import type { ClientRef, InboundPublish } from "./hooks.ts";
import type { QoS } from "./types.ts";

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
}
