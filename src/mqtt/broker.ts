// The public broker: listeners, the WebSocket handler, app-side publish, admin
// disconnect, stats and shutdown. State and routing live in BrokerCore.
import type { WebSocketHandler } from "bun";
import { ingestSpellings } from "./spellings.ts";
import type { AppPublish, BrokerOptions, BrokerStats, ClientDetails } from "./broker-types.ts";
import { clientDetailsOf, statsOf, sysSnapshot } from "./broker-views.ts";
import type { BrokerHooks, ClientRef, PeerCert } from "./hooks.ts";
import type { Message } from "./types.ts";
import { createLogger } from "../lib/log.ts";
import { buildInfo } from "../lib/build-info.ts";
import { type Periodic, staggeredInterval } from "../lib/staggered.ts";
import { BrokerCore } from "./core.ts";
import { peerInfo } from "./peer.ts";
import { listenSocket, type ListenOptions, type Listening } from "./listeners.ts";
import { createWsHandler, type WsData } from "./websocket.ts";
import { listenWebSocket } from "./ws-listener.ts";
import { sysMessages } from "./sys.ts";
import { RC } from "./codes.ts";
import { HIGH_WATER } from "./transport.ts";
import {
  exportSession,
  exportState,
  queueOf,
  importState,
  type BrokerState,
  type ImportResult,
  type SavedSession,
  sessionMark,
} from "./state.ts";

/** After a close before the app's hooks came: nobody gets in. */
const NO_DOOR: BrokerHooks = {
  authenticate: () => ({ ok: false, reasonCode: RC.serverUnavailable, reason: "the gateway is stopping" }),
  authorizePublish: () => false,
  authorizeSubscribe: () => false,
  authorizeDeliver: () => false,
};

/** Until the app's hooks come a CONNECT waits for them (nothing else is asked before one succeeds). */
const waitFor = (opened: Promise<void>, hooks: () => BrokerHooks): BrokerHooks => ({
  ...NO_DOOR,
  authenticate: (req) => opened.then(() => hooks().authenticate(req)),
});

/**
 * `M` is what the app keeps on each session (AuthResult.meta): the hooks and the client
 * lists are typed with it; the broker core itself only carries it along.
 */
export class Broker<M = unknown> {
  readonly websocket: WebSocketHandler<WsData>;
  private readonly core: BrokerCore;
  private readonly listeners = new Set<Listening>();
  private readonly startedAt = Date.now();
  private readonly sysTimer: Periodic | null = null;
  private closed: Promise<void> | null = null;
  private hooked: boolean;

  /** resolved by setHooks: a CONNECT that came before (the listener may be up first) waits for it */
  private readonly doorOpen = Promise.withResolvers<void>();

  constructor(opts: BrokerOptions<M>) {
    this.hooked = opts.hooks !== undefined;
    const waiting = waitFor(this.doorOpen.promise, () => this.core.hooks);
    this.core = new BrokerCore(opts.hooks ?? waiting, opts.log ?? createLogger("mqtt"), {
      maxPacketSize: opts.maxPacketSize ?? 1024 * 1024,
      maxConnectSize: opts.maxConnectSize ?? 64 * 1024,
      maxUnauthenticatedBytes: opts.maxUnauthenticatedBytes ?? 16 * 1024 * 1024,
      maxKeepAlive: opts.maxKeepAlive ?? 65_535,
      ...(opts.retained ? { retained: opts.retained } : {}),
      connectTimeoutMs: opts.connectTimeoutMs ?? 10_000,
      maxQueuedMessages: opts.maxQueuedMessages ?? 1000,
      outboundHighWater: HIGH_WATER / 4,
      ...(opts.sessions ? { sessionLimits: opts.sessions } : {}),
      ...(opts.connections ? { connectionLimits: opts.connections } : {}),
      ...(opts.stallTimeoutMs ? { stallTimeoutMs: opts.stallTimeoutMs } : {}),
    });
    this.websocket = createWsHandler(this.core);
    const sysMs = opts.sysIntervalMs ?? 10_000;
    if (sysMs > 0) {
      this.sysTimer = staggeredInterval(() => this.publishSys(), sysMs);
      this.publishSys();
    }
  }

