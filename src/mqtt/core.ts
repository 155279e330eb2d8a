// Broker state shared by every connection: sessions, the subscription tries,
// retained messages, routing, session attach/detach, wills and counters.
import type { BrokerHooks, ClientRef } from "./hooks.ts";
import type { Logger } from "../lib/log.ts";
import type { Connection } from "./connection.ts";
import type { Delivery, Message, QoS, Subscription } from "./types.ts";
import { RC } from "./codes.ts";
import { RetainedStore } from "./retained.ts";
import { Session } from "./session.ts";
import { SessionBudget, type SessionEnv } from "./session-limits.ts";
import { ConnectionBudget } from "./connection-limits.ts";
import { TopicTrie } from "./topics.ts";
import { routeShared } from "./shared-route.ts";
import { RouteCache, type Target } from "./route-targets.ts";
import { DecisionCache } from "./decisions.ts";
import type { CoreCounters, CoreOptions } from "./core-types.ts";
import { longTimeout } from "../lib/long-timeout.ts";
import { publishWill } from "./will.ts";
import { ConnectedClients } from "./connected-clients.ts";
import type { UnauthCharge } from "./unauth-budget.ts";
import { SessionTable } from "./session-table.ts";
import { awayState, cancelAway } from "./session-away.ts";
import { KeepaliveSweep } from "./keepalive-sweep.ts";

export class BrokerCore {
  /** by client id (session-table.ts: consulted at CONNECT, takeover and the end of a session; a delivery goes through its subscription) */
  readonly sessions = new SessionTable();
  /** the connected ones by client id, read from `sessions` (connected-clients.ts) */
  readonly clients = new ConnectedClients(this.sessions);
  /** connections whose CONNECT was not accepted yet (the accepted ones are in `clients`: one table entry each, not two) */
  readonly unconnected = new Map<Connection, UnauthCharge>();
  /** connections open now, accepted or not (the broker's share of file descriptors) */
  openConnections = 0;
  readonly retained = new RetainedStore();
  readonly stats: CoreCounters = {
    messagesIn: 0,
    messagesOut: 0,
    bytesIn: 0,
    bytesOut: 0,
    droppedQos0: 0,
    droppedQueued: 0,
    droppedTooLarge: 0,
    expired: 0,
    retainedRefused: 0,
  };
  shuttingDown = false;
  /** bytes held now by connections whose CONNECT was not accepted yet (see Connection.charge) */
  unauthenticatedBytes = 0;
  /** connections refused because the unauthenticated budget was spent */
  refusedUnauthenticated = 0;
  /** clients closed because they read nothing for Mqtt.StallTimeout */
  stalledClosed = 0;
  readonly subs = new TopicTrie<Subscription>();
  readonly shared = new TopicTrie<Subscription>();
  readonly rr = new Map<string, number>();
  /** each topic's targets, kept until the subscriptions change (never change `subs` but through the methods below) */
  private readonly routes = new RouteCache();
  /** the app's publish and deliver answers, kept per session (decisions.ts) */
  readonly decisions: DecisionCache;
  /** persistent sessions and queued bytes per owner and in all (session-limits.ts) */
  readonly budget: SessionBudget;
  /** connections per address, per key and in all (connection-limits.ts) */
  readonly conns: ConnectionBudget;
  /** Keep Alive and the stall timeout, by deadline (keepalive-sweep.ts) */
  readonly sweep = new KeepaliveSweep(this);
  /** what every session shares (made with the first) */
  private sessionEnv: SessionEnv | undefined;

  constructor(
    /** the app's answers; replaced once by Broker.setHooks before anyone connects */
    public hooks: BrokerHooks,
    readonly log: Logger,
    readonly opts: CoreOptions,
  ) {
    if (opts.retained) this.retained.limits = opts.retained;
    this.budget = new SessionBudget(opts.sessionLimits);
    this.conns = new ConnectionBudget(opts.connectionLimits);
    this.decisions = new DecisionCache(log);
  }

  /** a new, empty session counted against the session budget */
  newSession(id: string): Session {
    this.sessionEnv ??= { maxQueued: this.opts.maxQueuedMessages, counters: this.stats, budget: this.budget };
    return new Session(id, this.sessionEnv);
  }

