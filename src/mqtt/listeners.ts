// TCP and TLS listeners on Bun.listen. With TLS, nothing is parsed before the handshake
// finished; a client certificate that does not verify gets terminate(), never end()
// (end() would still hand its first packets to `data`).
import type { Socket, TCPSocketListener } from "bun";
import { type PeerCert, peerCertOf, type RawPeerCertificate } from "../lib/peer-cert.ts";
import type { BrokerCore } from "./core.ts";
import { Connection } from "./connection.ts";
import { SocketTransport } from "./transport.ts";
import { admissionLine, type Waiters } from "./admission.ts";

interface TlsListenOptions {
  /** PEM text, or a path to a PEM file */
  cert: string;
  key: string;
  ca?: string;
  requestCert?: boolean;
  /** false = "optional" client certificates: no certificate is fine, a bad one is not */
  rejectUnauthorized?: boolean;
}

export interface ListenOptions {
  /** the listener's name (a `Listener "name"` block): carried on each connection's peer */
  name?: string;
  host: string;
  port: number;
  tls?: TlsListenOptions;
  /** MQTT over WebSocket on /mqtt (ws://, or wss:// with `tls`) instead of a raw byte stream */
  websocket?: boolean;
}

export interface Listening {
  name?: string;
  host: string;
  port: number;
  transport: "tcp" | "tls" | "ws" | "wss";
  /** stop accepting; by default also close this listener's connections (false keeps them, for a reload) */
  stop(closeConnections?: boolean): void;
}

/** a socket before its Connection exists: TLS handshake, admission line */
interface Pending {
  early: Uint8Array[] | null;
  earlyBytes: number;
  timer: ReturnType<typeof setTimeout> | null;
  /** the socket closed (while it waited in the admission line) */
  closed: boolean;
  /** how it starts, while it waits in the admission line */
  start?: (() => void) | undefined;
}

/** a socket's data: the Connection itself once there is one (nothing else kept per idle client) */
type SockData = Pending | Connection;
const pendingOf = (s: Socket<SockData>): Pending | null => (s.data instanceof Connection ? null : s.data);

/** the admission line's sockets (admission.ts): every listener of a broker shares one line */
const waiters: Waiters<Socket<SockData>> = {
  start: (s) => {
    const p = pendingOf(s);
    const go = p?.start;
    if (p) p.start = undefined;
    go?.(); // the Connection first: resume() may hand over what waited at once
    s.resume();
  },
  refuse: (s) => s.terminate(),
  gone: (s) => pendingOf(s)?.closed !== false,
};

const pem = (v: string) => (v.includes("-----BEGIN") ? v : Bun.file(v));

export function listenSocket(core: BrokerCore, o: ListenOptions, onStop: (l: Listening) => void): Listening {
  const tls = o.tls;
  const strict = tls?.requestCert === true && tls.rejectUnauthorized !== false;
  // no room for one more connection being checked (or others wait already): wait in line, unread
  const line = admissionLine<Socket<SockData>>(core, waiters);
  const start = (s: Socket<SockData>, cert: PeerCert | undefined) => {
    if (line.open()) return begin(s, cert);
    (s.data as Pending).start = () => begin(s, cert);
    if (line.wait(s)) s.pause();
    else begin(s, cert); // not even room to wait: refused (and counted) as before
  };
  const begin = (s: Socket<SockData>, cert: PeerCert | undefined) => {
    const t = new SocketTransport<SockData>(s, tls ? "tls" : "tcp", s.remoteAddress, o.name, cert); // its own PeerInfo
    const early = pendingOf(s)?.early;
    const conn = new Connection(core, t);
    s.data = conn;
    if (early) for (const chunk of early) conn.onData(chunk);
  };

  const listener: TCPSocketListener<SockData> = Bun.listen<SockData>({
    hostname: o.host,
    port: o.port,
    ...(tls
      ? {
          tls: {
            cert: pem(tls.cert),
            key: pem(tls.key),
            ...(tls.ca ? { ca: pem(tls.ca) } : {}),
            requestCert: tls.requestCert === true,
            rejectUnauthorized: tls.requestCert === true ? tls.rejectUnauthorized !== false : false,
          },
        }
      : {}),
    socket: {
      open(s) {
        const p: Pending = { early: null, earlyBytes: 0, timer: null, closed: false };
        s.data = p;
        if (core.shuttingDown) return s.terminate();
        if (!tls) return start(s, undefined);
        p.early = [];
        // the connect timeout also bounds a handshake that never finishes
        p.timer = setTimeout(() => s.terminate(), core.opts.connectTimeoutMs);
      },
      handshake(s, success, authorizationError) {
        const p = pendingOf(s);
        if (p?.timer) clearTimeout(p.timer);
        if (p) p.timer = null;
        if (!success) return s.terminate();
        let cert: PeerCert | undefined;
        if (tls?.requestCert) {
          const presented = peerCertOf(s.getPeerCertificate() as RawPeerCertificate | null);
          if (strict && (authorizationError || !s.authorized || !presented)) return s.terminate();
          // optional: no certificate is fine, a certificate that does not verify is not
          if (!strict && presented && (authorizationError || !s.authorized)) return s.terminate();
          if (s.authorized) cert = presented;
        }
        start(s, cert);
      },
      data(s, d) {
        const c = s.data;
        if (c instanceof Connection) return c.onData(d);
        if (!c.early) return;
        c.earlyBytes += d.byteLength;
        if (c.earlyBytes > core.opts.maxPacketSize) return s.terminate();
        c.early.push(Buffer.from(d));
      },
      drain(s) {
        const c = s.data;
        if (c instanceof Connection && (c.transport as SocketTransport<SockData>).drain()) c.onDrain();
      },
      close(s) {
        const c = s.data;
        if (c instanceof Connection) return c.onTransportClosed();
        c.closed = true;
        if (c.timer) clearTimeout(c.timer);
      },
      error(s, e) {
        core.log.debug(`socket error from ${s.remoteAddress}: ${e.message}`);
      },
    },
  });

  const l: Listening = {
    ...(o.name !== undefined ? { name: o.name } : {}),
    host: listener.hostname,
    port: listener.port,
    transport: tls ? "tls" : "tcp",
    stop: (closeConnections = true) => {
      listener.stop(closeConnections);
      onStop(l);
    },
  };
  return l;
}
