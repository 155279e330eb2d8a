// CoAP over UDP (RFC 7252) on Bun.udpSocket: the message layer. A confirmable request
// gets its response piggybacked on the ACK, or, when it takes longer than a second (a slow
// disk), an empty ACK at once and the response later as a confirmable message of its own;
// a non-confirmable one gets a NON response. A duplicate (same peer and message id within
// the exchange lifetime) is answered from the dedup table, never processed twice. An empty
// CON (a "CoAP ping") gets a Reset. A malformed CON gets a Reset, a malformed NON nothing.
// ACKs and Resets go to what neo sent on its own (udp-outgoing.ts).
import type { udp } from "bun";
import type { Logger } from "../lib/log.ts";
import type { Adapter, CoapPeer } from "./adapter.ts";
import { type CoapMessage, decode, encode, TYPE } from "./codec.ts";
import type { Dedup } from "./dedup.ts";
import type { Observers } from "./observe.ts";
import { CODE, isRequest, unknownCritical } from "./options.ts";
import type { CoapStats } from "./stats.ts";
import { createUdpOutgoing } from "./udp-outgoing.ts";

const EMPTY = new Uint8Array(0);

export interface UdpDeps {
  host: string;
  port: number;
  adapter: Adapter;
  observers: Observers;
  dedup: Dedup;
  stats: CoapStats;
  log: Logger;
  /** a confirmable request not answered within this gets an empty ACK first (default 1000 ms) */
  separateAfterMs?: number;
}

export interface UdpEndpoint {
  host: string;
  port: number;
  stop(): void;
}

/** requests in progress at most (all peers); beyond, a request is dropped and its client retransmits it */
const MAX_PENDING = 1024;

export async function listenUdp(d: UdpDeps): Promise<UdpEndpoint> {
  const { adapter, observers, dedup, stats, log } = d;
  let mid = Math.floor(Math.random() * 0x10000);
  const nextMid = () => (mid = (mid + 1) & 0xffff);
  let socket!: udp.Socket<"buffer">;

  const sendTo = (bytes: Uint8Array, port: number, address: string) => {
    stats.udpOut++;
    try {
      socket.send(bytes, port, address);
    } catch (e) {
      // a peer that went away (ICMP port unreachable) must not stop the others' messages
      log.debug(`CoAP datagram to ${address}:${port} not sent: ${(e as Error).message}`);
    }
  };

  const outgoing = createUdpOutgoing({ sendTo: (b, p, a) => sendTo(b, p, a), nextMid, observers, stats });
  const separateAfter = d.separateAfterMs ?? 1000;
  let pending = 0;
  async function request(m: CoapMessage, bytes: number, port: number, address: string): Promise<void> {
    const peerKey = `udp|${address}|${port}`;
    const con = m.type === TYPE.CON;
    const dupKey = `${peerKey}|${m.messageId}`;
    const seen = dedup.seen(dupKey, con);
    if (seen.kind !== "new") {
      stats.duplicates++;
      if (seen.kind === "answered") sendTo(seen.response, port, address);
      return;
    }
    stats.requests++;
    pending++;
    const peer: CoapPeer = {
      key: peerKey,
      address,
      listener: "coap",
      spoofable: true,
      sink: (token, confirmable) => outgoing.sinkFor(peerKey, port, address, token, confirmable),
    };
    // RFC 7252 §5.2.2: a request that takes long gets its empty ACK now (a duplicate gets it too)
    let separate = false;
    const slow = con
      ? setTimeout(() => {
          separate = true;
          const empty = encode({
            type: TYPE.ACK,
            code: 0,
            messageId: m.messageId,
            token: EMPTY,
            options: [],
            payload: EMPTY,
          });
          dedup.answered(dupKey, empty);
          sendTo(empty, port, address);
        }, separateAfter)
      : undefined;
    const bad = unknownCritical(m.options);
    let reply: { code: number; options: CoapMessage["options"]; payload: Uint8Array };
    if (bad !== undefined) reply = { code: CODE.BAD_OPTION, options: [], payload: new Uint8Array(0) };
    else {
      try {
        reply = await adapter.handle(
          { code: m.code, token: m.token, options: m.options, payload: m.payload, bytes, confirmable: con },
          peer,
        );
      } catch (e) {
        log.error(`CoAP request from ${address}:${port} failed`, e);
        reply = { code: CODE.INTERNAL_SERVER_ERROR, options: [], payload: new Uint8Array(0) };
      }
    }
    pending--;
    clearTimeout(slow);
    stats.response(reply.code);
    if (separate) return outgoing.separate(peerKey, port, address, { token: m.token, ...reply });
    const out = encode({
      type: con ? TYPE.ACK : TYPE.NON,
      code: reply.code,
      messageId: con ? m.messageId : nextMid(),
      token: m.token,
      options: reply.options,
      payload: reply.payload,
    });
    if (con) dedup.answered(dupKey, out);
    sendTo(out, port, address);
  }

  function datagram(buf: Buffer, port: number, address: string): void {
    stats.udpIn++;
    const r = decode(buf);
    if (!r.ok) {
      stats.malformed++;
      // RFC 7252 §4.2/§4.3: a confirmable message we cannot read is rejected with a Reset
      if (r.header?.type === TYPE.CON)
        sendTo(
          encode({
            ...r.header,
            type: TYPE.RST,
            code: 0,
            token: new Uint8Array(0),
            options: [],
            payload: new Uint8Array(0),
          }),
          port,
          address,
        );
      return;
    }
    const m = r.msg;
    if (m.type === TYPE.ACK || m.type === TYPE.RST) return outgoing.ackOrReset(`udp|${address}|${port}`, m);
    if (m.code === CODE.EMPTY || !isRequest(m.code)) {
      // a ping (empty CON) or a response/signal we never asked for: Reset a CON, ignore a NON
      if (m.type === TYPE.CON)
        sendTo(
          encode({
            type: TYPE.RST,
            code: 0,
            messageId: m.messageId,
            token: new Uint8Array(0),
            options: [],
            payload: new Uint8Array(0),
          }),
          port,
          address,
        );
      return;
    }
    if (pending >= MAX_PENDING) {
      stats.overloaded++; // not remembered in the dedup table: the retransmission is handled
      return;
    }
    request(m, buf.length, port, address).catch((e: unknown) => log.error("CoAP request failed", e));
  }

  socket = await Bun.udpSocket({
    hostname: d.host,
    port: d.port,
    socket: {
      data(_s, buf, port, address) {
        datagram(buf, port, address);
      },
      // ICMP errors for earlier datagrams (a client that went away): nothing to do here
      error(a, b) {
        const e: unknown = b ?? a;
        log.debug(`CoAP UDP socket: ${e instanceof Error ? e.message : String(e)}`);
      },
    },
  });
  const sweep = setInterval(() => dedup.prune(), 5000);
  sweep.unref();
  return {
    host: socket.hostname,
    port: socket.port,
    stop() {
      clearInterval(sweep);
      outgoing.closeAll();
      socket.close();
    },
  };
}
