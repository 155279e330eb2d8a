// CoAP over TLS (RFC 8323, `coaps+tcp://`) on Bun.listen: the same certificate rules as
// the MQTT TLS listener (the chain to the gateway CA is verified in the handshake; a
// certificate that does not verify is terminate()d before any byte is read; the registry
// then decides per request through identify()). Each side opens with a CSM (7.01); Ping
// gets Pong; Release and Abort close. No message ids: TCP is reliable, so requests get
// their response by token and notifications need no ACK. Bounded: a frame larger than the
// advertised Max-Message-Size gets Abort; a connection without a certificate must get a
// request admitted within the handshake timeout; one that does not read its notifications
// is closed past 8 MiB queued.
import type { Socket, TCPSocketListener } from "bun";
import type { Logger } from "../lib/log.ts";
import { type PeerCert, peerCertOf, type RawPeerCertificate } from "../lib/peer-cert.ts";
import type { Adapter, CoapPeer } from "./adapter.ts";
import type { Observers, ObserverSink } from "./observe.ts";
import { CODE, isRequest, uint, unknownCritical } from "./options.ts";
import type { CoapStats } from "./stats.ts";
import { decodeFrame, encodeFrame, frameSize, type TcpMessage } from "./tcp-framing.ts";

export interface TcpDeps {
  host: string;
  port: number;
  tls: { cert: string; key: string; ca: string; clientAuth: "optional" | "require" };
  adapter: Adapter;
  observers: Observers;
  stats: CoapStats;
  /** the largest options + payload of one frame we take */
  maxMessageSize: number;
  log: Logger;
  timeoutMs?: number;
}

export interface TcpEndpoint {
  host: string;
  port: number;
  stop(): void;
}

interface Conn {
  id: number;
  cert?: PeerCert;
  ready: boolean;
  csm: boolean;
  admitted: boolean;
  /** requests being handled now */
  inflight: number;
  /** bytes of `buf` counted in the unauthenticated budget */
  counted: number;
  closed: boolean;
  buf: Uint8Array;
  out: Uint8Array[];
  outBytes: number;
  timer: ReturnType<typeof setTimeout> | null;
}

const MAX_QUEUED = 8 * 1024 * 1024;
/** what all connections without a certificate or an admitted request may hold together */
const UNAUTHENTICATED_BUDGET = 16 * 1024 * 1024;
/** requests one connection may have in progress; more get 5.03 with Max-Age */
const MAX_INFLIGHT = 64;
/** CSM option 2 (RFC 8323 §5.3.1) */
const MAX_MESSAGE_SIZE = 2;
const EMPTY = new Uint8Array(0);

