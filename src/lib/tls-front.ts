// HTTPS with client certificates. Bun.serve verifies a client certificate but cannot show
// it to a handler, so the public port is a Bun.listen TLS front: it finishes the mTLS
// handshake, reads the verified peer certificate, then pipes the plaintext bytes to a
// loopback-only Bun.serve. Each upstream connection's local port is registered with the
// peer it carries; the handler finds its client with server.requestIP(req). A connection
// to the internal server that is not registered did not come through the front.
import type { Socket, TCPSocketListener } from "bun";
import type { Logger } from "./log.ts";
import { type PeerCert, peerCertOf, type RawPeerCertificate } from "./peer-cert.ts";

/** who is on the public side of one piped connection */
export interface FrontPeer {
  remoteAddress: string;
  /** present only when a client certificate chained to the CA at the handshake */
  cert?: PeerCert;
}

export interface TlsFrontOptions {
  host: string;
  port: number;
  tls: { cert: string; key: string; ca: string; clientAuth: "optional" | "require" };
  /** the internal plaintext server (always on 127.0.0.1) */
  upstreamPort: number;
  log: Logger;
  /** a handshake that takes longer is dropped (default 10 s) */
  handshakeTimeoutMs?: number;
}

export interface TlsFront {
  hostname: string;
  port: number;
  /** the peer behind an internal connection, by the address/port the internal server sees */
  peer(address: string, port: number): FrontPeer | undefined;
  /** live piped connections */
  size(): number;
  /** bytes held for a side that could not take them yet (its source is paused) */
  queuedBytes(): number;
  /** stop accepting; with force (default) also cut every piped connection */
  stop(force?: boolean): void;
}

/** bytes waiting for a socket that could not take them; its source is paused meanwhile */
interface Pending {
  chunks: Uint8Array[];
  /** the source side sent FIN: pass it on once the queue is empty */
  ended: boolean;
  shutDown: boolean;
}

interface Pipe {
  client: Socket<Pipe>;
  upstream: Socket<Pipe> | null;
  toUpstream: Pending;
  toClient: Pending;
  peer: FrontPeer | null;
  key: string | null;
  timer: ReturnType<typeof setTimeout> | null;
  closed: boolean;
}

const UPSTREAM_HOST = "127.0.0.1";
const pending = (): Pending => ({ chunks: [], ended: false, shutDown: false });

/** write what fits; keep the rest and pause the source until dst drains */
function forward(dst: Socket<Pipe> | null, q: Pending, chunk: Uint8Array, src: Socket<Pipe>): void {
  if (dst && q.chunks.length === 0) {
    const n = Math.max(0, dst.write(chunk));
    if (n >= chunk.byteLength) return;
    chunk = chunk.subarray(n);
  }
  // the callback's buffer may be reused by Bun: keep a copy
  q.chunks.push(Uint8Array.from(chunk));
  src.pause();
}

/** flush the queue into dst; when empty, resume src and pass on a FIN from it */
function flush(dst: Socket<Pipe>, q: Pending, src: Socket<Pipe> | null): void {
  while (q.chunks.length > 0) {
    const c = q.chunks[0]!;
    const n = Math.max(0, dst.write(c));
    if (n < c.byteLength) {
      q.chunks[0] = c.subarray(n);
      return;
    }
    q.chunks.shift();
  }
  if (q.ended && !q.shutDown) {
    q.shutDown = true;
    dst.shutdown();
  } else src?.resume();
}

