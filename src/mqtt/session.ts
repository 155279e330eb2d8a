// Session state that outlives a network connection: subscriptions, outbound QoS 1/2
// in flight, the queue of messages waiting for a slot, and inbound QoS 2 packet ids.
// Kept in memory; state.ts copies persistent sessions out and back in across restarts.
import type { Connection } from "./connection.ts";
import type { DeliveryTarget } from "./hooks.ts";
import type { Delivery, Subscription } from "./types.ts";
import type { SessionAway } from "./session-away.ts";
import type { SessionDecisions } from "./decisions.ts";
import { deliveryCost, type SessionEnv } from "./session-limits.ts";
import { type InflightView, InflightTable } from "./inflight.ts";

export interface Outbound {
  delivery: Delivery;
  /** "publish": waiting for PUBACK/PUBREC; "pubrel": PUBREL sent, waiting for PUBCOMP */
  state: "publish" | "pubrel";
}

/** the messages waiting for a slot: items[head...], and the bytes they count for (deliveryCost) */
interface Queue {
  items: Delivery[];
  head: number;
  bytes: number;
}
/** shared and empty, never written (frozen): no message waits (most sessions, always) */
const NO_QUEUE: Queue = Object.freeze({ items: Object.freeze([]) as unknown as Delivery[], head: 0, bytes: 0 });
// shared and empty, never written: what a session that never subscribed, never had a QoS 1/2
// message in flight, or never got a QoS 2 publish shows (most idle devices: no Map of their own)
const NO_SUBSCRIPTIONS: ReadonlyMap<string, Subscription> = new Map();
const NO_INFLIGHT: InflightView<Outbound> = new InflightTable();
const NO_IDS: ReadonlySet<number> = new Set();

export class Session {
  conn: Connection | null = null;
  /** the identity (from the authenticate hook) of the client that last held it; undefined = anonymous */
  owner: string | undefined = undefined;
  /** the app's record (AuthResult.meta) of the client that last held it: offline deliveries are decided with it */
  meta: unknown = undefined;
  /** what the deliver hook is asked about, rebuilt only when the owner or the connection changed */
  deliveryTarget: DeliveryTarget | null = null;
  /** the app's answers kept for this session (decisions.ts); null until the first is asked */
  decisions: SessionDecisions | null = null;
  /** made on the first subscription / message in flight / QoS 2 id (null: none ever, the shared empty one shows) */
  private subs: Map<string, Subscription> | null = null;
  private flying: InflightTable<Outbound> | null = null;
  private qos2: Set<number> | null = null;
  /** session expiry in ms; 0 ends with the connection, Infinity never */
  expiryMs = 0;
  /** when the client went away (ms epoch); null while connected */
  offlineSince: number | null = null;
  /** its expiry timer and delayed will (session-away.ts); null while there are none (a connected session) */
  away: SessionAway | null = null;
  /** whose quota its queued bytes count against: the owner, or for anonymous clients their address */
  quotaKey = "";
  /** the quota key it counts against as a persistent session; null while it is not one */
  persistentKey: string | null = null;
  /** moves whenever its queue, messages in flight or subscriptions change (what a saver compares) */
  changes = 0;
  /** NO_QUEUE (shared, never written) until the first message is queued: idle sessions keep no array */
  private q: Queue = NO_QUEUE;
  private nextPid = 1;

  constructor(
    readonly id: string,
    private readonly env: SessionEnv,
  ) {}

  get subscriptions(): ReadonlyMap<string, Subscription> {
    return this.subs ?? NO_SUBSCRIPTIONS;
  }

  /** outbound QoS 1/2 messages sent and not yet acknowledged, by packet id */
  get inflight(): InflightView<Outbound> {
    return this.flying ?? NO_INFLIGHT;
  }

  /** inbound QoS 2 packet ids received but not yet released by PUBREL */
  get inboundQos2(): ReadonlySet<number> {
    return this.qos2 ?? NO_IDS;
  }

  /** keep a subscription (replacing one of the same filter); the one replaced */
  setSubscription(raw: string, sub: Subscription): Subscription | undefined {
    const m = (this.subs ??= new Map());
    const old = m.get(raw);
    m.set(raw, sub);
    return old;
  }

  /** drop a subscription; the one dropped */
  deleteSubscription(raw: string): Subscription | undefined {
    const old = this.subs?.get(raw);
    if (old) this.subs?.delete(raw);
    return old;
  }

  /** drop every subscription, in-flight message and QoS 2 id (the session ends) */
  clearState(): void {
    this.subs = null;
    this.flying = null;
    this.qos2 = null;
  }

  /** put an in-flight message back (restored state) */
  restoreInflight(pid: number, o: Outbound): void {
    (this.flying ??= new InflightTable()).set(pid, o);
  }

  /** an inbound QoS 2 packet id was received (held until its PUBREL) */
  addInboundQos2(pid: number): void {
    (this.qos2 ??= new Set()).add(pid);
  }

  /** its PUBREL came (or the exchange ended): false when it was not held */
  releaseInboundQos2(pid: number): boolean {
    return this.qos2?.delete(pid) ?? false;
  }

  get queued(): number {
    return this.q.items.length - this.q.head;
  }

  /** bytes its queued messages count for (deliveryCost) */
  get queuedBytes(): number {
    return this.q.bytes;
  }

