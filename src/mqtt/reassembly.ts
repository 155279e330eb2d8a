// The bytes of a packet that arrived in pieces: kept (copied: the socket may reuse its
// chunk) until the packet is complete, then joined once, so a packet split into many small
// writes costs time linear in its size.

export class Reassembly {
  private parts: Buffer[] | null = null;
  private bytes = 0;
  /** total length of the incomplete packet, 0 while its header is incomplete */
  private need = 0;

  /** the bytes to frame now (what was kept, then `chunk`), or null while the packet is still incomplete */
  take(chunk: Uint8Array): Buffer | null {
    if (!this.parts) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    this.parts.push(Buffer.from(chunk));
    this.bytes += chunk.byteLength;
    if (this.need > 0 && this.bytes < this.need) return null;
    const buf = this.parts.length === 1 ? (this.parts[0] as Buffer) : Buffer.concat(this.parts, this.bytes);
    this.clear();
    return buf;
  }

  /** keep buf[from..] (an incomplete packet of `need` bytes in all, 0 when unknown yet) */
  keep(buf: Buffer, from: number, need: number): void {
    this.parts = [Buffer.from(buf.subarray(from))];
    this.bytes = buf.length - from;
    this.need = need;
  }

  clear(): void {
    this.parts = null;
    this.bytes = 0;
  }
}