export function listenTcp(d: TcpDeps): TcpEndpoint {
  const { adapter, observers, stats, log } = d;
  const timeoutMs = d.timeoutMs ?? 10_000;
  const strict = d.tls.clientAuth === "require";
  let ids = 0;
  const live = new Set<Socket<Conn>>();
  let unauthenticated = 0;
  /** keep the unauthenticated budget in step with what this connection buffers */
  const account = (c: Conn) => {
    const now = c.cert || c.admitted || c.closed ? 0 : c.buf.length;
    unauthenticated += now - c.counted;
    c.counted = now;
  };

  function write(s: Socket<Conn>, m: TcpMessage): void {
    const c = s.data;
    if (c.closed) return;
    const bytes = encodeFrame(m);
    if (c.out.length > 0) {
      c.out.push(bytes);
      c.outBytes += bytes.length;
      if (c.outBytes > MAX_QUEUED) abort(s, "too slow: notifications are not being read");
      return;
    }
    const n = s.write(bytes);
    if (n < bytes.length) {
      c.out.push(bytes.subarray(Math.max(n, 0)));
      c.outBytes += bytes.length - Math.max(n, 0);
    }
  }

  function abort(s: Socket<Conn>, reason: string): void {
    if (s.data.out.length === 0)
      s.write(encodeFrame({ code: CODE.ABORT, token: EMPTY, options: [], payload: new TextEncoder().encode(reason) }));
    s.end();
  }

  const sinkFor = (s: Socket<Conn>, token: Uint8Array): ObserverSink => ({
    send(n) {
      stats.notifications++;
      write(s, { code: n.code, token, options: n.options, payload: n.payload });
    },
    closed() {},
    // TCP: the handshake showed the client is at its address
    confirmed: () => true,
  });

  async function request(s: Socket<Conn>, m: TcpMessage, bytes: number): Promise<void> {
    const c = s.data;
    if (c.inflight >= MAX_INFLIGHT) {
      stats.overloaded++;
      const busy = new TextEncoder().encode("too many requests in progress on this connection");
      return write(s, { code: CODE.SERVICE_UNAVAILABLE, token: m.token, options: [uint(14, 1)], payload: busy });
    }
    stats.requests++;
    c.inflight++;
    const peer: CoapPeer = {
      key: `tcp|${c.id}`,
      address: s.remoteAddress,
      listener: "coaps+tcp",
      spoofable: false,
      ...(c.cert ? { cert: c.cert } : {}),
      sink: (token) => sinkFor(s, token),
    };
    let reply: { code: number; options: TcpMessage["options"]; payload: Uint8Array };
    const bad = unknownCritical(m.options);
    if (bad !== undefined)
      reply = {
        code: CODE.BAD_OPTION,
        options: [],
        payload: new TextEncoder().encode(`unknown critical option ${bad}`),
      };
    else {
      try {
        reply = await adapter.handle({ ...m, bytes, confirmable: true }, peer);
      } catch (e) {
        log.error(`CoAP request from ${s.remoteAddress} failed`, e);
        reply = { code: CODE.INTERNAL_SERVER_ERROR, options: [], payload: EMPTY };
      }
    }
    c.inflight--;
    stats.response(reply.code);
    if (reply.code >> 5 === 2 && !c.admitted) {
      c.admitted = true;
      account(c);
      if (c.timer) clearTimeout(c.timer);
      c.timer = null;
    }
    write(s, { code: reply.code, token: m.token, options: reply.options, payload: reply.payload });
  }

  function frame(s: Socket<Conn>, f: Uint8Array): void {
    const m = decodeFrame(f);
    if (typeof m === "string") {
      stats.malformed++;
      return abort(s, m);
    }
    const c = s.data;
    // RFC 8323 §5.3: the CSM is the first message of each side
    if (!c.csm && m.code !== CODE.CSM) return abort(s, "the first message must be a CSM (7.01)");
    if (m.code === CODE.CSM) {
      c.csm = true;
      return;
    }
    if (m.code === CODE.PING) return write(s, { code: CODE.PONG, token: m.token, options: [], payload: EMPTY });
    if (m.code === CODE.PONG) return;
    if (m.code === CODE.RELEASE || m.code === CODE.ABORT) return void s.end();
    if (!isRequest(m.code)) return; // a response to nothing we sent, or an empty message: ignored
    request(s, m, f.length).catch((e: unknown) => log.error("CoAP request failed", e));
  }

  function data(s: Socket<Conn>, chunk: Uint8Array): void {
    const c = s.data;
    if (!c.ready) return;
    let b: Uint8Array = c.buf.length ? Buffer.concat([c.buf, chunk]) : chunk;
    for (;;) {
      const size = frameSize(b, d.maxMessageSize);
      if (size === "more") break;
      if (typeof size === "string") {
        stats.malformed++;
        c.buf = EMPTY;
        return abort(s, size);
      }
      if (b.length < size) break;
      frame(s, b.subarray(0, size));
      b = b.subarray(size);
    }
    c.buf = b.length ? Buffer.from(b) : EMPTY;
    account(c);
    if (unauthenticated > UNAUTHENTICATED_BUDGET) {
      c.buf = EMPTY;
      account(c);
      abort(s, "too much data before authentication: send a request with ?auth=<key> first, or a certificate");
    }
  }

  const listener: TCPSocketListener<Conn> = Bun.listen<Conn>({
    hostname: d.host,
    port: d.port,
    tls: {
      cert: d.tls.cert,
      key: d.tls.key,
      ca: d.tls.ca,
      requestCert: true,
      rejectUnauthorized: strict,
    },
    socket: {
      open(s) {
        s.data = {
          id: ++ids,
          ready: false,
          csm: false,
          admitted: false,
          inflight: 0,
          counted: 0,
          closed: false,
          buf: EMPTY,
          out: [],
          outBytes: 0,
          timer: null,
        };
        // bounds the handshake, and a connection without a certificate until a request is admitted
        s.data.timer = setTimeout(() => s.terminate(), timeoutMs);
        live.add(s);
        stats.tcpConnections++;
      },
      handshake(s, success, authorizationError) {
        if (!success) return s.terminate();
        const presented = peerCertOf(s.getPeerCertificate() as RawPeerCertificate | null);
        if (strict && (authorizationError || !s.authorized || !presented)) return s.terminate();
        if (!strict && presented && (authorizationError || !s.authorized)) return s.terminate();
        const c = s.data;
        if (s.authorized && presented) {
          c.cert = presented;
          if (c.timer) clearTimeout(c.timer);
          c.timer = null;
        }
        c.ready = true;
        write(s, {
          code: CODE.CSM,
          token: EMPTY,
          options: [uint(MAX_MESSAGE_SIZE, d.maxMessageSize + 1024)],
          payload: EMPTY,
        });
      },
      data,
      drain(s) {
        const c = s.data;
        while (c.out.length > 0) {
          const head = c.out[0]!;
          const n = s.write(head);
          if (n < head.length) {
            c.out[0] = head.subarray(Math.max(n, 0));
            c.outBytes -= Math.max(n, 0);
            return;
          }
          c.out.shift();
          c.outBytes -= head.length;
        }
      },
      close(s) {
        s.data.closed = true;
        account(s.data);
        if (s.data.timer) clearTimeout(s.data.timer);
        live.delete(s);
        stats.tcpConnections--;
        observers.dropPeer(`tcp|${s.data.id}`);
      },
      error(s, e) {
        log.debug(`CoAP TLS socket error from ${s.remoteAddress}: ${e.message}`);
      },
    },
  });
  return {
    host: listener.hostname,
    port: listener.port,
    stop() {
      listener.stop(true);
      for (const s of live) s.terminate();
    },
  };
}
