// CoAP over UDP (RFC 7252) on Bun.udpSocket: the message layer. A confirmable request
// gets its response piggybacked on the ACK; a non-confirmable one a NON response. A
// duplicate (same peer and message id within the exchange lifetime) is answered from the
// dedup table, never processed twice. An empty CON (a "CoAP ping") gets a Reset. A
// malformed CON gets a Reset, a malformed NON nothing. An ACK or Reset is matched to our
// confirmable notifications (con-sender.ts); a Reset to any recent notification ends that
// observation (RFC 7641 §3.6).
import type { udp } from "bun";
import type { Logger } from "../lib/log.ts";
import type { Adapter, CoapPeer } from "./adapter.ts";
import { type CoapMessage, decode, encode, TYPE } from "./codec.ts";
import { createConSender, type ConSender } from "./con-sender.ts";
import type { Dedup } from "./dedup.ts";
import type { Notification, Observers, ObserverSink } from "./observe.ts";
import { CODE, isRequest, unknownCritical } from "./options.ts";
import type { CoapStats } from "./stats.ts";

export interface UdpDeps {
  host: string;
  port: number;
  adapter: Adapter;
  observers: Observers;
  dedup: Dedup;
  stats: CoapStats;
  log: Logger;
}

export interface UdpEndpoint {
  host: string;
  port: number;
  stop(): void;
}

/** a NON observation gets a CON notification at least this often, to learn it is still there */
const CON_EVERY = 20;
const RECENT_MAX = 20_000;
/** requests in progress at most (all peers); beyond, a request is dropped and its client retransmits it */
const MAX_PENDING = 1024;

export async function listenUdp(d: UdpDeps): Promise<UdpEndpoint> {
  const { adapter, observers, dedup, stats, log } = d;
  let mid = Math.floor(Math.random() * 0x10000);
  const nextMid = () => (mid = (mid + 1) & 0xffff);
  // "peer|mid" of recent notifications -> their observation's peer and token (for Resets)
  const recent = new Map<string, { peer: string; token: Uint8Array }>();
  // peer -> its confirmable senders (one per observation), for ACKs and Resets
  const senders = new Map<string, Set<ConSender>>();
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

  function remember(peerKey: string, messageId: number, token: Uint8Array): void {
    if (recent.size >= RECENT_MAX) {
      const first = recent.keys().next();
      if (!first.done) recent.delete(first.value);
    }
    recent.set(`${peerKey}|${messageId}`, { peer: peerKey, token });
  }

  function sinkFor(peerKey: string, port: number, address: string, token: Uint8Array, con: boolean): ObserverSink {
    let sender: ConSender | undefined;
    let count = 0;
    let ended = false;
    let confirmed = false;
    const forget = () => {
      if (!sender) return;
      sender.close();
      const mine = senders.get(peerKey);
      mine?.delete(sender);
      if (mine?.size === 0) senders.delete(peerKey);
    };
    const build = (n: Notification, type: 0 | 1) => (messageId: number) => {
      remember(peerKey, messageId, token);
      return encode({ type, code: n.code, messageId, token, options: n.options, payload: n.payload });
    };
    const senderOf = () => {
      if (sender) return sender;
      const s = createConSender(
        {
          send: (b) => sendTo(b, port, address),
          giveUp: () => {
            stats.observersGivenUp++;
            forget();
            observers.deregister(peerKey, token);
          },
          dropped: () => stats.notificationsDropped++,
          acknowledged: () => {
            confirmed = true;
          },
          retransmitted: () => stats.retransmissions++,
          // the observation is over and its last message was acknowledged
          idle: () => {
            if (ended) forget();
          },
        },
        nextMid,
      );
      let mine = senders.get(peerKey);
      if (!mine) senders.set(peerKey, (mine = new Set()));
      mine.add(s);
      sender = s;
      return s;
    };
    return {
      send(n) {
        stats.notifications++;
        count++;
        // a NON observation's first notification is confirmable, and nothing goes out NON
        // until the client acknowledged one: a forged registration costs its victim at most
        // one notification and its retransmissions
        const probe = !confirmed || (sender?.outstanding() ?? undefined) !== undefined;
        if (con || n.final || probe || count % CON_EVERY === 0) senderOf().enqueue(build(n, TYPE.CON));
        else sendTo(build(n, TYPE.NON)(nextMid()), port, address);
      },
      confirmed: () => confirmed,
      closed() {
        ended = true;
        // a final notification still in flight keeps its sender until it is acknowledged or given up
        if (sender && sender.queued() === 0) forget();
      },
    };
  }

  function ackOrReset(peerKey: string, m: CoapMessage): void {
    for (const s of senders.get(peerKey) ?? []) if (s.acked(m.messageId)) break;
    if (m.type === TYPE.RST) {
      const r = recent.get(`${peerKey}|${m.messageId}`);
      if (r && observers.deregister(r.peer, r.token)) stats.observersReset++;
    }
  }

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
      sink: (token, confirmable) => sinkFor(peerKey, port, address, token, confirmable),
    };
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
    stats.response(reply.code);
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
    if (m.type === TYPE.ACK || m.type === TYPE.RST) return ackOrReset(`udp|${address}|${port}`, m);
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
      for (const mine of senders.values()) for (const s of mine) s.close();
      senders.clear();
      socket.close();
    },
  };
}
