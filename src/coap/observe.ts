// Observe (RFC 7641): who observes which channel topic, the notifications they get and
// when an observation ends. A notification carries an Observe number that increases by
// one per notification of that observation (24 bits); a payload larger than the
// observer's block size goes out as its first block with Block2, Size2 and an ETag, and
// the rest is fetched block by block (RFC 7959 §2.6, served by `representation`). An
// observation ends on a deregistering GET (Observe: 1), a Reset, a notification never
// acknowledged, the connection's end, or when the key loses its right to the channel:
// then a final 4.01/4.03 without Observe tells the client (RFC 7641 §3.2).
import { authorize, type CredentialRef, type Principal } from "../auth/index.ts";
import type { CoapOption } from "./codec.ts";
import { blockOption, blockSize, CODE, OPT, uint } from "./options.ts";

export interface Notification {
  code: number;
  options: CoapOption[];
  payload: Uint8Array;
  /** the observation ends with this one (no Observe option) */
  final: boolean;
}

/** how an observation's notifications reach its client (UDP endpoint or TCP connection) */
export interface ObserverSink {
  send(n: Notification): void;
  /**
   * Has the client shown it is at its address (TLS: always; UDP: it acknowledged a
   * confirmable notification)? Until then each block of a large notification is served
   * once (libcoap asks for block 1 before it acknowledges block 0): a forged source
   * address gets at most one copy of one message per observation.
   */
  confirmed(): boolean;
  /** the observation was removed here: free what the transport kept for it */
  closed(): void;
}

/** the credential an observation was registered with: the live re-check asks about it */
export interface ObserverCredential {
  clientId: string;
  /** the credential it registered with: current(ref) says whether it still may */
  ref: CredentialRef;
  expiresAt: number;
}

export interface Observer extends ObserverCredential {
  /** who observes, as identify() said at registration and the re-check says since */
  principal: Principal;
  /** peer key + token: unique per observation */
  readonly key: string;
  readonly peer: string;
  readonly token: Uint8Array;
  readonly topic: string;
  readonly channelId: string;
  /** the channel's SuperMQ domain: its right is asked there */
  readonly domainId: string;
  readonly szx: number;
  seq: number;
  sink: ObserverSink;
  /** the last notification too large for one block, for the rest of its blocks */
  big?: { etag: Uint8Array; payload: Uint8Array; served: Set<number> };
}

export interface ObserveDeps {
  /**
   * The live re-check: the observer's principal now (its key's scopes as stored), or null
   * when the credential is no longer usable (deleted, revoked, rotated away).
   */
  current(o: ObserverCredential): Principal | null;
  maxObservers?: number;
  maxPerPeer?: number;
  now?: () => number;
}

export type Registered = { ok: true; observer: Observer } | { ok: false; reason: string };

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

