// One network connection: framing, parsing, ordered dispatch, corked writes, close.
// Shared by TCP, TLS and WebSocket through the Transport interface.
import mqtt, { type Packet, type IPublishPacket } from "mqtt-packet";
import type { ClientRef } from "./hooks.ts";
import type { BrokerCore } from "./core.ts";
import type { Session } from "./session.ts";
import type { Delivery, ProtocolVersion, Transport, WillMessage } from "./types.ts";
import { readVarInt, type VarInt } from "../lib/mqtt-length.ts";
import { RC } from "./codes.ts";
import { decodePublish, encodeAck, encodeConnack, encodePublish } from "./codec.ts";
import { parsePackets } from "./parser.ts";
import { dispatchPacket } from "./handlers/index.ts";
import { SERVER_RECEIVE_MAXIMUM } from "./handlers/connect.ts";
import { startPublish, type PendingPublish, finishPublish } from "./handlers/publish.ts";

// mqtt-packet would otherwise build 65,536 two-byte Buffers (megabytes of RSS) on its first
// generate() to write packet ids from a cache; acks, the hot case, go through encodeAck.
mqtt.writeToStream.cacheNumbers = false;

type State = "new" | "connecting" | "connected" | "closed";

/** Can this parsed packet be encoded again? Only packets with properties need asking. */
function encodable(p: Packet, version: ProtocolVersion): boolean {
  const v = p.cmd === "connect" ? (p.protocolVersion ?? version) : version;
  if (v !== 5) return true;
  try {
    mqtt.generate(p, { protocolVersion: 5 });
    return true;
  } catch {
    return false;
  }
}
/**
 * What a connection not yet accepted is charged against the broker's unauthenticated
 * budget besides the bytes it holds: its socket, objects and timers (so a flood of
 * silent connections spends the budget too).
 */
export const UNAUTHENTICATED_OVERHEAD = 4096;
/** publishes awaiting onPublish at once before we stop taking new ones */
/** after a DISCONNECT with a reason: how long, and how many more bytes, the client may still send */
const LINGER_MS = 2000;
const LINGER_BYTES = 1 << 20;
const PIPELINE_LIMIT = 1024;
const BACKLOG_PAUSE = 4096;

export class Connection {
  state: State = "new";
  version: ProtocolVersion = 4;
  clientId = "";
  client: ClientRef | null = null;
  session: Session | null = null;
  will: WillMessage | null = null;
  keepaliveMs = 0;
  lastSeen = Date.now();
  clientReceiveMaximum = 65535;
  clientMaximumPacketSize = Infinity;
  problemInfo = true;
  /** v5 topic aliases from this client, created on first use */
  aliases: Map<number, string> | null = null;
  /** v5: how many topic aliases the client accepts from us (its Topic Alias Maximum) */
  clientTopicAliasMaximum = 0;
  /** v5 topic aliases we gave this client, topic -> alias, up to clientTopicAliasMaximum */
  private outAliases: Map<string, number> | null = null;
  /** QoS 1/2 publishes received but not yet acknowledged (Receive Maximum accounting) */
  inboundPending = 0;
  /** this connection's own PUBLISH counts and when its CONNECT was accepted (the console's Connections) */
  messagesIn = 0;
  messagesOut = 0;
  connectedAt = 0;
  readonly pendingPubs: PendingPublish[] = [];
  /** the key this connection counts against in the per-key connection cap, once connected */
  countedIdentity: string | undefined = undefined;
  private readonly backlog: Packet[] = [];
  /** QoS 1/2 publishes waiting in `backlog` (they count against Receive Maximum) */
  private queuedQos = 0;
  private waiting = false;
  private readingPaused = false;
  /** pieces of an incomplete packet, joined once it is complete (linear in bytes) */
  /** the Remaining Length of the packet being framed (filled in place) */
  private readonly remaining: VarInt = { value: 0, end: 0 };
  private rest: Buffer[] | null = null;
  private restBytes = 0;
  /** total length of the incomplete packet in `rest`, 0 while its header is incomplete */
  private restNeed = 0;
  /** bytes charged to core.unauthenticatedBytes (until the CONNECT is accepted) */
  private charged = 0;
  private readonly cork: Uint8Array[] = [];
  private corkBytes = 0;
  private flushScheduled = false;
  private connectTimer: ReturnType<typeof setTimeout> | null;
  private closeReason: "normal" | "abnormal" = "abnormal";

