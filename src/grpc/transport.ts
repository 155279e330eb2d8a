// The gRPC listener's sockets. node:tls (under Bun) does the mutual-TLS handshake; once it
// is over, before any HTTP/2 byte is read, the peer is admitted or not: a banned address,
// a certificate that did not chain to the gateway CA, or one the registry does not hold
// (deleted, revoked, expired: `admit` asks identify()) is cut there. Admitted sockets are
// handed to @grpc/grpc-js through its connection injector, so handlers still see the peer
// certificate (call.getAuthContext()). Without Tls the same is done over plain TCP.
// grpc-js itself (`load`) is loaded at the first admitted connection, not at start: until a
// gRPC client comes, the listener is these sockets and nothing more (bench/RESULTS.md
// "Session 7: start"); sockets admitted while it loads wait, unread, and are handed over then.
import net from "node:net";
import tls from "node:tls";
import type { Logger } from "../lib/log.ts";
import { type PeerCert, peerCertOf } from "../lib/peer-cert.ts";

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
}

/** what the transport needs of grpc-js (Server.createConnectionInjector's answer) */
export interface Injector {
  injectConnection(s: net.Socket): void;
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

/** connections (in the handshake or admitted) the listener holds at most; more are cut at once */
const MAX_CONNECTIONS = 1024;

export async function listenGrpc(o: TransportOptions): Promise<GrpcTransport> {
  let injector: Injector | undefined;
  let loading = false;
  /** admitted while grpc-js loads */
  const waiting: net.Socket[] = [];
  let stopped = false;
  const open = new Set<net.Socket>();
  // getPeerCertificate() builds the whole certificate object: once per connection, not per call
  const certs = new Map<string, PeerCert>();
  const inject = (s: net.Socket, cert?: PeerCert) => {
    open.add(s);
    const key = `${s.remoteAddress}:${s.remotePort}`;
    if (cert) certs.set(key, cert);
    s.once("close", () => {
      open.delete(s);
      certs.delete(key);
    });
    if (injector) injector.injectConnection(s);
    else {
      // what it sends meanwhile (the HTTP/2 preface) waits in its buffer until grpc-js takes it
      waiting.push(s);
      if (loading) return;
      loading = true;
      o.load().then(
        (i) => {
          injector = i;
          if (stopped) i.destroy();
          for (const w of waiting.splice(0)) if (!w.destroyed) i.injectConnection(w);
        },
        (e) => {
          o.log.error("gRPC: loading grpc-js failed", e);
          for (const w of waiting.splice(0)) w.destroy();
          loading = false;
        },
      );
    }
  };
  const address = (s: net.Socket) => s.remoteAddress ?? "";

  let server: net.Server;
  if (o.tls) {
    const t = o.tls;
    server = tls.createServer(
      {
        cert: t.cert,
        key: t.key,
        ca: t.ca,
        requestCert: t.clientAuth !== "none",
        rejectUnauthorized: t.clientAuth === "require",
        ALPNProtocols: ["h2"],
        handshakeTimeout: o.handshakeTimeoutMs ?? 10_000,
      },
      (s) => {
        const raw = s.getPeerCertificate();
        const cert = peerCertOf(raw && Object.keys(raw).length > 0 ? raw : undefined);
        // "optional": a certificate that did not chain to the CA is refused, never ignored
        if (cert && !s.authorized) {
          o.log.debug(`gRPC: ${address(s)} sent a certificate the CA did not sign (${String(s.authorizationError)})`);
          o.rejected?.(address(s));
          s.destroy();
          return;
        }
        if (!o.admit({ address: address(s), ...(cert ? { cert } : {}) })) {
          s.destroy();
          return;
        }
        inject(s, cert);
      },
    );
    server.on("tlsClientError", (e: Error, s: tls.TLSSocket) => {
      o.log.debug(`gRPC: TLS handshake from ${s?.remoteAddress ?? "?"} failed: ${e.message}`);
      if (s?.remoteAddress) o.rejected?.(s.remoteAddress);
    });
  } else {
    server = net.createServer((s) => {
      if (!o.admit({ address: address(s) })) {
        s.destroy();
        return;
      }
      inject(s);
    });
  }
  // every TCP connection, before its handshake: a flood of them is bounded
  let raw = 0;
  server.on("connection", (s: net.Socket) => {
    if (raw >= MAX_CONNECTIONS) {
      o.rejected?.(address(s));
      s.destroy();
      return;
    }
    raw++;
    s.once("close", () => raw--);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port, o.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const bound = server.address();
  const port = typeof bound === "object" && bound ? bound.port : o.port;
  return {
    host: o.host,
    port,
    connections: () => open.size,
    peerCert: (peer) => certs.get(peer),
    async stop() {
      stopped = true;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        injector?.destroy();
        for (const s of open) s.destroy();
      });
    },
  };
}