  /** count `s` as a persistent session of `key`, or (null) as none */
  private setPersistent(s: Session, key: string | null): void {
    if (s.persistentKey === key) return;
    if (s.persistentKey !== null) this.budget.addPersistent(s.persistentKey, -1);
    if (key !== null) this.budget.addPersistent(key, 1);
    s.persistentKey = key;
  }

  get subscriptionCount(): number {
    return this.subs.size + this.shared.size;
  }

  assignClientId(): string {
    // 23 characters or fewer, letters and digits only: valid even for strict 3.1.1 peers
    return `neo${crypto.randomUUID().replaceAll("-", "").slice(0, 20)}`;
  }

  /** Bind a connection to its session: takeover, clean start, resume. */
  attach(
    c: Connection,
    clientId: string,
    cleanStart: boolean,
    expiryMs: number,
  ): { session: Session; present: boolean } | null {
    // whose quota: the key it authenticated as, else (anonymous) its address
    const key = c.client?.identity ?? `address:${c.transport.peer.remoteAddress}`;
    const old = this.sessions.get(clientId);
    // one more persistent session (not the resumption of one this owner already has)?
    const resumes = old !== undefined && !cleanStart && old.persistentKey === key;
    if (expiryMs > 0 && !resumes && !this.budget.mayPersist(key)) return null;
    const live = old?.conn;
    if (live && live !== c) live.disconnect(RC.sessionTakenOver); // [MQTT-3.1.4-3]
    let s = this.sessions.get(clientId);
    if (s && cleanStart) {
      this.endSession(s); // [MQTT-3.1.2-4] Clean Start discards the old session
      s = undefined;
    }
    const present = s !== undefined; // [MQTT-3.2.2-2, MQTT-3.2.2-3]
    // back before it expired or its will's delay ran out: neither happens
    if (s) cancelAway(s);
    else {
      s = this.newSession(clientId);
      this.sessions.set(s);
    }
    s.expiryMs = expiryMs;
    s.setQuotaKey(key);
    this.setPersistent(s, expiryMs > 0 ? key : null);
    s.offlineSince = null;
    s.owner = c.client?.identity;
    s.meta = c.client?.meta;
    s.conn = c;
    c.session = s;
    return { session: s, present };
  }

  connected(c: Connection): void {
    // counted against its key's cap until it goes (Connection.teardown)
    if (c.client?.identity !== undefined) this.conns.addClient(c.client.identity, 1);
    c.releaseCharge();
    c.connectedAt = Date.now();
    this.clients.connected();
    this.sweep.watch(c);
    if (c.client) this.callHook("onConnect", () => this.hooks.onConnect?.(c.client as ClientRef));
  }

  /** The connection (connected until now) is gone: will, session expiry, hooks. */
  detach(c: Connection, abnormal: boolean): void {
    this.clients.gone();
    const s = c.session;
    if (!s || s.conn !== c) return;
    s.conn = null;
    // the answers kept were about this connection (their target holds it: the Connection is the
    // client): the next are about the session without it, so an offline session keeps no Connection
    s.deliveryTarget = null;
    s.decisions = null;
    const client = c.client;
    if (client) this.callHook("onDisconnect", () => this.hooks.onDisconnect?.(client));
    const will = c.will;
    c.will = null;
    if (will && abnormal && client && !this.shuttingDown) {
      if (will.delayMs > 0 && s.expiryMs > 0) {
        // v5 Will Delay Interval: wait, unless the session comes back or ends first
        const away = awayState(s);
        away.pendingWill = will;
        away.willTimer = longTimeout(Math.min(will.delayMs, s.expiryMs), () => {
          away.willTimer = null;
          const w = away.pendingWill;
          away.pendingWill = null;
          if (w) publishWill(this, client, w);
        });
      } else {
        publishWill(this, client, will); // [MQTT-3.1.2-8]
      }
    }
    if (s.expiryMs === 0) this.endSession(s);
    else this.park(s, Date.now(), s.expiryMs);
  }

