// An admitted Bun socket as the node Duplex grpc-js's HTTP/2 server takes
// (`injectConnection`): bytes the transport reads are pushed in (the socket pauses while the
// Duplex's buffer is full); the frames one turn writes (a reply's HEADERS, DATA and trailers)
// go to the socket as one write at the turn's end, and more writes wait while the socket has
// not taken the last ones (its drain); end and destroy close it. Peer address, port and
// certificate read as net/tls sockets' do (call.getPeer(), call.getAuthContext()); no
// alpnProtocol (the handshake chose h2 already, and node:http2 refuses a socket whose
// alpnProtocol says none was chosen, as a plain one's would). Loaded with grpc-js, at the first
// admitted connection (service.ts); the transport itself never loads node:stream.
import { Duplex } from "node:stream";
import type { Socket } from "bun";
import type { RawPeerCertificate } from "../lib/peer-cert.ts";
import type { Attached, Conn } from "./transport.ts";

/** bytes queued for the socket above which a write waits for it (node's default highWaterMark) */
const HIGH_WATER = 64 * 1024;

export class SocketDuplex extends Duplex {
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly remoteFamily: string;
  readonly encrypted: boolean;
  /** frames written this turn, sent together at its end */
  private out: Uint8Array[] = [];
  private outBytes = 0;
  private flushQueued = false;
  /** what the socket did not take yet (sent at its drain) */
  private tail: Uint8Array | null = null;
  /** a write that waits until the socket has taken what is queued */
  private blocked: ((e?: Error | null) => void) | null = null;
  /** end() waits for the tail */
  private ending: ((e?: Error | null) => void) | null = null;

  constructor(
    private readonly s: Socket<Conn>,
    private readonly cert: RawPeerCertificate | undefined,
    tls: boolean,
  ) {
    super({ allowHalfOpen: false });
    this.remoteAddress = s.remoteAddress;
    this.remotePort = s.remotePort;
    this.remoteFamily = s.remoteAddress.includes(":") ? "IPv6" : "IPv4";
    this.encrypted = tls;
  }

  getPeerCertificate(): RawPeerCertificate | object {
    return this.cert ?? {};
  }
  setTimeout(): this {
    return this;
  }
  setNoDelay(): this {
    return this;
  }
  setKeepAlive(): this {
    return this;
  }

  override _read(): void {
    this.s.resume();
  }
  override _write(chunk: Uint8Array, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.out.push(chunk);
    this.outBytes += chunk.byteLength;
    if (!this.flushQueued && this.tail === null) {
      this.flushQueued = true;
      queueMicrotask(() => this.flush());
    }
    if (this.outBytes + (this.tail?.byteLength ?? 0) < HIGH_WATER) cb();
    else this.blocked = cb;
  }
  override _final(cb: (e?: Error | null) => void): void {
    // what is queued goes first; the FIN after the socket has taken it
    this.flush();
    if (this.tail !== null) this.ending = cb;
    else {
      this.s.end();
      cb();
    }
  }
  override _destroy(e: Error | null, cb: (e: Error | null) => void): void {
    this.s.terminate();
    cb(e);
  }

  private flush(): void {
    this.flushQueued = false;
    if (this.tail !== null || this.out.length === 0) return;
    const buf = this.out.length === 1 ? (this.out[0] as Uint8Array) : Buffer.concat(this.out);
    this.out = [];
    this.outBytes = 0;
    const n = this.s.write(buf);
    if (n < 0) return this.release(new Error("socket closed"));
    if (n < buf.byteLength) this.tail = buf.subarray(n);
    else this.release();
  }

  /** the write that waited may go on (or learns the socket is gone) */
  private release(e?: Error): void {
    const cb = this.blocked;
    this.blocked = null;
    cb?.(e ?? null);
  }

  /** the transport's side: what it reads, its drain and close */
  attached(): Attached {
    return {
      data: (d) => {
        if (!this.push(Buffer.from(d))) this.s.pause();
      },
      drain: () => {
        const t = this.tail;
        if (t === null) return;
        this.tail = null;
        const n = this.s.write(t);
        if (n < 0) return this.release(new Error("socket closed"));
        if (n < t.byteLength) {
          this.tail = t.subarray(n);
          return;
        }
        this.flush();
        const end = this.ending;
        if (end && this.tail === null) {
          this.ending = null;
          this.s.end();
          end();
        }
      },
      closed: () => {
        this.out = [];
        this.tail = null;
        this.release(new Error("socket closed"));
        this.ending?.(new Error("socket closed"));
        this.ending = null;
        this.push(null);
        this.destroy();
      },
    };
  }
}
