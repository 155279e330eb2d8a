// A connection's way out: packets encoded (acks, CONNACK and property-less PUBLISHes by
// hand, the rest by mqtt-packet), refused when larger than the client takes, corked until
// the end of the event-loop turn and written in one piece.
import mqtt, { type Packet } from "mqtt-packet";
import { encodeAck, encodeConnack, encodePublish } from "./codec.ts";
import type { Connection } from "./connection.ts";
import { publishPacket } from "./outbound-publish.ts";
import type { Delivery, Message } from "./types.ts";

/** the last QoS 0 PUBLISH encoded: a fan-out encodes a message once, not once per subscriber */
const wire: { msg: Message | null; key: number; buf: Buffer } = { msg: null, key: 0, buf: Buffer.alloc(0) };

/** a property-less QoS 0 PUBLISH of `m` (never written into: shared by every connection it goes to) */
function encodedQos0(m: Message, retain: boolean, version: number): Buffer {
  const key = (version === 5 ? 2 : 0) | (retain ? 1 : 0);
  if (wire.msg !== m || wire.key !== key) {
    wire.buf = encodePublish(m.topic, m.payload, 0, 0, retain, false, version);
    wire.msg = m;
    wire.key = key;
  }
  return wire.buf;
}

export class Outbound {
  /** the one packet corked this turn (most turns cork one: a CONNACK, an ack, a publish) */
  private one: Uint8Array | null = null;
  /** every packet corked this turn once there are two; made then, kept (this client is written to) */
  private more: Uint8Array[] | null = null;
  private corkBytes = 0;
  /** PUBLISH packets sent (the connection's messagesOut) */
  sent = 0;
  private flushScheduled = false;

  constructor(private readonly c: Connection) {}

  private stallSince = 0;
  private stallLow = 0;

  /** bytes corked and not yet written */
  get bytes(): number {
    return this.corkBytes;
  }

  /** corked here plus written and not yet taken by the kernel */
  pending(): number {
    return this.corkBytes + this.c.transport.buffered();
  }

  /** ms the bytes waiting for the client have not gone down (0: nothing waits, or it reads) */
  stalled(now: number): number {
    const n = this.pending();
    if (n === 0) {
      this.stallSince = 0;
      return 0;
    }
    if (this.stallSince === 0 || n < this.stallLow) {
      this.stallSince = now;
      this.stallLow = n;
      return 0;
    }
    return now - this.stallSince;
  }

  sendPacket(p: Packet): boolean {
    if (this.c.state === "closed") return false;
    let buf: Buffer | null = encodeAck(p, this.c.version) ?? encodeConnack(p, this.c.version);
    try {
      buf ??= mqtt.generate(p, { protocolVersion: this.c.version });
    } catch (e) {
      this.c.core.log.error(`cannot encode ${p.cmd}`, e);
      return false;
    }
    if (buf.length > this.c.limits.maximumPacketSize) return false; // [MQTT-3.1.2-24]
    this.push(buf);
    return true;
  }

  /** Send one application message; false when it was dropped (expired or too large). */
  sendPublish(d: Delivery, pid: number, dup: boolean): boolean {
    const m = d.msg;
    if (this.c.state === "closed") return false;
    if (
      m.expiresAt === undefined &&
      (this.c.version !== 5 || (!m.properties && !d.subscriptionIds && this.c.limits.topicAliasMaximum === 0))
    ) {
      // no properties to write: encode directly
      const buf =
        d.qos === 0 && pid === 0 && !dup
          ? encodedQos0(m, d.retain, this.c.version)
          : encodePublish(m.topic, m.payload, d.qos, pid, d.retain, dup, this.c.version);
      if (buf.length > this.c.limits.maximumPacketSize) {
        this.c.core.stats.droppedTooLarge++;
        return false;
      }
      this.push(buf);
      this.c.core.stats.messagesOut++;
      this.sent++;
      return true;
    }
    const pkt = publishPacket(this.c, d, pid, dup);
    if (!pkt) {
      this.c.core.stats.expired++;
      return false;
    }
    if (!this.sendPacket(pkt)) {
      this.c.core.stats.droppedTooLarge++;
      return false;
    }
    this.c.core.stats.messagesOut++;
    this.sent++;
    return true;
  }

  private push(buf: Buffer): void {
    const more = this.more;
    if (more !== null && more.length > 0) more.push(buf);
    else if (this.one === null) this.one = buf;
    else {
      (this.more = more ?? []).push(this.one, buf);
      this.one = null;
    }
    this.corkBytes += buf.length;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      queueMicrotask(() => this.flush());
    }
  }

  flush(): void {
    this.flushScheduled = false;
    let out = this.one;
    const more = this.more;
    if (out !== null) this.one = null;
    else if (more !== null && more.length > 0) {
      out = Buffer.concat(more, this.corkBytes);
      more.length = 0; // reused: `out` is a copy of them all
    } else return;
    this.c.core.stats.bytesOut += this.corkBytes;
    this.corkBytes = 0;
    this.c.transport.write(out);
  }
}
