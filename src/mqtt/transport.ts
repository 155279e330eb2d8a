// Byte transports under a Connection: Bun TCP/TLS sockets and Bun.serve websockets.
// Back-pressure: Bun's socket.write() returns the bytes it took; the rest waits here
// until `drain`. Reading pauses while too much is waiting, so a client that does not
// read cannot make us buffer without bound.
import type { Socket, ServerWebSocket } from "bun";
import type { PeerCert, PeerInfo } from "./hooks.ts";
import type { Transport } from "./types.ts";

/** Above this many unsent bytes we stop reading from the peer. */
export const HIGH_WATER = 4 * 1024 * 1024;

/** SocketTransport's flags (one number, not a field each: an idle connection is a few fields) */
const ENDING = 1;
const CLOSED = 2;
const PAUSED = 4;

/** a transport lingering after a DISCONNECT with a reason (made then: most never do) */
interface Linger {
  /** bytes the client may still send */
  left: number;
  timer: ReturnType<typeof setTimeout>;
}

/** what a socket that did not take every byte, or lingers, keeps (made then: most never do) */
interface Backlog {
  /** bytes the socket did not take yet (empty: none) */
  chunks: Uint8Array[];
  bytes: number;
  lingering: Linger | null;
}

/**
 * A TCP/TLS socket under a Connection, and its own PeerInfo (`peer` is this transport: no object
 * of its own per connection). Six fields, JSC's 64-byte class: what waits or lingers is in
 * `backlog` (null for most connections, always); a verified client certificate is added as a
 * property when there is one.
 */
export class SocketTransport<T> implements Transport, PeerInfo {
  private backlog: Backlog | null = null;
  private flags = 0;
  /** PeerInfo: the named listener it came in on (undefined: the service's one listener) */
  readonly listener: string | undefined;
  /** PeerInfo: present when the TLS handshake verified a client certificate chaining to the CA */
  declare readonly cert?: PeerCert;

  constructor(
    private readonly socket: Socket<T>,
    /** PeerInfo: "tcp" or "tls" */
    readonly transport: "tcp" | "tls",
    /** PeerInfo: the client's address */
    readonly remoteAddress: string,
    listener?: string,
    cert?: PeerCert,
  ) {
    this.listener = listener;
    if (cert) (this as { cert?: PeerCert }).cert = cert;
  }

  /** who is on the other end: this transport */
  get peer(): PeerInfo {
    return this;
  }

  private backlogOf(): Backlog {
    return (this.backlog ??= { chunks: [], bytes: 0, lingering: null });
  }

  write(chunk: Uint8Array): void {
    if (this.flags & CLOSED) return;
    const b = this.backlog;
    if (b && b.chunks.length > 0) {
      b.chunks.push(chunk);
      b.bytes += chunk.byteLength;
    } else {
      const n = this.socket.write(chunk);
      if (n < 0) return; // socket already closed
      if (n < chunk.byteLength) {
        const rest = chunk.subarray(n);
        const bb = this.backlogOf();
        bb.chunks.push(rest);
        bb.bytes += rest.byteLength;
      }
    }
    if (this.buffered() > HIGH_WATER && !(this.flags & PAUSED)) {
      this.flags |= PAUSED;
      this.socket.pause();
    }
  }

  buffered(): number {
    return this.backlog?.bytes ?? 0;
  }

  /**
   * Called from the socket's `drain` handler. True when everything waiting went out and
   * the connection may write more (the caller then tells the connection).
   */
  drain(): boolean {
    const b = this.backlog;
    const pending = b?.chunks;
    while (b && pending && pending.length > 0 && !(this.flags & CLOSED)) {
      const head = pending[0] as Uint8Array;
      const n = this.socket.write(head);
      if (n < 0) return false;
      b.bytes -= Math.max(n, 0);
      if (n < head.byteLength) {
        pending[0] = head.subarray(n);
        return false;
      }
      pending.shift();
    }
    if (b && b.chunks.length === 0 && b.lingering === null) this.backlog = null;
    if (this.flags & ENDING) {
      this.finish();
      return false;
    }
    if (this.flags & PAUSED && this.buffered() < HIGH_WATER / 2) {
      this.flags &= ~PAUSED;
      this.socket.resume();
    }
    return true;
  }

  end(): void {
    if (this.flags & CLOSED) return;
    this.flags |= ENDING;
    if (!this.backlog || this.backlog.chunks.length === 0) this.finish();
  }

  private finish(): void {
    this.flags |= CLOSED;
    if (!this.backlog?.lingering) return void this.socket.end();
    // the reason is out: FIN our side, go on reading (and discarding) until the client closes
    this.socket.shutdown();
    this.socket.resume();
  }

  linger(ms: number, maxBytes: number): void {
    if (this.flags & CLOSED) return;
    const timer = setTimeout(() => this.close(), ms);
    timer.unref?.();
    this.backlogOf().lingering = { left: maxBytes, timer };
    this.end();
  }

  discarded(bytes: number): void {
    const l = this.backlog?.lingering;
    if (!l || l.left < 0) return;
    l.left -= bytes;
    if (l.left < 0) this.close();
  }

  close(): void {
    const b = this.backlog;
    if (b?.lingering) clearTimeout(b.lingering.timer);
    if (this.flags & CLOSED && !(this.flags & ENDING)) return;
    this.flags = (this.flags | CLOSED) & ~ENDING;
    if (b) {
      b.chunks.length = 0;
      b.bytes = 0;
    }
    this.socket.terminate();
  }

  pauseReading(): void {
    this.socket.pause();
  }

  resumeReading(): void {
    if (!(this.flags & PAUSED)) this.socket.resume();
  }
}

export class WsTransport<T> implements Transport {
  private closed = false;

  constructor(
    private readonly ws: ServerWebSocket<T>,
    readonly peer: PeerInfo,
  ) {}

  write(chunk: Uint8Array): void {
    if (this.closed) return;
    // Bun buffers internally when the send reports back-pressure (-1); drain follows.
    this.ws.sendBinary(chunk);
    if (this.ws.getBufferedAmount() > HIGH_WATER) this.ws.pause();
  }

  buffered(): number {
    return this.closed ? 0 : this.ws.getBufferedAmount();
  }

  drained(): void {
    if (this.ws.isPaused && this.ws.getBufferedAmount() < HIGH_WATER / 2) this.ws.resume();
  }

  end(): void {
    if (this.closed) return;
    this.closed = true;
    this.ws.close(1000);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.ws.terminate();
  }

  pauseReading(): void {
    this.ws.pause();
  }

  resumeReading(): void {
    this.ws.resume();
  }
}
