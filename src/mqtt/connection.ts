// One network connection: framing, parsing, ordered dispatch, corked writes, close.
// Shared by TCP, TLS and WebSocket through the Transport interface.
import mqtt, { type Packet } from "mqtt-packet";
import type { ClientRef, PeerInfo } from "./hooks.ts";
import type { BrokerCore } from "./core.ts";
import type { Session } from "./session.ts";
import type { Delivery, ProtocolVersion, Transport, WillMessage } from "./types.ts";
import { RC } from "./codes.ts";
import { chargeNew, clearConnectDeadline, releaseCharge } from "./connect-charge.ts";
import { connectGate } from "./connect-gate.ts";
import { encodable } from "./parser.ts";
import { frameBytes } from "./framing.ts";
import { flushOut, pendingOut, sendPacket, sendPublish, stalledFor } from "./outbound.ts";
import { ConnectionRare } from "./connection-rare.ts";
import { SERVER_RECEIVE_MAXIMUM } from "./handlers/connect.ts";
import { NO_PENDING, type PendingPublish } from "./handlers/publish.ts";
import { type InboundOrder, publishSettled, takeInOrder } from "./inbound-order.ts";
import type { Reassembly } from "./reassembly.ts";
import { type ClientLimits, DEFAULT_LIMITS } from "./client-limits.ts";

// mqtt-packet would otherwise build 65,536 two-byte Buffers (megabytes of RSS) on its first
// generate() to write packet ids from a cache; acks, the hot case, go through encodeAck.
mqtt.writeToStream.cacheNumbers = false;

type State = "new" | "connecting" | "connected" | "closed";

/** after a DISCONNECT with a reason: how long, and how many more bytes, the client may still send */
const LINGER_MS = 2000;
const LINGER_BYTES = 1 << 20;

/**
 * One connection, and (once its CONNECT got as far as its identity) the client hooks see: a
 * Connection is its own ClientRef (`client`), so an idle connection keeps no object for it.
 */
export class Connection implements ClientRef {
  state: State = "new";
  version: ProtocolVersion = 4;
  /** the identity it authenticated as (undefined: anonymous); null until its CONNECT got that far (no client yet) */
  private who: string | undefined | null = null;
  /** the app's record of its credential (AuthResult.meta) */
  meta: unknown = undefined;
  session: Session | null = null;
  keepaliveMs = 0;
  lastSeen = Date.now();
  /** what a v5 client takes (Receive Maximum, Maximum Packet Size, ...) and its topic aliases; shared defaults until it says */
  limits: ClientLimits = DEFAULT_LIMITS;
  /** QoS 1/2 publishes received but not yet acknowledged (Receive Maximum accounting) */
  inboundPending = 0;
  /** this connection's own PUBLISH counts and when its CONNECT was accepted (the console's Connections) */
  messagesIn = 0;
  sent = 0;
  connectedAt = 0;
  /** publishes awaiting the app's onPublish, in arrival order (a shared empty one while none: handlers/publish.ts) */
  pendingPubs: PendingPublish[] = NO_PENDING;
  /** packets waiting their turn (inbound-order.ts): made while some must, null again once none do */
  order: InboundOrder | null = null;
  /** the one packet corked this turn, written at its end (outbound.ts; most turns cork one: a CONNACK, an ack, a publish) */
  one: Uint8Array | null = null;
  /** a will, a partial packet, a turn's second packet, bytes stalled: made when one is (connection-rare.ts) */
  rare: ConnectionRare | null = null;

  constructor(
    readonly core: BrokerCore,
    readonly transport: Transport,
  ) {
    const charge = chargeNew(this); // its share of the unauthenticated budget, its connect deadline
    core.openConnections++;
    core.conns.addAddress(transport.peer.remoteAddress, 1);
    // the broker's share of file descriptors is used up: close at once, read nothing
    if (!core.conns.opened(core.openConnections)) this.close();
    // the unauthenticated budget is spent: refuse, do not buffer
    else if (!charge.open()) this.close();
  }

  /** The CONNECT was accepted (or the connection is gone): give its charge back. */
  releaseCharge(): void {
    releaseCharge(this);
  }

  /** Its CONNECT was authenticated: from now on it is a client (`client` is this connection). */
  identify(identity: string | undefined, meta: unknown): void {
    this.who = identity;
    this.meta = meta;
  }

  /** the client hooks see (this connection), once its CONNECT got as far as its identity; null before */
  get client(): ClientRef | null {
    return this.who === null ? null : this;
  }

  /** ClientRef: the client id (its session's; "" until it has one) */
  get id(): string {
    return this.session?.id ?? "";
  }

  /** ClientRef: the identity it authenticated as (undefined: anonymous, or no client yet) */
  get identity(): string | undefined {
    return this.who ?? undefined;
  }

  /** ClientRef: the protocol level of its CONNECT */
  get protocolVersion(): ProtocolVersion {
    return this.version;
  }

  /** ClientRef: who is on the other end, as far as the transport can tell */
  get peer(): PeerInfo {
    return this.transport.peer;
  }

  /** the client id, once its CONNECT got that far ("" before) */
  get clientId(): string {
    return this.session?.id ?? "";
  }

  /** PUBLISH packets sent to it */
  get messagesOut(): number {
    return this.sent;
  }

  /** the will of its CONNECT, until published or dropped */
  get will(): WillMessage | null {
    return this.rare?.will ?? null;
  }

  set will(w: WillMessage | null) {
    if (w !== null || this.rare) this.rareState().will = w;
  }

  /** pieces of an incomplete packet, joined once it is complete (linear in bytes); made when one is (framing.ts) */
  get pieces(): Reassembly | null {
    return this.rare?.pieces ?? null;
  }

