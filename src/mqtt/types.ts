// Internal shapes shared by the broker's parts (not exported from index.ts).
import type { InboundPublish, PeerInfo } from "./hooks.ts";
import type { Session } from "./session.ts";

export type QoS = 0 | 1 | 2;
export type ProtocolVersion = 3 | 4 | 5;
export type PublishProperties = NonNullable<InboundPublish["properties"]>;

/** One application message as the broker routes it. */
export interface Message {
  topic: string;
  payload: Buffer;
  qos: QoS;
  retain: boolean;
  properties?: PublishProperties;
  /** absolute ms epoch after which the message must not be delivered (v5 Message Expiry) */
  expiresAt?: number;
  /** MQTT client id of the publisher, for No Local */
  origin?: string;
}

/** A subscription as a session holds it. */
export interface Subscription {
  clientId: string;
  /** the filter exactly as subscribed (including any `$share/<group>/` prefix) */
  raw: string;
  /** the topic filter part used for matching */
  filter: string;
  group?: string;
  qos: QoS;
  noLocal: boolean;
  retainAsPublished: boolean;
  retainHandling: 0 | 1 | 2;
  subscriptionId?: number;
  /** the session holding it (core.addSubscription sets it): a delivery goes there without a look-up by client id; never saved */
  session?: Session;
}

/** One message on its way to one session. */
export interface Delivery {
  msg: Message;
  qos: QoS;
  retain: boolean;
  subscriptionIds?: number[];
}

/** Bytes out to one peer; TCP, TLS and WebSocket each implement it. */
export interface Transport {
  readonly peer: PeerInfo;
  /** queue bytes; whatever the socket does not take now is kept and sent on drain */
  write(chunk: Uint8Array): void;
  /** bytes accepted but not yet handed to the kernel */
  buffered(): number;
  /** flush what is buffered, then close */
  end(): void;
  /** close at once */
  close(): void;
  /**
   * After a DISCONNECT with a reason: flush, stop sending (FIN) but keep reading and
   * discarding what the client still sends, so it can read the reason instead of a broken
   * pipe; close for good after `ms` or `maxBytes` discarded, whichever comes first.
   */
  linger?(ms: number, maxBytes: number): void;
  /** bytes that arrived after the connection was closed (counted against the linger) */
  discarded?(bytes: number): void;
  pauseReading(): void;
  resumeReading(): void;
}

export interface WillMessage {
  msg: Message;
  delayMs: number;
}
