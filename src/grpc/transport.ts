// The gRPC listener's sockets, on Bun.listen (Bun's own TLS, as MQTT's tls:// listeners): the
// mutual-TLS handshake (ALPN h2), then, before any HTTP/2 byte is read, the peer is admitted
// or not: a banned address, a certificate that did not chain to the gateway CA, or one the
// registry does not hold (deleted, revoked, expired: `admit` asks identify()) is cut there.
// Without Tls the same is done over plain TCP. Admitted sockets are handed to grpc-js
// (`load`: its connection injector, through a node Duplex over the socket, socket-duplex.ts),
// which loads at the first admitted connection: until a gRPC client comes, the listener is
// these sockets and nothing more, not even node:tls, node:net or Node's streams
// (bench/RESULTS.md "Session 7: start"). What a socket sends before grpc-js has it (the
// HTTP/2 preface, while it loads) is kept, bounded, and handed over first.
import type { Socket, TCPSocketListener } from "bun";
import type { Logger } from "../lib/log.ts";
import { type PeerCert, peerCertOf, type RawPeerCertificate } from "../lib/peer-cert.ts";

export interface TransportOptions {
  host: string;
  port: number;
  tls?: { cert: string; key: string; ca: string; clientAuth: "none" | "optional" | "require" };
  /** may this peer go on? (the brute-force guard, then the certificate's registration) */
  admit(peer: { address: string; cert?: PeerCert }): boolean;
  /** a handshake failed (no certificate, or one the gateway CA did not sign) */
  rejected?(address: string): void;
  /** grpc-js's connection injector, loaded once at the first admitted connection */
  load(): Promise<Injector>;
  log: Logger;
  /** a handshake that takes longer is dropped (default 10 s) */
  handshakeTimeoutMs?: number;
  /** connections (in the handshake or admitted) held at most (default MAX_CONNECTIONS) */
  maxConnections?: number;
}

/** one admitted socket as grpc-js has it: bytes in, the socket drained, closed */
export interface Attached {
  data(d: Uint8Array): void;
  drain(): void;
  closed(): void;
}

/** what the transport needs of grpc-js (socket-duplex.ts over Server.createConnectionInjector) */
export interface Injector {
  attach(s: Socket<Conn>, cert: RawPeerCertificate | undefined): Attached;
  destroy(): void;
}

export interface GrpcTransport {
  host: string;
  port: number;
  /** the certificate an admitted connection presented, by its peer "address:port" (what call.getPeer() says) */
  peerCert(peer: string): PeerCert | undefined;
  /** connections admitted and open now */
  connections(): number;
  stop(): Promise<void>;
}

/** one socket: before grpc-js has it, what it sent; then grpc-js's side */
export interface Conn {
  early: Uint8Array[];
  earlyBytes: number;
  timer: ReturnType<typeof setTimeout> | null;
  key: string | null;
  raw?: RawPeerCertificate | undefined;
  to: Attached | null;
  gone: boolean;
  /** counted toward MAX_CONNECTIONS (a socket cut at once for being one too many is not) */
  counted: boolean;
}

/** connections (in the handshake or admitted) the listener holds at most; more are cut at once */
const MAX_CONNECTIONS = 1024;
/** what one socket may send before grpc-js takes it (an HTTP/2 preface and first frames) */
const MAX_EARLY_BYTES = 256 * 1024;
/** ALPN: HTTP/2 only (gRPC clients require it) */
const ALPN_H2 = new Uint8Array([2, 0x68, 0x32]);

const pem = (v: string) => (v.includes("-----BEGIN") ? v : Bun.file(v));

