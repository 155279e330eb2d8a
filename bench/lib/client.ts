// One raw MQTT connection of the load generator: Bun.connect (TCP or TLS), CONNECT,
// frame splitting, and writes that respect socket back-pressure.
import type { Socket } from "bun";
import { FrameSplitter, PT, type FrameHandler } from "./frames.ts";
import { connectPacket, disconnectPacket, subscribePacket, type Credentials } from "./packets.ts";

export interface TlsFiles {
  ca: string; // PEM text
  cert: string;
  key: string;
}

export interface Endpoint {
  host: string;
  port: number;
  tls?: TlsFiles;
}

export interface OpenOptions extends Credentials {
  clientId: string;
  keepalive?: number;
  timeoutMs?: number;
}

export class MqttConn {
  private socket: Socket<undefined> | null = null;
  private queue: Buffer[] = [];
  private drainWaiters: (() => void)[] = [];
  private splitter: FrameSplitter;
  private handler: FrameHandler = () => {};
  private closeWaiters: (() => void)[] = [];
  closed = false;
  /** bytes still queued in user space (not yet accepted by the socket) */
  queuedBytes = 0;

  private constructor() {
    this.splitter = new FrameSplitter((t, f, b, s, e) => this.handler(t, f, b, s, e));
  }

  /** Connect, send CONNECT, resolve after CONNACK 0; reject on refusal, error or timeout. */
  static async open(ep: Endpoint, o: OpenOptions): Promise<MqttConn> {
    const c = new MqttConn();
    const timeoutMs = o.timeoutMs ?? 10_000;
    const connect = connectPacket(o.clientId, o, o.keepalive ?? 0);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        c.destroy();
        reject(new Error(`CONNECT ${o.clientId}: no CONNACK in ${timeoutMs} ms`));
      }, timeoutMs);
      c.handler = (type, _flags, buf, body) => {
        if (type !== PT.CONNACK) return;
        clearTimeout(timer);
        const rc = buf[body + 1];
        c.handler = () => {};
        if (rc === 0) resolve();
        else {
          c.destroy();
          reject(new Error(`CONNECT ${o.clientId}: refused, return code ${rc}`));
        }
      };
      const fail = (why: string) => {
        clearTimeout(timer);
        reject(new Error(`CONNECT ${o.clientId}: ${why}`));
      };
      Bun.connect<undefined>({
        hostname: ep.host,
        port: ep.port,
        ...(ep.tls ? { tls: { ca: ep.tls.ca, cert: ep.tls.cert, key: ep.tls.key, serverName: "localhost" } } : {}),
        socket: {
          // small MQTT packets must not wait for Nagle + the peer's delayed ACK
          open(s) {
            c.socket = s;
            s.setNoDelay(true);
            if (!ep.tls) c.write(connect);
          },
          handshake(s, ok, err) {
            if (!ok || err) {
              fail(`TLS handshake failed: ${err?.message ?? "not authorized"}`);
              s.terminate();
              return;
            }
            c.write(connect);
          },
          data(_s, d) {
            c.splitter.push(d);
          },
          drain() {
            c.flush();
          },
          close() {
            c.onClosed();
            fail("closed before CONNACK");
          },
          error(_s, e) {
            fail(e.message);
          },
          connectError(_s, e) {
            fail(e.message);
          },
        },
      }).catch((e: unknown) => fail(String(e)));
    });
    return c;
  }

  /** Route every incoming frame to `h` from now on. */
  onFrame(h: FrameHandler): void {
    this.handler = h;
  }

  /** Write now if the socket takes it, else queue; returns false when back-pressured. */
  write(b: Buffer): boolean {
    if (this.closed || !this.socket) return false;
    if (this.queue.length > 0) {
      this.queue.push(b);
      this.queuedBytes += b.length;
      return false;
    }
    const n = this.socket.write(b);
    if (n < b.length) {
      const rest = b.subarray(Math.max(n, 0));
      this.queue.push(rest);
      this.queuedBytes += rest.length;
      return false;
    }
    return true;
  }

  /** Resolves once the user-space queue is empty. */
  drained(): Promise<void> {
    if (this.queue.length === 0 || this.closed) return Promise.resolve();
    return new Promise((r) => this.drainWaiters.push(r));
  }

  private flush(): void {
    const s = this.socket;
    if (!s) return;
    while (this.queue.length > 0) {
      const b = this.queue[0]!;
      const n = s.write(b);
      if (n < b.length) {
        this.queue[0] = b.subarray(Math.max(n, 0));
        this.queuedBytes -= Math.max(n, 0);
        return;
      }
      this.queue.shift();
      this.queuedBytes -= b.length;
    }
    const w = this.drainWaiters;
    this.drainWaiters = [];
    for (const r of w) r();
  }

  /** SUBSCRIBE and wait for the SUBACK (granted QoS must not be 0x80). */
  async subscribe(topic: string, qos: 0 | 1, timeoutMs = 5000): Promise<void> {
    const prev = this.handler;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no SUBACK for ${topic}`)), timeoutMs);
      this.handler = (type, flags, buf, body, end) => {
        if (type !== PT.SUBACK) return prev(type, flags, buf, body, end);
        clearTimeout(timer);
        this.handler = prev;
        if (buf[body + 2] === 0x80) reject(new Error(`SUBSCRIBE ${topic} refused`));
        else resolve();
      };
      this.write(subscribePacket(topic, qos));
    });
  }

  private onClosed(): void {
    this.closed = true;
    const w = [...this.drainWaiters, ...this.closeWaiters];
    this.drainWaiters = [];
    this.closeWaiters = [];
    for (const r of w) r();
  }

  /** Resolves when the socket has closed. */
  whenClosed(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((r) => this.closeWaiters.push(r));
  }

  /** Polite close: DISCONNECT, then let the server close (TIME_WAIT lands on its side). */
  async disconnect(timeoutMs = 2000): Promise<void> {
    if (this.closed) return;
    this.write(disconnectPacket());
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      this.whenClosed(),
      new Promise<void>((r) => {
        timer = setTimeout(r, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    this.destroy();
  }

  /** DISCONNECT and close our end now, without waiting for the server. */
  close(): void {
    if (this.closed) return;
    this.write(disconnectPacket());
    this.destroy();
  }

  destroy(): void {
    if (this.socket && !this.closed) this.socket.end();
    this.closed = true;
  }
}