  constructor(
    readonly core: BrokerCore,
    readonly transport: Transport,
  ) {
    this.connectTimer = setTimeout(() => {
      if (this.state === "new" || this.state === "connecting") this.close(); // connect timeout
    }, core.opts.connectTimeoutMs);
    core.connections.add(this);
    core.conns.addAddress(transport.peer.remoteAddress, 1);
    // the broker's share of file descriptors is used up: close at once, read nothing
    if (!core.conns.opened(core.connections.size)) {
      this.close();
      return;
    }
    // the unauthenticated budget is spent: refuse, do not buffer
    if (!this.charge(UNAUTHENTICATED_OVERHEAD)) {
      core.refusedUnauthenticated++;
      if (core.refusedUnauthenticated % 1000 === 1)
        core.log.warn(
          `refusing new MQTT connections: connections not yet authenticated hold ${core.unauthenticatedBytes} bytes (Mqtt.MaxUnauthenticatedBytes ${core.opts.maxUnauthenticatedBytes}); ${core.refusedUnauthenticated} refused so far`,
        );
      this.close();
    }
  }

  /** Charge `n` bytes to the unauthenticated budget; false (nothing charged) when it is spent. */
  private charge(n: number): boolean {
    const core = this.core;
    if (core.unauthenticatedBytes + n > core.opts.maxUnauthenticatedBytes) return false;
    core.unauthenticatedBytes += n;
    this.charged += n;
    return true;
  }

  /**
   * Bytes received before the CONNECT is accepted: at most a CONNECT's worth (and what a
   * client pipelines behind it) per connection, and all such connections together within
   * Mqtt.MaxUnauthenticatedBytes. False when the connection was closed for it.
   */
  private chargeUnaccepted(n: number): boolean {
    const o = this.core.opts;
    if (this.charged === 0) return true; // refused at open; closing already
    if (this.charged + n > UNAUTHENTICATED_OVERHEAD + 2 * o.maxConnectSize) {
      this.core.log.debug(
        `closing ${this.transport.peer.remoteAddress}: over ${2 * o.maxConnectSize} bytes before its CONNECT was accepted (Mqtt.MaxConnectSize ${o.maxConnectSize})`,
      );
      this.close();
      return false;
    }
    if (!this.charge(n)) {
      this.core.refusedUnauthenticated++;
      this.core.log.debug(`closing ${this.transport.peer.remoteAddress}: unauthenticated budget spent`);
      this.close();
      return false;
    }
    return true;
  }

  /** The CONNECT was accepted (or the connection is gone): give its charge back. */
  releaseCharge(): void {
    this.core.unauthenticatedBytes -= this.charged;
    this.charged = 0;
  }

  isConnected(): boolean {
    return this.state === "connected";
  }

  congested(): boolean {
    return this.corkBytes + this.transport.buffered() > this.core.opts.outboundHighWater;
  }

  // ---- inbound -------------------------------------------------------------

  onData(chunk: Uint8Array): void {
    if (this.state === "closed") return this.transport.discarded?.(chunk.byteLength);
    this.lastSeen = Date.now();
    this.core.stats.bytesIn += chunk.byteLength;
    const accepted = this.state === "connected";
    if (!accepted && !this.chargeUnaccepted(chunk.byteLength)) return;
    let buf: Buffer;
    if (this.rest) {
      // the socket may reuse `chunk`'s memory: keep a copy; join only once complete
      this.rest.push(Buffer.from(chunk));
      this.restBytes += chunk.byteLength;
      if (this.restNeed > 0 && this.restBytes < this.restNeed) return;
      buf = this.rest.length === 1 ? (this.rest[0] as Buffer) : Buffer.concat(this.rest, this.restBytes);
      this.rest = null;
      this.restBytes = 0;
    } else {
      buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    }
    let off = 0;
    let runStart = 0; // start of packets not yet handed to mqtt-packet
    // before the CONNECT is accepted only a small packet may come (Mqtt.MaxConnectSize)
    const max = accepted
      ? this.core.opts.maxPacketSize
      : Math.min(this.core.opts.maxPacketSize, this.core.opts.maxConnectSize);
    let need = 0;
    const rl = this.remaining;
    while (buf.length - off >= 2) {
      const read = readVarInt(buf, off + 1, rl);
      if (read === "malformed") return this.protocolClose(RC.malformedPacket); // remaining length over 4 bytes
      if (read === "incomplete") break;
      const i = rl.end;
      const total = i - off + rl.value;
      if (total > max) return this.protocolClose(RC.packetTooLarge);
      if (this.state === "new" && off === 0 && (buf[0] as number) >> 4 !== 1) return this.close(); // [MQTT-3.1.0-1]
      if (buf.length - off < total) {
        need = total;
        break;
      }
      if ((buf[off] as number) >> 4 === 3 && this.state === "connected") {
        // hot path: PUBLISH without properties skips mqtt-packet
        const fast = decodePublish(buf, off, i, off + total, this.version);
        if (fast === "malformed") {
          this.parseRun(buf, runStart, off);
          return this.protocolClose(RC.malformedPacket);
        }
        if (fast) {
          this.parseRun(buf, runStart, off);
          if ((this.state as State) === "closed") return;
          off += total;
          runStart = off;
          this.onPacket(fast);
          continue;
        }
      }
      off += total;
    }
    if (off < buf.length) {
      this.rest = [Buffer.from(buf.subarray(off))];
      this.restBytes = buf.length - off;
      this.restNeed = need;
    }
    this.parseRun(buf, runStart, off);
  }

