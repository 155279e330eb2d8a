// What of the broker outlives a restart, as plain data: retained messages and persistent
// sessions (subscriptions, messages in flight and queued, inbound QoS 2 ids). The app
// decides where it is kept and when; this file only copies it out and back in.
import type { BrokerCore } from "./core.ts";
import type { Outbound, Session } from "./session.ts";
import type { Delivery, Message, Subscription } from "./types.ts";
import { isValidTopicFilter, isValidTopicName } from "./topics.ts";

export const STATE_VERSION = 1;

export interface SavedSession {
  id: string;
  owner?: string;
  /** the session expiry interval in ms (Infinity: never) */
  expiryMs: number;
  /** when its client went away, ms epoch (for a client connected at save time: the save) */
  offlineSince: number;
  subscriptions: Subscription[];
  inflight: { pid: number; state: Outbound["state"]; delivery: Delivery }[];
  queue: Delivery[];
  inboundQos2: number[];
  nextPid: number;
}

export interface BrokerState {
  version: number;
  savedAt: number;
  retained: Message[];
  sessions: SavedSession[];
}

/**
 * Copy the state out. Payloads are copied to exact-size arrays (a received payload is a
 * view into a larger socket chunk or pool slab, which a serializer would keep whole);
 * a message shared by several sessions is copied once and stays shared.
 */
export function exportState(core: BrokerCore, now = Date.now()): BrokerState {
  const copies = new Map<Message, Message>();
  const copy = (m: Message): Message => {
    let c = copies.get(m);
    if (!c) {
      c = { ...m, payload: new Uint8Array(m.payload) as Buffer };
      if (m.properties) {
        c.properties = { ...m.properties };
        if (m.properties.correlationData)
          c.properties.correlationData = new Uint8Array(m.properties.correlationData) as Buffer;
      }
      copies.set(m, c);
    }
    return c;
  };
  const retained: Message[] = [];
  for (const m of core.retained.all(now)) if (!m.topic.startsWith("$SYS/")) retained.push(copy(m)); // $SYS is the broker's own, rebuilt at start
  const sessions: SavedSession[] = [];
  for (const s of core.sessions.values()) {
    if (s.expiryMs <= 0) continue; // ends with its connection anyway
    sessions.push(exportSession(s, now, copy));
  }
  return { version: STATE_VERSION, savedAt: now, retained, sessions };
}

/** a subscription as saved: a copy without its session */
function savedSubscription(x: Subscription): Subscription {
  const { session: _held, ...saved } = x;
  return saved;
}

/** a session's queue without copying it (a saver walks it once) */
export function queueOf(s: Session): readonly Delivery[] {
  return s.queuedDeliveries();
}

/**
 * One persistent session as plain data. `copy` maps each message (a saver that keeps
 * messages apart from sessions passes the message itself and stores it once). With
 * `withQueue` false the queue is left empty (a saver that writes it its own way).
 */
export function exportSession(
  s: Session,
  now = Date.now(),
  copy: (m: Message) => Message = (m) => m,
  withQueue = true,
): SavedSession {
  const delivery = (d: Delivery): Delivery => ({ ...d, msg: copy(d.msg) });
  const saved: SavedSession = {
    id: s.id,
    expiryMs: s.expiryMs,
    offlineSince: s.offlineSince ?? now,
    subscriptions: [...s.subscriptions.values()].map(savedSubscription),
    inflight: [...s.inflight].map(([pid, o]) => ({ pid, state: o.state, delivery: delivery(o.delivery) })),
    queue: withQueue ? s.queuedDeliveries().map(delivery) : [],
    inboundQos2: [...s.inboundQos2],
    nextPid: s.nextPacketId,
  };
  if (s.owner !== undefined) saved.owner = s.owner;
  return saved;
}

/** changes whenever exportSession(s) would give something else (apart from offlineSince of a connected session) */
export function sessionMark(s: Session): string {
  return `${s.changes}|${s.nextPacketId}|${s.expiryMs}|${s.owner ?? ""}|${s.offlineSince ?? "on"}|${s.subscriptions.size}|${s.inflight.size}|${s.inboundQos2.size}`;
}

/** A deserializer gives Uint8Array back where Buffers went in. */
function asBuffer(b: unknown): Buffer {
  if (Buffer.isBuffer(b)) return b;
  if (b instanceof Uint8Array) return Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  throw new Error("payload is not bytes");
}

function message(m: Message, seen: Map<Message, Message>): Message {
  let out = seen.get(m);
  if (out) return out;
  if (typeof m.topic !== "string" || !isValidTopicName(m.topic))
    throw new Error(`bad topic ${JSON.stringify(m.topic)}`);
  out = { ...m, payload: asBuffer(m.payload) };
  if (m.properties?.correlationData)
    out.properties = { ...m.properties, correlationData: asBuffer(m.properties.correlationData) };
  seen.set(m, out);
  return out;
}

export interface ImportResult {
  retained: number;
  sessions: number;
  /** entries left out: expired while the broker was down, or not understood */
  skipped: number;
}

/** Put saved state into an empty broker (before it listens). Bad entries are skipped, never fatal. */
export function importState(core: BrokerCore, st: BrokerState, now = Date.now()): ImportResult {
  if (st.version !== STATE_VERSION) throw new Error(`state version ${String(st.version)}, expected ${STATE_VERSION}`);
  const seen = new Map<Message, Message>();
  const res: ImportResult = { retained: 0, sessions: 0, skipped: 0 };
  const live = (m: Message) => m.expiresAt === undefined || m.expiresAt > now;
  for (const m of st.retained ?? []) {
    try {
      if (!live(m)) {
        res.skipped++;
        continue;
      }
      core.retained.set(message(m, seen));
      res.retained++;
    } catch {
      res.skipped++;
    }
  }
  for (const saved of st.sessions ?? []) {
    let s: Session | null = null;
    try {
      const left = saved.offlineSince + saved.expiryMs - now;
      if (typeof saved.id !== "string" || core.sessions.has(saved.id) || !(saved.expiryMs > 0) || left <= 0) {
        res.skipped++;
        continue;
      }
      s = core.newSession(saved.id);
      s.expiryMs = saved.expiryMs;
      if (saved.owner !== undefined) s.owner = saved.owner;
      s.quotaKey = saved.owner ?? "address:";
      for (const sub of saved.subscriptions) {
        if (!isValidTopicFilter(sub.filter) || sub.clientId !== saved.id)
          throw new Error(`bad subscription ${JSON.stringify(sub.raw)}`);
        core.addSubscription(s, { ...sub });
      }
      for (const f of saved.inflight)
        s.restoreInflight(f.pid, { state: f.state, delivery: { ...f.delivery, msg: message(f.delivery.msg, seen) } });
      for (const pid of saved.inboundQos2) s.addInboundQos2(pid);
      s.restore(
        saved.queue.filter((d) => live(d.msg)).map((d) => ({ ...d, msg: message(d.msg, seen) })),
        saved.nextPid,
      );
      core.park(s, saved.offlineSince, left);
      res.sessions++;
    } catch {
      // some subscriptions may be in the tries already: take the half-built session out again
      if (s && s.offlineSince === null) core.endSession(s);
      res.skipped++;
    }
  }
  return res;
}
