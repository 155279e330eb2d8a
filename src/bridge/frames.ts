// Splits the upstream's byte stream into whole MQTT packets (fixed header + remaining
// length), so the client can read the frequent small ones (PUBACK) itself and hand only
// complete packets to mqtt-packet.

import { readVarInt, type VarInt } from "../lib/mqtt-length.ts";

const MAX_PACKET = 268_435_460;

export class FrameReader {
  private pending: Buffer | null = null;
  private readonly remaining: VarInt = { value: 0, end: 0 };
  constructor(
    private readonly onFrame: (buf: Buffer, start: number, end: number) => void,
    private readonly onError: (why: string) => void,
  ) {}

  push(chunk: Buffer): void {
    let buf = chunk;
    if (this.pending) {
      buf = Buffer.concat([this.pending, chunk]);
      this.pending = null;
    }
    let i = 0;
    const rl = this.remaining;
    while (i < buf.length) {
      const read = readVarInt(buf, i + 1, rl);
      if (read === "malformed") return this.onError("remaining length longer than 4 bytes");
      if (read === "incomplete") break;
      if (rl.value > MAX_PACKET) return this.onError("packet too large");
      const end = rl.end + rl.value;
      if (end > buf.length) break;
      this.onFrame(buf, i, end);
      i = end;
    }
    // the socket reuses its chunk: keep a copy of an unfinished packet
    if (i < buf.length) this.pending = Buffer.from(buf.subarray(i));
  }
}
