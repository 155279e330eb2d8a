// A minimal MQTT frame splitter for the load generator: it only finds packet boundaries
// (fixed header + remaining length) so counting deliveries costs tens of nanoseconds,
// not the microsecond a full parse costs. Packets are built with mqtt-packet (packets.ts).

export type FrameHandler = (type: number, flags: number, buf: Buffer, body: number, end: number) => void;

export class FrameSplitter {
  private pending: Buffer | null = null;
  constructor(private readonly onFrame: FrameHandler) {}

  push(chunk: Buffer): void {
    let buf = chunk;
    if (this.pending) {
      buf = Buffer.concat([this.pending, chunk]);
      this.pending = null;
    }
    const len = buf.length;
    let i = 0;
    while (i < len) {
      if (len - i < 2) break;
      const first = buf[i]!;
      let mult = 1;
      let rem = 0;
      let j = i + 1;
      let complete = false;
      for (let k = 0; k < 4 && j < len; k++) {
        const b = buf[j++]!;
        rem += (b & 0x7f) * mult;
        mult *= 128;
        if ((b & 0x80) === 0) {
          complete = true;
          break;
        }
      }
      if (!complete) break; // header split across chunks
      const end = j + rem;
      if (end > len) break;
      this.onFrame(first >> 4, first & 0x0f, buf, j, end);
      i = end;
    }
    // copy the tail: the chunk's memory belongs to the socket
    if (i < len) this.pending = Buffer.from(buf.subarray(i));
  }
}

/** Packet types as numbers (fixed header high nibble). */
export const PT = {
  CONNACK: 2,
  PUBLISH: 3,
  PUBACK: 4,
  PUBREC: 5,
  PUBREL: 6,
  PUBCOMP: 7,
  SUBACK: 9,
  UNSUBACK: 11,
  PINGRESP: 13,
  DISCONNECT: 14,
} as const;

/** Offset of the payload inside a v3.1.1 PUBLISH body (after topic and packet id). */
export function publishPayloadOffset(buf: Buffer, body: number, flags: number): number {
  const topicLen = buf.readUInt16BE(body);
  const qos = (flags >> 1) & 3;
  return body + 2 + topicLen + (qos > 0 ? 2 : 0);
}

/** Packet id of a v3.1.1 PUBLISH with QoS > 0. */
export function publishPacketId(buf: Buffer, body: number): number {
  const topicLen = buf.readUInt16BE(body);
  return buf.readUInt16BE(body + 2 + topicLen);
}