  /**
   * Install the app's hooks (once): the parts that answer them may need the broker
   * themselves (to publish replies), so they are made after it, then plugged in here.
   */
  setHooks(hooks: BrokerHooks<M>): void {
    if (this.hooked) throw new Error("the broker's hooks are already set");
    this.hooked = true;
    this.core.hooks = hooks; // the core carries the meta along without looking at it
    this.core.decisions.changed();
    this.doorOpen.resolve();
  }

  /** The app's answers may have changed: every answer kept (BrokerHooks.decisionsUntil) is dropped. */
  decisionsChanged(): void {
    this.core.decisions.changed();
  }

  async listen(o: ListenOptions): Promise<Listening> {
    const stopped = (x: Listening) => this.listeners.delete(x);
    const l = o.websocket ? listenWebSocket(this.core, o, stopped) : listenSocket(this.core, o, stopped);
    this.listeners.add(l);
    return l;
  }

  wsData(peer: { transport: "ws" | "wss"; remoteAddress: string; cert?: PeerCert; listener?: string }): WsData {
    return {
      peer: peerInfo(peer.transport, peer.remoteAddress, peer.listener, peer.cert),
      conn: null,
      transport: null,
    };
  }

  /** Publish from the application (replies, $SYS): no authorization, no onPublish. */
  publish(m: AppPublish): void {
    if (m.also) ingestSpellings(this.core, this.appMessage(m), undefined, m.also);
    else this.core.ingest(this.appMessage(m));
  }

  /**
   * Deliver to ONE client's session only, whatever it subscribed to (replies to a
   * request: nobody else sees them). False when the client has no session.
   */
  publishTo(clientId: string, m: AppPublish): boolean {
    const s = this.core.sessions.get(clientId);
    if (!s) return false;
    const msg = this.appMessage(m);
    s.deliver({ msg, qos: msg.qos, retain: false });
    return true;
  }

  private appMessage(m: AppPublish): Message {
    const msg: Message = {
      topic: m.topic,
      payload: typeof m.payload === "string" ? Buffer.from(m.payload) : m.payload,
      qos: m.qos ?? 0,
      retain: m.retain ?? false,
    };
    if (m.properties) {
      msg.properties = m.properties;
      const exp = m.properties.messageExpiryInterval;
      if (exp !== undefined) msg.expiresAt = Date.now() + exp * 1000;
    }
    return msg;
  }

  clients(): ClientRef<M>[] {
    const out: ClientRef<M>[] = [];
    for (const c of this.core.clients.values()) if (c.client) out.push(c.client as ClientRef<M>);
    return out;
  }

  /**
   * Bytes written to clients and not yet read by them, in all and of one identity's
   * connections (`identity` undefined: only `clientId`'s), for the db/query answer budget.
   */
  outboundBytes(identity: string | undefined, clientId: string): { total: number; mine: number } {
    let total = 0;
    let mine = 0;
    for (const c of this.core.clients.values()) {
      const n = c.pendingBytes();
      total += n;
      if (identity !== undefined ? c.client?.identity === identity : c.clientId === clientId) mine += n;
    }
    return { total, mine };
  }

  /** Every connected client with its own counters (a copy: for the console, not the hot path). */
  clientDetails(): ClientDetails<M>[] {
    return clientDetailsOf<M>(this.core);
  }

  /** The connected client with this MQTT client id: one lookup, no copy of the client list. */
  client(clientId: string): ClientRef<M> | undefined {
    return (this.core.clients.get(clientId)?.client ?? undefined) as ClientRef<M> | undefined;
  }

  /**
   * Does a session (connected or not) exist under this client id, and whose is it?
   * `{ owner: undefined }` is an anonymous client's session; undefined means no session.
   */
  session(clientId: string): { owner: string | undefined; connected: boolean } | undefined {
    const s = this.core.sessions.get(clientId);
    return s ? { owner: s.owner, connected: s.conn !== null } : undefined;
  }