export function createObservers(deps: ObserveDeps) {
  const maxObservers = deps.maxObservers ?? 10_000;
  const maxPerPeer = deps.maxPerPeer ?? 64;
  const now = deps.now ?? Date.now;
  const byKey = new Map<string, Observer>();
  const byTopic = new Map<string, Set<Observer>>();
  const byPeer = new Map<string, Set<Observer>>();
  let etags = 0;
  const may = (o: Observer) => authorize(o.principal, "channels:subscribe", o.channelId, o.domainId).allow;
  let sent = 0;

  const add = <K>(m: Map<K, Set<Observer>>, k: K, o: Observer) => {
    let s = m.get(k);
    if (!s) m.set(k, (s = new Set()));
    s.add(o);
  };
  const del = <K>(m: Map<K, Set<Observer>>, k: K, o: Observer) => {
    const s = m.get(k);
    s?.delete(o);
    if (s?.size === 0) m.delete(k);
  };

  function remove(o: Observer): boolean {
    if (byKey.get(o.key) !== o) return false;
    byKey.delete(o.key);
    del(byTopic, o.topic, o);
    del(byPeer, o.peer, o);
    o.sink.closed();
    return true;
  }

  /** end an observation, telling the client why (a final response without Observe) */
  function end(o: Observer, code: number, reason: string): void {
    if (byKey.get(o.key) !== o) return;
    const payload = new TextEncoder().encode(reason);
    o.sink.send({ code, options: [], payload, final: true });
    remove(o);
  }

  function notify(o: Observer, payload: Uint8Array): void {
    o.seq = (o.seq + 1) & 0xffffff;
    const size = blockSize(o.szx);
    const options: CoapOption[] = [uint(OPT.OBSERVE, o.seq)];
    let body = payload;
    if (payload.length > size) {
      etags = (etags + 1) >>> 0;
      const etag = new Uint8Array(4);
      new DataView(etag.buffer).setUint32(0, etags);
      o.big = { etag, payload, served: new Set() };
      options.push(
        { number: OPT.ETAG, value: etag },
        blockOption(OPT.BLOCK2, { num: 0, more: true, szx: o.szx }),
        uint(OPT.SIZE2, payload.length),
      );
      body = payload.subarray(0, size);
    } else o.big = undefined;
    sent++;
    o.sink.send({ code: CODE.CONTENT, options, payload: body, final: false });
  }

  return {
    /** a GET with Observe: 0 (a new observation, or the same peer and token again) */
    register(r: Omit<Observer, "key" | "seq">): Registered {
      const key = `${r.peer}/${hex(r.token)}`;
      const old = byKey.get(key);
      if (old) remove(old);
      const mine = byPeer.get(r.peer)?.size ?? 0;
      if (mine >= maxPerPeer) return { ok: false, reason: `at most ${maxPerPeer} observations per client endpoint` };
      if (byKey.size >= maxObservers) return { ok: false, reason: "too many observations on this server" };
      const o: Observer = { ...r, key, seq: 1 };
      byKey.set(key, o);
      add(byTopic, o.topic, o);
      add(byPeer, o.peer, o);
      return { ok: true, observer: o };
    },
    /** Observe: 1, or a Reset: no final notification */
    deregister(peer: string, token: Uint8Array): boolean {
      const o = byKey.get(`${peer}/${hex(token)}`);
      return o ? remove(o) : false;
    },
    remove,
    /** a peer went away (TCP connection closed) */
    dropPeer(peer: string): void {
      for (const o of [...(byPeer.get(peer) ?? [])]) remove(o);
    },
    /** a channel message: every observer of its topic that may still receive it gets it */
    fanout(topic: string, payload: Uint8Array): void {
      const set = byTopic.get(topic);
      if (!set) return;
      for (const o of [...set]) {
        if (may(o)) notify(o, payload);
        else end(o, CODE.FORBIDDEN, `not connected to channel ${o.channelId}`);
      }
    },
    /** the live re-check (after a registry change): observations whose key is gone, expired or lost the channel end */
    revalidate(): number {
      const t = now();
      let ended = 0;
      for (const o of [...byKey.values()]) {
        const now = t < o.expiresAt ? deps.current(o) : null;
        if (now) o.principal = now;
        if (!now) end(o, CODE.UNAUTHORIZED, "key deleted, revoked or expired");
        else if (!may(o)) end(o, CODE.FORBIDDEN, `not connected to channel ${o.channelId}`);
        else continue;
        ended++;
      }
      return ended;
    },
    /** block `num` of the large notification a peer is fetching block by block on `topic` */
    representation(peer: string, topic: string, num: number, etag?: Uint8Array): Observer["big"] | undefined {
      for (const o of byPeer.get(peer) ?? []) {
        if (o.topic !== topic || !o.big) continue;
        if (etag && hex(etag) !== hex(o.big.etag)) continue;
        if (!o.sink.confirmed()) {
          if (o.big.served.has(num)) continue;
          o.big.served.add(num);
        }
        return o.big;
      }
      return undefined;
    },
    count: () => byKey.size,
    notifications: () => sent,
    closeAll(): void {
      for (const o of [...byKey.values()]) remove(o);
    },
  };
}

export type Observers = ReturnType<typeof createObservers>;
