// What neo sends over UDP on its own, as confirmable messages (con-sender.ts): Observe
// notifications (one sender per observation) and separate responses (RFC 7252 §5.2.2: a
// request answered later than its empty ACK). ACKs and Resets from a peer are matched to
// them here; a Reset to any recent notification ends its observation (RFC 7641 §3.6).
import { type CoapMessage, encode, TYPE } from "./codec.ts";
import { createConSender, type ConSender } from "./con-sender.ts";
import type { Notification, Observers, ObserverSink } from "./observe.ts";
import type { CoapStats } from "./stats.ts";

/** a NON observation gets a CON notification at least this often, to learn it is still there */
const CON_EVERY = 20;
const RECENT_MAX = 20_000;

export interface OutgoingDeps {
  sendTo(bytes: Uint8Array, port: number, address: string): void;
  nextMid(): number;
  observers: Observers;
  stats: CoapStats;
}

export function createUdpOutgoing(d: OutgoingDeps) {
  const { sendTo, nextMid, observers, stats } = d;
  // "peer|mid" of recent notifications -> their observation's peer and token (for Resets)
  const recent = new Map<string, { peer: string; token: Uint8Array }>();
  // peer -> its confirmable senders (one per observation or separate response), for ACKs and Resets
  const senders = new Map<string, Set<ConSender>>();

  function remember(peerKey: string, messageId: number, token: Uint8Array): void {
    if (recent.size >= RECENT_MAX) {
      const first = recent.keys().next();
      if (!first.done) recent.delete(first.value);
    }
    recent.set(`${peerKey}|${messageId}`, { peer: peerKey, token });
  }

  /** a confirmable sender to one peer, found by its ACKs until `forget` */
  function open(peerKey: string, port: number, address: string, on: Partial<Parameters<typeof createConSender>[0]>) {
    const s: ConSender = createConSender(
      {
        send: (b) => sendTo(b, port, address),
        retransmitted: () => stats.retransmissions++,
        giveUp: () => {
          forget();
          on.giveUp?.();
        },
        ...(on.dropped ? { dropped: on.dropped } : {}),
        ...(on.acknowledged ? { acknowledged: on.acknowledged } : {}),
        ...(on.idle ? { idle: on.idle } : {}),
      },
      nextMid,
    );
    let mine = senders.get(peerKey);
    if (!mine) senders.set(peerKey, (mine = new Set()));
    mine.add(s);
    const forget = () => {
      s.close();
      mine.delete(s);
      if (mine.size === 0 && senders.get(peerKey) === mine) senders.delete(peerKey);
    };
    return { sender: s, forget };
  }

  function sinkFor(peerKey: string, port: number, address: string, token: Uint8Array, con: boolean): ObserverSink {
    let out: ReturnType<typeof open> | undefined;
    let count = 0;
    let ended = false;
    let confirmed = false;
    const build = (n: Notification, type: 0 | 1) => (messageId: number) => {
      remember(peerKey, messageId, token);
      return encode({ type, code: n.code, messageId, token, options: n.options, payload: n.payload });
    };
    const senderOf = () =>
      (out ??= open(peerKey, port, address, {
        giveUp: () => {
          stats.observersGivenUp++;
          observers.deregister(peerKey, token);
        },
        dropped: () => stats.notificationsDropped++,
        acknowledged: () => {
          confirmed = true;
        },
        // the observation is over and its last message was acknowledged
        idle: () => {
          if (ended) out?.forget();
        },
      })).sender;
    return {
      send(n) {
        stats.notifications++;
        count++;
        // a NON observation's first notification is confirmable, and nothing goes out NON
        // until the client acknowledged one: a forged registration costs its victim at most
        // one notification and its retransmissions
        const probe = !confirmed || out?.sender.outstanding() !== undefined;
        if (con || n.final || probe || count % CON_EVERY === 0) senderOf().enqueue(build(n, TYPE.CON));
        else sendTo(build(n, TYPE.NON)(nextMid()), port, address);
      },
      confirmed: () => confirmed,
      closed() {
        ended = true;
        // a final notification still in flight keeps its sender until it is acknowledged or given up
        if (out && out.sender.queued() === 0) out.forget();
      },
    };
  }

  return {
    sinkFor,
    /** a response sent on its own after an empty ACK: confirmable, retransmitted until acknowledged */
    separate(peerKey: string, port: number, address: string, response: Omit<CoapMessage, "type" | "messageId">) {
      const o = open(peerKey, port, address, { idle: () => o.forget() });
      o.sender.enqueue((messageId) => encode({ ...response, type: TYPE.CON, messageId }));
    },
    /** an ACK or Reset from a peer */
    ackOrReset(peerKey: string, m: CoapMessage): void {
      for (const s of senders.get(peerKey) ?? []) if (s.acked(m.messageId)) break;
      if (m.type === TYPE.RST) {
        const r = recent.get(`${peerKey}|${m.messageId}`);
        if (r && observers.deregister(r.peer, r.token)) stats.observersReset++;
      }
    },
    closeAll(): void {
      for (const mine of senders.values()) for (const s of mine) s.close();
      senders.clear();
    },
  };
}