  /** Retained messages and persistent sessions as plain data, to keep across a restart. */
  exportState(): BrokerState {
    return exportState(this.core);
  }

  /** Load what exportState() gave, before listening. Throws only for a state of another version. */
  importState(state: BrokerState): ImportResult {
    return importState(this.core, state);
  }

  /**
   * The persistent sessions now, each with a mark that changes whenever its saved form
   * would (for a saver that writes only what changed) and its saved form (messages not copied).
   */
  *persistentSessions(): Generator<{
    id: string;
    mark: string;
    /** the saved form without its queue (queue(): the live deliveries, not copied; read them at once) */
    save(now: number): SavedSession;
    queue(): readonly SavedSession["queue"][number][];
  }> {
    for (const s of this.core.sessions.values()) {
      if (s.expiryMs <= 0) continue;
      yield {
        id: s.id,
        mark: sessionMark(s),
        save: (now) => exportSession(s, now, (m) => m, false),
        queue: () => queueOf(s),
      };
    }
  }

  /** retained messages now ($SYS left out), and a number that moves whenever they change */
  retainedNow(): { version: number; messages: Message[] } {
    return {
      version: this.core.retained.version,
      messages: [...this.core.retained.all(Date.now())].filter((m) => !m.topic.startsWith("$SYS/")),
    };
  }

  /** A number that changes whenever clients did anything (for "save only when changed"). */
  activity(): number {
    const s = this.core.stats;
    return s.bytesIn + s.messagesOut + this.core.sessions.size + this.core.retained.size;
  }

  /** Client ids and owners of the sessions whose client is not connected. */
  *offlineSessions(): Generator<{ clientId: string; owner: string | undefined; meta: M | undefined }> {
    for (const s of this.core.sessions.values())
      if (s.conn === null) yield { clientId: s.id, owner: s.owner, meta: s.meta as M | undefined };
  }

  /**
   * End a session whose client is not connected, as if it had expired: its queued
   * messages are dropped and a delayed will goes out now (v5 3.1.3.2.2: a will waits
   * for its delay or the end of the session). False when there is no such session or
   * its client is connected.
   */
  discardSession(clientId: string): boolean {
    const s = this.core.sessions.get(clientId);
    if (!s || s.conn !== null) return false;
    this.core.endSession(s);
    return true;
  }

  /** Throw a client out; v5 clients get DISCONNECT with the reason code first. */
  disconnect(clientId: string, reasonCode: number): boolean {
    const c = this.core.clients.get(clientId);
    if (!c) return false;
    c.disconnect(reasonCode);
    return true;
  }

  stats(): BrokerStats {
    return statsOf(this.core, this.startedAt);
  }

  close(o?: { reasonCode?: number }): Promise<void> {
    this.closed ??= this.shutdown(o?.reasonCode ?? RC.serverShuttingDown);
    return this.closed;
  }

  private async shutdown(reasonCode: number): Promise<void> {
    const core = this.core;
    core.shuttingDown = true;
    if (!this.hooked) {
      // closed before the app's hooks came (a start that failed): a waiting CONNECT is refused
      core.hooks = NO_DOOR;
      this.doorOpen.resolve();
    }
    core.sweep.stop();
    this.sysTimer?.stop();
    for (const c of [...core.unconnected.keys(), ...core.clients.values()]) {
      if (c.isConnected()) c.disconnect(reasonCode);
      else c.close();
    }
    for (const l of [...this.listeners]) l.stop();
    for (const s of [...core.sessions.values()]) {
      if (s.away) s.away.pendingWill = null;
      core.endSession(s);
    }
    await Promise.resolve();
  }

  private publishSys(): void {
    for (const [topic, value] of sysMessages(sysSnapshot(this.stats()), `neo ${buildInfo().version}`)) {
      this.publish({ topic, payload: value, retain: true });
    }
  }
}