  set pieces(p: Reassembly | null) {
    if (p !== null || this.rare) this.rareState().pieces = p;
  }

  /** its rarely needed state, made now if it was not */
  rareState(): ConnectionRare {
    return (this.rare ??= new ConnectionRare());
  }

  isConnected(): boolean {
    return this.state === "connected";
  }

  /** bytes written to this client and not yet taken by the kernel (what a reader that does not read holds here) */
  pendingBytes(): number {
    return pendingOut(this);
  }

  /** ms the bytes waiting for this client have not gone down (0: nothing waits, or it reads) */
  stalled(now: number): number {
    return stalledFor(this, now);
  }

  congested(): boolean {
    return pendingOut(this) > this.core.opts.outboundHighWater;
  }

  // ---- inbound ----
  onData(chunk: Uint8Array): void {
    if (this.state === "closed") return this.transport.discarded?.(chunk.byteLength);
    this.lastSeen = Date.now();
    this.core.stats.bytesIn += chunk.byteLength;
    if (this.state !== "connected") {
      const budget = this.core.unconnected.get(this); // none once the CONNECT was accepted
      if (budget && !budget.received(chunk.byteLength, this.transport.peer.remoteAddress)) return this.close();
    }
    // a CONNECT not yet checked: at most so many a turn (connect-gate.ts), the rest wait their turn
    if (this.state === "new" && connectGate(this.core).defer(this, chunk)) return;
    this.frame(chunk);
  }

  /** Frame and handle bytes already counted (from onData, or handed back by the connect gate). */
  frame(chunk: Uint8Array): void {
    frameBytes(this, chunk);
  }

  onParseError(e: Error): void {
    if (this.state === "closed") return;
    if (this.state === "new" && /protocol version|protocolId/i.test(e.message)) {
      // [MQTT-3.1.2-2] unsupported protocol level: CONNACK 0x01, then close
      this.sendPacket({ cmd: "connack", returnCode: 1, sessionPresent: false });
      return this.close(true);
    }
    this.core.log.debug(`malformed packet from ${this.transport.peer.remoteAddress}: ${e.message}`);
    this.protocolClose(RC.malformedPacket);
  }

  onPacket(p: Packet): void {
    if (this.state === "closed") return;
    if ("properties" in p && p.properties && !encodable(p, this.version)) {
      // a property mqtt-packet read but could not write back (e.g. a user property with
      // no value): a Malformed Packet, refused before anything is routed or acknowledged
      this.core.log.debug(`malformed ${p.cmd} properties from ${this.transport.peer.remoteAddress}`);
      return this.protocolClose(RC.malformedPacket);
    }
    if (p.cmd === "publish" && p.qos > 0 && this.version === 5 && this.state === "connected") {
      // QoS 1/2 publishes not yet acknowledged, waiting here included [MQTT-3.3.4-9]
      if (this.inboundPending + (this.order?.queuedQos ?? 0) >= SERVER_RECEIVE_MAXIMUM)
        return this.protocolClose(RC.receiveMaximumExceeded);
    }
    takeInOrder(this, p);
  }

  /** A pipelined publish finished its hook: finish everything ready at the head, in order. */
  publishSettled(): void {
    publishSettled(this);
  }

  // ---- outbound ----
  sendPacket(p: Packet): boolean {
    return sendPacket(this, p);
  }

  /** Send one application message; false when it was dropped (expired or too large). */
  sendPublish(d: Delivery, pid: number, dup: boolean): boolean {
    return sendPublish(this, d, pid, dup);
  }

  flush(): void {
    flushOut(this);
  }

  onDrain(): void {
    this.session?.pump();
  }

  // ---- closing ----
  /** Close because of a protocol problem: v5 clients get DISCONNECT with the reason first. */
  protocolClose(reasonCode: number): void {
    if (this.state === "closed") return;
    if (this.version === 5 && this.state === "connected") {
      this.sendPacket({ cmd: "disconnect", reasonCode });
      // a client still writing (beyond Receive Maximum, say) must be able to read why:
      // stop reading it, let the reason drain, close after a short bounded linger
      if (this.transport.linger) {
        this.flush();
        this.teardown();
        return this.transport.linger(LINGER_MS, LINGER_BYTES);
      }
    }
    this.close(true);
  }

  /** Server-initiated disconnect (takeover, admin, keepalive, shutdown). */
  disconnect(reasonCode: number): void {
    this.protocolClose(reasonCode);
  }

  /** Client sent DISCONNECT. */
  clientDisconnected(sendWill: boolean): void {
    if (!sendWill) this.will = null; // a normal disconnect: the will goes [MQTT-3.14.4-3]
    this.close(true);
  }

  /** Close the transport (after flushing when `graceful`) and tear the session link down now. */
  close(graceful = false): void {
    if (this.state === "closed") return;
    this.flush();
    this.teardown();
    if (graceful) this.transport.end();
    else this.transport.close();
  }

  /** The transport closed under us (peer gone, network error). */
  onTransportClosed(): void {
    this.teardown();
  }

  private teardown(): void {
    if (this.state === "closed") return;
    const wasConnected = this.state === "connected";
    this.state = "closed";
    this.order?.clear();
    this.order = null;
    this.pieces = null;
    releaseCharge(this); // its deadline too
    // once per connection (the state guard above), as the constructor counted it
    this.core.openConnections--;
    this.core.conns.addAddress(this.transport.peer.remoteAddress, -1);
    // a connected client with an identity counted against its key's cap (core.connected)
    const identity = this.who ?? undefined;
    if (wasConnected && identity !== undefined) this.core.conns.addClient(identity, -1);
    if (wasConnected) this.core.detach(this, this.will !== null); // a will left is one to publish
  }

  clearConnectTimer(): void {
    clearConnectDeadline(this);
  }
}