export async function listenGrpc(o: TransportOptions): Promise<GrpcTransport> {
  let injector: Injector | undefined;
  let loading = false;
  let stopped = false;
  /** admitted while grpc-js loads */
  const waiting: Socket<Conn>[] = [];
  let raw = 0;
  const open = new Set<Socket<Conn>>();
  // getPeerCertificate() builds the whole certificate object: once per connection, not per call
  const certs = new Map<string, PeerCert>();

  const handOver = (i: Injector, s: Socket<Conn>) => {
    const c = s.data;
    if (c.gone) return;
    c.to = i.attach(s, c.raw);
    for (const d of c.early.splice(0)) c.to.data(d);
    c.earlyBytes = 0;
  };
  const inject = (s: Socket<Conn>, cert?: PeerCert) => {
    open.add(s);
    s.data.key = `${s.remoteAddress}:${s.remotePort}`;
    if (cert) certs.set(s.data.key, cert);
    if (injector) return handOver(injector, s);
    waiting.push(s);
    if (loading) return;
    loading = true;
    o.load().then(
      (i) => {
        injector = i;
        if (stopped) i.destroy();
        for (const w of waiting.splice(0)) handOver(i, w);
      },
      (e) => {
        o.log.error("gRPC: loading grpc-js failed", e);
        for (const w of waiting.splice(0)) w.terminate();
        loading = false;
      },
    );
  };
  const t = o.tls;
  const strict = t?.clientAuth === "require";

  const listener: TCPSocketListener<Conn> = Bun.listen<Conn>({
    hostname: o.host,
    port: o.port,
    ...(t
      ? {
          tls: {
            cert: pem(t.cert),
            key: pem(t.key),
            ca: pem(t.ca),
            requestCert: t.clientAuth !== "none",
            rejectUnauthorized: strict,
            ALPNProtocols: ALPN_H2,
          },
        }
      : {}),
    socket: {
      open(s) {
        s.data = { early: [], earlyBytes: 0, timer: null, key: null, to: null, gone: false, counted: false };
        // every TCP connection, before its handshake: a flood of them is bounded
        if (raw >= (o.maxConnections ?? MAX_CONNECTIONS) || stopped) {
          o.rejected?.(s.remoteAddress);
          return s.terminate();
        }
        raw++;
        s.data.counted = true;
        if (!t) {
          if (!o.admit({ address: s.remoteAddress })) return s.terminate();
          return inject(s);
        }
        s.data.timer = setTimeout(() => s.terminate(), o.handshakeTimeoutMs ?? 10_000);
      },
      handshake(s, success, authorizationError) {
        const c = s.data;
        if (c.timer) clearTimeout(c.timer);
        c.timer = null;
        const address = s.remoteAddress;
        if (!success) {
          o.log.debug(`gRPC: TLS handshake from ${address} failed`);
          o.rejected?.(address);
          return s.terminate();
        }
        c.raw =
          t?.clientAuth === "none" ? undefined : ((s.getPeerCertificate() as RawPeerCertificate | null) ?? undefined);
        const cert = peerCertOf(c.raw);
        // "require": no certificate, or one the CA did not sign, is refused; "optional": no
        // certificate is fine, a certificate that did not chain to the CA is refused, never ignored
        if ((strict && !cert) || (cert && (authorizationError || !s.authorized))) {
          o.log.debug(
            `gRPC: ${address} sent ${cert ? `a certificate the CA did not sign (${String(authorizationError)})` : "no certificate"}`,
          );
          o.rejected?.(address);
          return s.terminate();
        }
        if (!o.admit({ address, ...(cert ? { cert } : {}) })) return s.terminate();
        inject(s, cert);
      },
      data(s, d) {
        const c = s.data;
        if (c.to) return c.to.data(d);
        if (!c.key) return; // not admitted (yet): nothing is read before the handshake's answer
        c.earlyBytes += d.byteLength;
        if (c.earlyBytes > MAX_EARLY_BYTES) return s.terminate();
        c.early.push(new Uint8Array(d));
      },
      drain(s) {
        s.data.to?.drain();
      },
      close(s) {
        const c = s.data;
        if (c.gone) return;
        c.gone = true;
        if (c.counted) raw--;
        if (c.timer) clearTimeout(c.timer);
        open.delete(s);
        if (c.key) certs.delete(c.key);
        c.to?.closed();
      },
      error(s, e) {
        o.log.debug(`gRPC: socket error from ${s.remoteAddress}: ${e.message}`);
      },
    },
  });
  return {
    host: o.host,
    port: listener.port,
    connections: () => open.size,
    peerCert: (peer) => certs.get(peer),
    async stop() {
      stopped = true;
      listener.stop(true);
      injector?.destroy();
      for (const s of open) s.terminate();
    },
  };
}