export function createTlsFront(o: TlsFrontOptions): TlsFront {
  const peers = new Map<string, FrontPeer>();
  const live = new Set<Pipe>();
  const require = o.tls.clientAuth === "require";
  const handshakeMs = o.handshakeTimeoutMs ?? 10_000;

  function close(p: Pipe): void {
    if (p.closed) return;
    p.closed = true;
    live.delete(p);
    if (p.timer) clearTimeout(p.timer);
    if (p.key) peers.delete(p.key);
    // give each side what is already queued for it, then close
    if (p.upstream) {
      flush(p.upstream, p.toUpstream, null);
      p.upstream.end();
    }
    flush(p.client, p.toClient, null);
    p.client.end();
  }

  function bothEnded(p: Pipe): boolean {
    return p.toUpstream.shutDown && p.toClient.shutDown;
  }

  async function connectUpstream(p: Pipe): Promise<void> {
    try {
      await Bun.connect<Pipe>({
        hostname: UPSTREAM_HOST,
        port: o.upstreamPort,
        allowHalfOpen: true,
        data: p,
        socket: {
          open(up) {
            if (p.closed) return up.terminate();
            up.setNoDelay(true);
            p.upstream = up;
            // register before the first byte goes up, so the handler always finds its peer
            p.key = `${up.localAddress}:${up.localPort}`;
            if (p.peer) peers.set(p.key, p.peer);
            flush(up, p.toUpstream, p.client);
          },
          data(up, d) {
            forward(p.client, p.toClient, d, up);
          },
          drain() {
            if (p.upstream) flush(p.upstream, p.toUpstream, p.client);
          },
          end() {
            p.toClient.ended = true;
            flush(p.client, p.toClient, p.upstream);
            if (bothEnded(p)) close(p);
          },
          close() {
            close(p);
          },
          error(_up, e) {
            o.log.debug(`front: upstream error: ${e.message}`);
          },
          connectError(_up, e) {
            o.log.error(`front: internal server unreachable: ${e.message}`);
            close(p);
          },
        },
      });
    } catch (e) {
      o.log.error(`front: internal server unreachable: ${(e as Error).message}`);
      close(p);
    }
  }

  const listener: TCPSocketListener<Pipe> = Bun.listen<Pipe>({
    hostname: o.host,
    port: o.port,
    allowHalfOpen: true,
    tls: { cert: o.tls.cert, key: o.tls.key, ca: o.tls.ca, requestCert: true, rejectUnauthorized: require },
    socket: {
      open(s) {
        s.data = {
          client: s,
          upstream: null,
          toUpstream: pending(),
          toClient: pending(),
          peer: null,
          key: null,
          timer: null,
          closed: false,
        };
        live.add(s.data);
        s.data.timer = setTimeout(() => {
          s.data.closed = true;
          live.delete(s.data);
          s.terminate();
        }, handshakeMs);
      },
      handshake(s, success, authorizationError) {
        const p = s.data;
        if (p.timer) clearTimeout(p.timer);
        p.timer = null;
        const presented = peerCertOf(s.getPeerCertificate() as RawPeerCertificate | null);
        // terminate, never end: end() would still pass the client's first bytes on
        const bad =
          !success ||
          (presented !== undefined && (authorizationError != null || !s.authorized)) ||
          (require && presented === undefined);
        if (bad) {
          p.closed = true;
          live.delete(p);
          return s.terminate();
        }
        p.peer = { remoteAddress: s.remoteAddress, ...(presented ? { cert: presented } : {}) };
        s.setNoDelay(true);
        void connectUpstream(p);
      },
      data(s, d) {
        const p = s.data;
        if (p.closed) return;
        if (!p.peer) {
          // nothing passes before a good handshake
          p.closed = true;
          live.delete(p);
          return s.terminate();
        }
        forward(p.upstream, p.toUpstream, d, s);
      },
      drain(s) {
        flush(s, s.data.toClient, s.data.upstream);
      },
      end(s) {
        const p = s.data;
        p.toUpstream.ended = true;
        if (p.upstream) flush(p.upstream, p.toUpstream, s);
        if (bothEnded(p)) close(p);
      },
      close(s) {
        close(s.data);
      },
      error(s, e) {
        o.log.debug(`front: client error from ${s.remoteAddress}: ${e.message}`);
      },
    },
  });

  return {
    hostname: listener.hostname,
    port: listener.port,
    peer: (address, port) => peers.get(`${address}:${port}`),
    size: () => live.size,
    queuedBytes: () => {
      let n = 0;
      for (const p of live) for (const c of [...p.toUpstream.chunks, ...p.toClient.chunks]) n += c.byteLength;
      return n;
    },
    stop(force = true) {
      listener.stop(false);
      if (!force) return;
      for (const p of [...live]) {
        p.upstream?.terminate();
        p.client.terminate();
        close(p);
      }
    },
  };
}
