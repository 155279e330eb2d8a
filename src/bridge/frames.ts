// Splits the upstream's byte stream into whole MQTT packets (fixed header + remaining
// length), so the client can read the frequent small ones (PUBACK) itself and hand only
// complete packets to mqtt-packet.

const MAX_PACKET = 268_435_460;

export class FrameReader {
  private pending: Buffer | null = null;
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
    while (i < buf.length) {
      let rem = 0;
      let mult = 1;
      let j = i + 1;
      let complete = false;
      for (let k = 0; k < 4 && j < buf.length; k++) {
        const b = buf[j++] as number;
        rem += (b & 0x7f) * mult;
        mult *= 128;
        if ((b & 0x80) === 0) {
          complete = true;
          break;
        }
        if (k === 3) return this.onError("remaining length longer than 4 bytes");
      }
      if (!complete) break;
      if (rem > MAX_PACKET) return this.onError("packet too large");
      const end = j + rem;
      if (end > buf.length) break;
      this.onFrame(buf, i, end);
      i = end;
    }
    // the socket reuses its chunk: keep a copy of an unfinished packet
    if (i < buf.length) this.pending = Buffer.from(buf.subarray(i));
  }
}
