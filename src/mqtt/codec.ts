// Fast paths for the hot packet: PUBLISH without properties. Everything else goes
// through mqtt-packet. Both directions produce/consume exactly the mqtt-packet shapes.
import type { IPublishPacket, Packet } from "mqtt-packet";
import type { QoS } from "./types.ts";

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * The last topic decoded, by its bytes (a device publishes to the same topic again and
 * again): a PUBLISH whose topic bytes are the same gets the same string, without a view of
 * the bytes and a new string each time. Topics longer than LAST_MAX are decoded each time.
 */
const LAST_MAX = 256;
const lastBytes = new Uint8Array(LAST_MAX);
let lastLen = -1;
let lastTopic = "";

function topicAt(buf: Buffer, from: number, len: number): string {
  if (len === lastLen) {
    let i = 0;
    while (i < len && buf[from + i] === lastBytes[i]) i++;
    if (i === len) return lastTopic;
  }
  const topic = utf8.decode(buf.subarray(from, from + len)); // throws on ill-formed UTF-8
  if (len <= LAST_MAX) {
    for (let i = 0; i < len; i++) lastBytes[i] = buf[from + i] as number;
    lastLen = len;
    lastTopic = topic;
  }
  return topic;
}

/**
 * Decode a complete PUBLISH (fixed header at `off`, body at [start, end)). Returns null
 * when the packet needs the full parser (v5 with properties) and "malformed" when it is
 * broken.
 */
export function decodePublish(
  buf: Buffer,
  off: number,
  start: number,
  end: number,
  version: number,
): IPublishPacket | null | "malformed" {
  const flags = (buf[off] as number) & 0x0f;
  const qos = (flags >> 1) & 3;
  if (qos === 3) return "malformed"; // [MQTT-3.3.1-4]
  if (end - start < 2) return "malformed";
  const tlen = ((buf[start] as number) << 8) | (buf[start + 1] as number);
  let p = start + 2 + tlen;
  if (p > end) return "malformed";
  let topic: string;
  try {
    topic = topicAt(buf, start + 2, tlen);
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

export { encodePublish } from "../lib/mqtt-publish.ts";

const ACK_HEADER: Partial<Record<string, number>> = { puback: 0x40, pubrec: 0x50, pubrel: 0x62, pubcomp: 0x70 };

/**
 * Encode PUBACK/PUBREC/PUBREL/PUBCOMP without properties, byte for byte what mqtt-packet
 * generates (v5 without a reason code: reason 0 and an empty property length). Returns
 * null for anything else. Spares mqtt-packet's 65,536-buffer packet-id cache.
 */
export function encodeAck(
  p: { cmd: string; messageId?: number; reasonCode?: number; properties?: object },
  version: number,
): Buffer | null {
  const head = ACK_HEADER[p.cmd];
  const id = p.messageId;
  if (head === undefined || typeof id !== "number" || p.properties !== undefined) return null;
  if (version !== 5) {
    if (p.reasonCode !== undefined) return null;
    return ackBytes(head, id);
  }
  const rc = p.reasonCode;
  if (rc === 0) return ackBytes(head, id); // [MQTT-3.4.2-1] reason 0, no properties: omitted
  return Buffer.from([head, 4, id >> 8, id & 0xff, rc ?? 0, 0]);
}

/** an ack of a packet id alone (4 bytes; no array made for them) */
export function ackBytes(head: number, id: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b[0] = head;
  b[1] = 2;
  b[2] = id >> 8;
  b[3] = id & 0xff;
  return b;
}

/**
 * Encode a v3.1/v3.1.1 CONNACK, byte for byte what mqtt-packet generates; null for v5
 * (properties) and for anything mqtt-packet should judge. Every accepted connect sends
 * one, and mqtt-packet's generate() builds a stream object and arrays for four bytes.
 */
export function encodeConnack(
  p: { cmd: string; returnCode?: number; sessionPresent?: boolean },
  version: number,
): Buffer | null {
  const rc = p.returnCode;
  if (p.cmd !== "connack" || version === 5 || typeof rc !== "number" || !Number.isInteger(rc) || rc < 0 || rc > 255)
    return null;
  return Buffer.from([0x20, 2, p.sessionPresent ? 1 : 0, rc]);
}

const ACKS: Partial<Record<number, "puback" | "pubrec" | "pubrel" | "pubcomp">> = {
  [0x40]: "puback",
  [0x50]: "pubrec",
  [0x62]: "pubrel", // [MQTT-3.6.1-1] flags 0010
  [0x70]: "pubcomp",
};

/**
 * PINGREQ and a DISCONNECT with nothing after its fixed header (2 bytes, flags 0: v3.1.1's
 * only form, v5's "normal disconnection"), and PUBACK/PUBREC/PUBREL/PUBCOMP of a packet id
 * alone (4 bytes: v3.1.1's only form, v5's reason 0 without properties): decoded without
 * mqtt-packet, which a keep-alive, every connect cycle and every QoS 1/2 message pay for
 * otherwise. Anything else (other flags, packet id 0, a reason code): null (the full parser decides).
 */
export function decodeTiny(buf: Uint8Array, off: number, total: number): Packet | null {
  const first = buf[off] as number;
  if (total === 2) {
    if (first === 0xc0) return { cmd: "pingreq" };
    if (first === 0xe0) return { cmd: "disconnect" };
    return null;
  }
  const cmd = total === 4 && buf[off + 1] === 2 ? ACKS[first] : undefined;
  if (!cmd) return null;
  const messageId = ((buf[off + 2] as number) << 8) | (buf[off + 3] as number);
  return messageId === 0 ? null : { cmd, messageId };
}
