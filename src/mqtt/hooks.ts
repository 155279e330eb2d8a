// The broker knows nothing of auth or storage: the app plugs these hooks in.
// Outcomes are MQTT v5 reason codes (the broker maps them to v3.1.1 CONNACK codes).
import type { PeerCert } from "../lib/peer-cert.ts";

export type { PeerCert };

/** Who is on the other end, as far as the transport can tell. */
export interface PeerInfo {
  transport: "tcp" | "tls" | "ws" | "wss";
  /** the named listener the connection came in on (absent: the service's one listener) */
  listener?: string;
  remoteAddress: string;
  /** present when the transport verified a client certificate chaining to the CA */
  cert?: PeerCert;
}

export interface ConnectRequest {
  clientId: string;
  username?: string;
  password?: Buffer;
  protocolVersion: 3 | 4 | 5;
  peer: PeerInfo;
}

/** `M`: what the app keeps on each session (its credential record); the broker never looks inside */
export type AuthResult<M = unknown> =
  | { ok: true; identity?: string; expiresAt?: number; meta?: M }
  | { ok: false; reasonCode: number; reason?: string };

/** Whom a message is about to be delivered to. */
export interface DeliveryTarget<M = unknown> {
  /** MQTT client id of the session */
  clientId: string;
  /** the identity that holds the session (undefined = anonymous) */
  owner: string | undefined;
  /** the connected client, when there is one */
  client: ClientRef<M> | null;
  /** the app's record of the client that last held the session (also while it is offline; not kept across restarts) */
  meta?: M;
}

/** A connected client as hooks see it. */
export interface ClientRef<M = unknown> {
  id: string; // MQTT client id
  identity?: string; // authenticated registry client id (token/cert owner)
  meta?: M; // copied from AuthResult.meta (the app's credential record)
  protocolVersion: 3 | 4 | 5;
  peer: PeerInfo;
}

export interface InboundPublish {
  topic: string;
  payload: Buffer;
  qos: 0 | 1 | 2;
  retain: boolean;
  properties?: {
    responseTopic?: string;
    correlationData?: Buffer;
    userProperties?: Record<string, string | string[]>;
    contentType?: string;
    payloadFormatIndicator?: boolean;
    messageExpiryInterval?: number;
  };
}

/**
 * Result of onPublish: `handled: true` means the app consumed the message
 * (e.g. db/write) and it is NOT routed to subscribers. reasonCode goes into the
 * v5 PUBACK/PUBREC (0x00 success, 0x99 payload format invalid, ...).
 */
export interface PublishOutcome {
  handled: boolean;
  reasonCode?: number;
  /**
   * close the connection instead of acknowledging (QoS 1/2): the client resends the
   * message after reconnecting (v3.1.1 has no reason code to refuse a PUBLISH with)
   */
  disconnect?: boolean;
  /** other spellings of the same topic: their subscribers get it too, each once (spellings.ts) */
  also?: readonly string[];
}

export interface BrokerHooks<M = unknown> {
  authenticate(req: ConnectRequest): Promise<AuthResult<M>> | AuthResult<M>;
  /** may this client publish here (wills too, when they are published)? v5 gets 0x87, v3.1.1 a silent drop */
  authorizePublish(client: ClientRef<M>, topic: string): boolean;
  /** may this filter be subscribed to at all? (a filter allowed only in part is accepted; deliveries are then checked) */
  authorizeSubscribe(client: ClientRef<M>, topicFilter: string): boolean;
  /**
   * Called for EVERY message about to go to a session (routed or retained, connected or
   * offline): false drops it for that session. Runs on the hot path: keep it a lookup.
   */
  authorizeDeliver?(target: DeliveryTarget<M>, topic: string): boolean;
  /**
   * Present: the broker keeps this session's answers of authorizePublish (allows) and
   * authorizeDeliver per topic until the returned time (ms epoch; Infinity: no time limit)
   * or until the app calls Broker.decisionsChanged(), whichever comes first; asked again
   * when the session changes hands. Absent: every message asks the hooks.
   */
  decisionsUntil?(target: DeliveryTarget<M>): number;
  /** called for every authorized PUBLISH; the PUBACK/PUBREC waits for the promise */
  onPublish?(client: ClientRef<M>, msg: InboundPublish): Promise<PublishOutcome> | PublishOutcome;
  onConnect?(client: ClientRef<M>): void;
  onDisconnect?(client: ClientRef<M>): void;
}
