// Fast paths for the hot packet: PUBLISH without properties. Everything else goes
// through mqtt-packet. Both directions produce/consume exactly the mqtt-packet shapes.
import type { IPublishPacket } from "mqtt-packet";
import type { QoS } from "./types.ts";

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Decode a complete PUBLISH (fixed header at `off`, body at [start, end)). Returns null
 * when the packet needs the full parser (v5 with properties) and "malformed" when it is
 * broken.
 */
export function decodePublish(buf: Buffer, off: number, start: number, end: number, version: number): IPublishPacket | null | "malformed" {
  const flags = (buf[off] as number) & 0x0f;
  const qos = (flags >> 1) & 3;
  if (qos === 3) return "malformed"; // [MQTT-3.3.1-4]
  if (end - start < 2) return "malformed";
  const tlen = ((buf[start] as number) << 8) | (buf[start + 1] as number);
  let p = start + 2 + tlen;
  if (p > end) return "malformed";
  let topic: string;
  try {
    topic = utf8.decode(buf.subarray(start + 2, p));
  } catch {
    return "malformed"; // [MQTT-1.5.4-1] ill-formed UTF-8
  }
  let messageId: number | undefined;
  if (qos > 0) {
    if (p + 2 > end) return "malformed";
    messageId = ((buf[p] as number) << 8) | (buf[p + 1] as number);
    p += 2;
  }
  if (version === 5) {
    if (p >= end) return "malformed";
    if (buf[p] !== 0) return null; // has properties: let mqtt-packet do it
    p += 1;
  }
  const pkt: IPublishPacket = {
    cmd: "publish",
    topic,
    payload: buf.subarray(p, end),
    qos: qos as QoS,
    dup: (flags & 8) !== 0,
    retain: (flags & 1) !== 0,
  };
  if (messageId !== undefined) pkt.messageId = messageId;
  return pkt;
}

/** Encode a PUBLISH that carries no v5 properties. */
export function encodePublish(topic: string, payload: Buffer, qos: QoS, pid: number, retain: boolean, dup: boolean, version: number): Buffer {
  const tlen = Buffer.byteLength(topic);
  const rem = 2 + tlen + (qos > 0 ? 2 : 0) + (version === 5 ? 1 : 0) + payload.length;
  let lenBytes = 1;
  for (let r = rem; r >= 128; r = Math.floor(r / 128)) lenBytes++;
  const out = Buffer.allocUnsafe(1 + lenBytes + rem);
  out[0] = 0x30 | (dup ? 8 : 0) | (qos << 1) | (retain ? 1 : 0);
  let i = 1;
  let r = rem;
  do {
    let b = r % 128;
    r = Math.floor(r / 128);
    if (r > 0) b |= 0x80;
    out[i++] = b;
  } while (r > 0);
  out[i++] = tlen >> 8;
  out[i++] = tlen & 0xff;
  i += out.write(topic, i, "utf8");
  if (qos > 0) {
    out[i++] = pid >> 8;
    out[i++] = pid & 0xff;
  }
  if (version === 5) out[i++] = 0;
  payload.copy(out, i);
  return out;
}
