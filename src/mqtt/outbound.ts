// A connection's way out: packets encoded (acks, CONNACK and property-less PUBLISHes by
// hand, the rest by mqtt-packet), refused when larger than the client takes, corked until
// the end of the event-loop turn and written in one piece. The state is the Connection's
// own (`one`, `sent`, and in `rare` what a turn with two packets or a stall needs): no
// object of its own per connection.
import mqtt, { type Packet } from "mqtt-packet";
import { ackBytes, encodeAck, encodeConnack, encodePublish } from "./codec.ts";
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

/** bytes corked this turn and not yet written */
function corkedBytes(c: Connection): number {
  return c.one !== null ? c.one.byteLength : (c.rare?.moreBytes ?? 0);
}

/** corked here plus written and not yet taken by the kernel */
export function pendingOut(c: Connection): number {
  return corkedBytes(c) + c.transport.buffered();
}

/** ms the bytes waiting for the client have not gone down (0: nothing waits, or it reads) */
export function stalledFor(c: Connection, now: number): number {
  const n = pendingOut(c);
  if (n === 0) {
    if (c.rare) c.rare.stallSince = 0;
    return 0;
  }
  const r = c.rareState();
  if (r.stallSince === 0 || n < r.stallLow) {
    r.stallSince = now;
    r.stallLow = n;
    return 0;
  }
  return now - r.stallSince;
}

export function sendPacket(c: Connection, p: Packet): boolean {
  if (c.state === "closed") return false;
  let buf: Buffer | null = encodeAck(p, c.version) ?? encodeConnack(p, c.version);
  try {
    buf ??= mqtt.generate(p, { protocolVersion: c.version });
  } catch (e) {
    c.core.log.error(`cannot encode ${p.cmd}`, e);
    return false;
  }
  if (buf.length > c.limits.maximumPacketSize) return false; // [MQTT-3.1.2-24]
  push(c, buf);
  return true;
}

/** an ack of a packet id alone (PUBACK 0x40, PUBREC 0x50, ...: v3.1.1's only form, v5's reason 0): no packet object */
export function sendAck(c: Connection, head: number, pid: number): void {
  if (c.state === "closed" || c.limits.maximumPacketSize < 4) return;
  push(c, ackBytes(head, pid));
}

/** Send one application message; false when it was dropped (expired or too large). */
export function sendPublish(c: Connection, d: Delivery, pid: number, dup: boolean): boolean {
  const m = d.msg;
  if (c.state === "closed") return false;
  if (
    m.expiresAt === undefined &&
    (c.version !== 5 || (!m.properties && !d.subscriptionIds && c.limits.topicAliasMaximum === 0))
  ) {
    // no properties to write: encode directly
    const buf =
      d.qos === 0 && pid === 0 && !dup
        ? encodedQos0(m, d.retain, c.version)
        : encodePublish(m.topic, m.payload, d.qos, pid, d.retain, dup, c.version);
    if (buf.length > c.limits.maximumPacketSize) {
      c.core.stats.droppedTooLarge++;
      return false;
    }
    push(c, buf);
    c.core.stats.messagesOut++;
    c.sent++;
    return true;
  }
  const pkt = publishPacket(c, d, pid, dup);
  if (!pkt) {
    c.core.stats.expired++;
    return false;
  }
  if (!sendPacket(c, pkt)) {
    c.core.stats.droppedTooLarge++;
    return false;
  }
  c.core.stats.messagesOut++;
  c.sent++;
  return true;
}

/** cork `buf` until the end of the turn (the first packet of a turn schedules the flush) */
function push(c: Connection, buf: Buffer): void {
  const r = c.rare;
  const more = r?.more;
  if (r && more && more.length > 0) {
    more.push(buf);
    r.moreBytes += buf.length;
    return; // a flush is scheduled already
  }
  const one = c.one;
  if (one === null) {
    c.one = buf;
    if (corked.length === 0) queueMicrotask(flushTurn);
    corked.push(c);
    return;
  }
  const rr = c.rareState();
  (rr.more ??= []).push(one, buf);
  rr.moreBytes = one.byteLength + buf.length;
  c.one = null;
}

/**
 * The connections that corked a packet this turn, written by one microtask at its end
 * (flushTurn): no closure and no microtask of its own per connection and write.
 */
const corked: Connection[] = [];

/** write every connection corked this turn (one added meanwhile, by a write that closed another, too) */
function flushTurn(): void {
  let i = 0;
  try {
    for (; i < corked.length; i++) flushOut(corked[i] as Connection);
  } finally {
    // a write threw: the rest goes in a microtask of its own, the list stays usable
    if (i < corked.length) {
      corked.splice(0, i + 1);
      queueMicrotask(flushTurn);
    } else corked.length = 0;
  }
}

/** write what is corked, in one piece */
export function flushOut(c: Connection): void {
  let out = c.one;
  let bytes: number;
  if (out !== null) {
    c.one = null;
    bytes = out.byteLength;
  } else {
    const r = c.rare;
    const more = r?.more;
    if (!r || !more || more.length === 0) return;
    bytes = r.moreBytes;
    out = Buffer.concat(more, bytes);
    more.length = 0; // reused: `out` is a copy of them all
    r.moreBytes = 0;
  }
  c.core.stats.bytesOut += bytes;
  c.transport.write(out);
}