  /** Hand complete packets in [from, to) to mqtt-packet. */
  private parseRun(buf: Buffer, from: number, to: number): void {
    if (to <= from || this.state === "closed") return;
    try {
      parsePackets(from === 0 && to === buf.length ? buf : buf.subarray(from, to), this.version, this);
    } catch (e) {
      this.core.log.debug(`parser threw: ${String(e)}`);
      this.protocolClose(RC.malformedPacket);
    }
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
      if (this.inboundPending + this.queuedQos >= SERVER_RECEIVE_MAXIMUM)
        return this.protocolClose(RC.receiveMaximumExceeded);
    }
    if (this.waiting || this.backlog.length > 0) {
      this.enqueue(p);
      if (this.backlog.length > BACKLOG_PAUSE && !this.readingPaused) {
        this.readingPaused = true;
        this.transport.pauseReading();
      }
      return;
    }
    this.handle(p);
  }

  private enqueue(p: Packet): void {
    this.backlog.push(p);
    if (p.cmd === "publish" && p.qos > 0) this.queuedQos++;
  }

  private handle(p: Packet): void {
    if (p.cmd === "publish") {
      if (this.pendingPubs.length >= PIPELINE_LIMIT) {
        this.enqueue(p);
        return;
      }
      return startPublish(this, p);
    }
    if (this.pendingPubs.length > 0) {
      this.enqueue(p); // keep order behind publishes awaiting the app
      return;
    }
    try {
      const r = dispatchPacket(this, p);
      if (r) {
        this.waiting = true;
        r.then(
          () => this.resumeBacklog(),
          (e: unknown) => {
            this.core.log.error("handler failed", e);
            this.protocolClose(RC.unspecifiedError);
          },
        );
      }
    } catch (e) {
      this.core.log.error(`handler for ${p.cmd} failed`, e);
      this.protocolClose(RC.unspecifiedError);
    }
  }

  private resumeBacklog(): void {
    this.waiting = false;
    while (this.backlog.length > 0 && !this.waiting && this.state !== "closed") {
      const p = this.backlog[0] as Packet;
      if (p.cmd !== "publish" && this.pendingPubs.length > 0) break;
      if (p.cmd === "publish" && this.pendingPubs.length >= PIPELINE_LIMIT) break;
      this.backlog.shift();
      if (p.cmd === "publish" && p.qos > 0) this.queuedQos--;
      this.handle(p);
    }
    if (this.readingPaused && this.backlog.length < BACKLOG_PAUSE / 2) {
      this.readingPaused = false;
      this.transport.resumeReading();
    }
  }

  /** A pipelined publish finished its hook: finish everything ready at the head, in order. */
  publishSettled(): void {
    while (this.pendingPubs.length > 0 && (this.pendingPubs[0] as PendingPublish).settled) {
      finishPublish(this, this.pendingPubs.shift() as PendingPublish);
    }
    if (this.pendingPubs.length === 0 || this.backlog.length > 0) this.resumeBacklog();
  }

  /** Hold further packets until the given async step is done (CONNECT authentication). */
  hold(): void {
    this.waiting = true;
  }

  // ---- outbound ------------------------------------------------------------

  sendPacket(p: Packet): boolean {
    if (this.state === "closed") return false;
    let buf: Buffer | null = encodeAck(p, this.version) ?? encodeConnack(p, this.version);
    try {
      buf ??= mqtt.generate(p, { protocolVersion: this.version });
    } catch (e) {
      this.core.log.error(`cannot encode ${p.cmd}`, e);
      return false;
    }
    if (buf.length > this.clientMaximumPacketSize) return false; // [MQTT-3.1.2-24]
    this.push(buf);
    return true;
  }

  /** Send one application message; false when it was dropped (expired or too large). */
  sendPublish(d: Delivery, pid: number, dup: boolean): boolean {
    const m = d.msg;
    if (this.state === "closed") return false;
    if (
      m.expiresAt === undefined &&
      (this.version !== 5 || (!m.properties && !d.subscriptionIds && this.clientTopicAliasMaximum === 0))
    ) {
      // no properties to write: encode directly
      const buf = encodePublish(m.topic, m.payload, d.qos, pid, d.retain, dup, this.version);
      if (buf.length > this.clientMaximumPacketSize) {
        this.core.stats.droppedTooLarge++;
        return false;
      }
      this.push(buf);
      this.core.stats.messagesOut++;
      this.messagesOut++;
      return true;
    }
    const pkt: IPublishPacket = {
      cmd: "publish",
      topic: m.topic,
      payload: m.payload,
      qos: d.qos,
      retain: d.retain,
      dup,
    };
    if (d.qos > 0) pkt.messageId = pid;
    if (this.version === 5) {
      const props: NonNullable<IPublishPacket["properties"]> = { ...m.properties };
      if (m.expiresAt !== undefined) {
        const left = Math.ceil((m.expiresAt - Date.now()) / 1000);
        if (left <= 0) {
          this.core.stats.expired++;
          return false;
        }
        props.messageExpiryInterval = left; // remaining lifetime [MQTT-3.3.2-6]
      }
      if (d.subscriptionIds && d.subscriptionIds.length > 0) props.subscriptionIdentifier = d.subscriptionIds;
      delete props.topicAlias; // an alias from the publisher means nothing on this connection
      if (this.clientTopicAliasMaximum > 0) {
        // outbound topic aliases: the first message on a topic names it and its alias,
        // later ones send the alias and an empty topic [MQTT-3.3.2-8]
        const aliases = (this.outAliases ??= new Map());
        const known = aliases.get(m.topic);
        if (known !== undefined) {
          props.topicAlias = known;
          pkt.topic = "";
        } else if (aliases.size < this.clientTopicAliasMaximum) {
          props.topicAlias = aliases.size + 1;
          aliases.set(m.topic, props.topicAlias);
        }
      }
      pkt.properties = props;
    } else if (m.expiresAt !== undefined && m.expiresAt <= Date.now()) {
      this.core.stats.expired++;
      return false;
    }
    if (!this.sendPacket(pkt)) {
      this.core.stats.droppedTooLarge++;
      return false;
    }
    this.core.stats.messagesOut++;
    this.messagesOut++;
    return true;
  }

  private push(buf: Buffer): void {
    this.cork.push(buf);
    this.corkBytes += buf.length;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      queueMicrotask(() => this.flush());
    }
  }

  flush(): void {
    this.flushScheduled = false;
    if (this.cork.length === 0) return;
    const out = this.cork.length === 1 ? (this.cork[0] as Uint8Array) : Buffer.concat(this.cork, this.corkBytes);
    this.core.stats.bytesOut += this.corkBytes;
    this.cork.length = 0; // reused: `out` is the single chunk or a copy of them all
    this.corkBytes = 0;
    this.transport.write(out);
  }

  onDrain(): void {
    this.session?.pump();
  }

  // ---- closing -------------------------------------------------------------

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
    this.closeReason = sendWill ? "abnormal" : "normal";
    if (!sendWill) this.will = null;
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
    if (this.connectTimer) clearTimeout(this.connectTimer);
    this.connectTimer = null;
    this.backlog.length = 0;
    this.queuedQos = 0;
    this.rest = null;
    this.releaseCharge();
    if (this.core.connections.delete(this)) this.core.conns.addAddress(this.transport.peer.remoteAddress, -1);
    if (this.countedIdentity !== undefined) this.core.conns.addClient(this.countedIdentity, -1);
    this.countedIdentity = undefined;
    if (wasConnected) this.core.detach(this, this.closeReason === "abnormal");
  }

  clearConnectTimer(): void {
    if (this.connectTimer) clearTimeout(this.connectTimer);
    this.connectTimer = null;
  }
}