  /** Keep a session whose client is away (since `since`) for `leftMs` more, then end it. */
  park(s: Session, since: number, leftMs: number): void {
    s.offlineSince = since;
    if (!this.sessions.has(s.id)) {
      // a restored one joins here: it counts, though it was let in before the caps
      this.sessions.set(s);
      if (s.persistentKey === null) this.setPersistent(s, s.quotaKey);
    }
    if (Number.isFinite(leftMs))
      awayState(s).expiryTimer = longTimeout(Math.max(0, leftMs), () => {
        this.budget.counts.expiredSessions++;
        this.endSession(s);
      });
  }

  endSession(s: Session): void {
    const w = cancelAway(s);
    for (const sub of s.subscriptions.values()) this.untrack(sub);
    s.clearState(); // subscriptions, in flight, QoS 2 ids
    s.decisions = null;
    s.clearQueue();
    this.setPersistent(s, null);
    this.sessions.delete(s); // only this one (not a newer session under the same id)
    if (w && !this.shuttingDown)
      publishWill(
        this,
        {
          id: s.id,
          protocolVersion: 5,
          peer: { transport: "tcp", remoteAddress: "" },
          ...(s.owner !== undefined ? { identity: s.owner } : {}),
        },
        w,
      );
  }

  addSubscription(s: Session, sub: Subscription): boolean {
    s.changes++;
    this.routes.clear();
    sub.session = s;
    const old = s.setSubscription(sub.raw, sub);
    if (old) this.untrack(old);
    if (sub.group !== undefined) this.shared.set(sub.filter, `${sub.group}\u0000${sub.clientId}`, sub);
    else this.subs.set(sub.filter, sub.clientId, sub);
    return old === undefined;
  }

  removeSubscription(s: Session, raw: string): boolean {
    s.changes++;
    const sub = s.deleteSubscription(raw);
    if (!sub) return false;
    this.untrack(sub);
    return true;
  }

  private untrack(sub: Subscription): void {
    this.routes.clear();
    if (sub.group !== undefined) this.shared.delete(sub.filter, `${sub.group}\u0000${sub.clientId}`);
    else this.subs.delete(sub.filter, sub.clientId);
  }

  /** the app's per-message check (kept per session and topic); true when it has none */
  mayDeliver(s: Session, topic: string): boolean {
    return this.decisions.mayDeliver(s, topic, this.hooks);
  }

  sendRetained(s: Session, sub: Subscription): void {
    for (const m of this.retained.matching(sub.filter)) {
      if (!this.mayDeliver(s, m.topic)) continue;
      const d: Delivery = { msg: m, qos: Math.min(m.qos, sub.qos) as QoS, retain: true }; // [MQTT-3.3.1-8]
      if (sub.subscriptionId !== undefined) d.subscriptionIds = [sub.subscriptionId];
      s.deliver(d);
    }
  }

  /** An accepted message enters the broker: retain, then route. */
  ingest(msg: Message, owner?: string): void {
    if (msg.retain) this.retained.set(msg, owner);
    this.route(msg);
  }

  /** every (non-shared) target of a message, one per client */
  targets(msg: Message): readonly Target[] {
    return this.routes.targets(this.subs, msg);
  }

  route(msg: Message): void {
    const targets = this.routes.targets(this.subs, msg);
    for (let i = 0; i < targets.length; i++) this.deliverTo(targets[i] as Target, msg);
    if (this.shared.size > 0) routeShared(this.shared, this.rr, this.mayDeliverTo, msg);
  }

  /** mayDeliver for shared routing, made once: an arrow in route() would make every call allocate its scope */
  private readonly mayDeliverTo = (s: Session, topic: string): boolean => this.mayDeliver(s, topic);

  private deliverTo(t: Target, msg: Message): void {
    const s = t.sub.session; // its own session (set by addSubscription; a session that ends takes its subscriptions out)
    if (!s || !this.mayDeliver(s, msg.topic)) return;
    const d: Delivery = { msg, qos: Math.min(msg.qos, t.qos) as QoS, retain: t.rap ? msg.retain : false }; // [MQTT-3.3.1-12]
    if (t.ids) d.subscriptionIds = t.ids;
    s.deliver(d);
  }

  private callHook(name: string, fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.log.error(`${name} hook failed`, e);
    }
  }
}