  /** Hand one message to this session: send now, queue, or drop by policy. */
  deliver(d: Delivery): void {
    const c = this.conn;
    if (!c?.isConnected()) {
      if (d.qos === 0) {
        this.env.counters.droppedQos0++; // QoS 0 is not kept for offline sessions
        return;
      }
      return this.enqueue(d);
    }
    if (this.queued > 0) return this.enqueue(d); // keep order behind what already waits
    if (d.qos === 0) {
      if (c.congested()) return this.enqueue(d);
      c.sendPublish(d, 0, false);
      return;
    }
    if (this.flying !== null && this.flying.size >= c.limits.receiveMaximum) return this.enqueue(d);
    this.sendInflight(c, d);
  }

  private enqueue(d: Delivery): void {
    if (this.queued >= this.env.maxQueued) {
      if (d.qos === 0) {
        this.env.counters.droppedQos0++;
        return;
      }
      const old = this.q.items[this.q.head] as Delivery; // drop the oldest
      this.shift();
      if (old.qos === 0) this.env.counters.droppedQos0++;
      else this.env.counters.droppedQueued++;
    }
    const cost = deliveryCost(d);
    if (this.env.budget && !this.env.budget.take(this.quotaKey, cost)) return; // past Mqtt.MaxQueuedBytes*: dropped, counted there
    this.changes++;
    this.push(d, cost);
  }

  private push(d: Delivery, cost: number): void {
    if (this.q === NO_QUEUE) this.q = { items: [], head: 0, bytes: 0 };
    this.q.items.push(d);
    this.q.bytes += cost;
  }

  /** count its queued bytes against another owner's quota (the session changed hands) */
  setQuotaKey(key: string): void {
    if (key === this.quotaKey) return;
    if (this.env.budget && this.q.bytes > 0) this.env.budget.move(this.quotaKey, key, this.q.bytes);
    this.quotaKey = key;
  }

  private sendInflight(c: Connection, d: Delivery): void {
    const pid = this.allocPid();
    if (pid === 0) return this.enqueue(d);
    if (!c.sendPublish(d, pid, false)) return; // expired or too large for this client: dropped
    (this.flying ??= new InflightTable()).set(pid, { delivery: d, state: "publish" });
    this.changes++;
  }

  private allocPid(): number {
    for (let i = 0; i < 65535; i++) {
      const pid = this.nextPid;
      this.nextPid = pid === 65535 ? 1 : pid + 1;
      if (this.flying === null || !this.flying.has(pid)) return pid;
    }
    return 0;
  }

  /** Send queued messages while the connection has room. */
  pump(): void {
    const c = this.conn;
    while (c?.isConnected() && this.queued > 0) {
      const d = this.q.items[this.q.head] as Delivery;
      if (d.msg.expiresAt !== undefined && d.msg.expiresAt <= Date.now()) {
        this.env.counters.expired++;
        this.shift();
        continue;
      }
      if (d.qos === 0) {
        if (c.congested()) break;
        this.shift();
        c.sendPublish(d, 0, false);
        continue;
      }
      if (this.flying !== null && this.flying.size >= c.limits.receiveMaximum) break;
      this.shift();
      this.sendInflight(c, d);
    }
  }

  /** drop the oldest waiting message (only called while one waits: never on NO_QUEUE) */
  private shift(): void {
    this.changes++;
    const q = this.q;
    const head = q.items[q.head];
    if (head) {
      const cost = deliveryCost(head);
      q.bytes -= cost;
      this.env.budget?.give(this.quotaKey, cost);
    }
    q.head++;
    if (q.head > 1024 && q.head * 2 > q.items.length) {
      q.items = q.items.slice(q.head);
      q.head = 0;
    }
  }

  /** After reconnect: resend unacknowledged messages in order, DUP set [MQTT-4.4.0-1]. */
  resume(): void {
    const c = this.conn;
    if (!c) return;
    const flying = this.flying;
    if (flying)
      for (const [pid, o] of flying) {
        if (o.state === "pubrel") c.sendPacket({ cmd: "pubrel", messageId: pid });
        else if (!c.sendPublish(o.delivery, pid, true)) {
          flying.delete(pid);
          this.changes++;
        }
      }
    this.pump();
  }

  /** PUBACK or PUBCOMP: the slot is free. */
  complete(pid: number): boolean {
    const had = this.flying?.delete(pid) ?? false;
    if (had) this.changes++;
    if (had) this.pump();
    return had;
  }

  /** PUBREC: move to the release phase. */
  received(pid: number, failed: boolean): boolean {
    const o = this.flying?.get(pid);
    if (!o) return false;
    if (failed) {
      // a PUBREC with a failure reason ends the flow [MQTT-4.3.3-8 (v5)]
      this.complete(pid);
      return true;
    }
    o.state = "pubrel";
    this.changes++;
    return true;
  }

  /** The messages waiting for a slot, oldest first (a copy of the list). */
  queuedDeliveries(): Delivery[] {
    return this.q.items.slice(this.q.head);
  }

  /** Put saved state back: queue in order and the next packet id to use. */
  restore(queue: Delivery[], nextPid: number): void {
    this.clearQueue();
    for (const d of queue.slice(0, this.env.maxQueued)) {
      const cost = deliveryCost(d);
      if (this.env.budget && !this.env.budget.take(this.quotaKey, cost)) continue;
      this.push(d, cost);
    }
    if (Number.isInteger(nextPid) && nextPid >= 1 && nextPid <= 65535) this.nextPid = nextPid;
  }

  get nextPacketId(): number {
    return this.nextPid;
  }

  clearQueue(): void {
    this.changes++;
    this.env.budget?.give(this.quotaKey, this.q.bytes);
    this.q = NO_QUEUE;
  }
}
