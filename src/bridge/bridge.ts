// One bridge: the uplink to an upstream broker. Local messages the app hands to
// forward() enter the SQLite queue (the caller's PUBACK waits for the commit) and leave
// it only when the upstream PUBACKed them. Messages from the upstream subscriptions go
// to deliver(), which the app checks against the bridge principal's scopes.
import { join } from "node:path";
import type { Logger } from "../lib/log.ts";
import { connectUpstream, type Incoming, type UpstreamClient } from "./client.ts";
import { openQueue, type BridgeQueue, type OfferResult, type OutMessage, type QueuedMessage } from "./queue.ts";
import { createDropLog } from "./drop-log.ts";
import { RateLimiter, RateMeter } from "./pacing.ts";
import { createRedial } from "./redial.ts";
import { UplinkError } from "./transport.ts";
import { connectOptions, localDelivery } from "./upstream-in.ts";
import type { BridgeSettings, BridgeStatus, LocalDelivery } from "./types.ts";

/** QoS 1 messages in flight at most, whatever the upstream allows */
const MAX_WINDOW = 1000;
/** rows read from the queue at a time */
const PEEK = 256;
const STATUS_EVERY_MS = 2000;

export interface BridgeDeps {
  settings: BridgeSettings;
  dataDir: string;
  /** publish an upstream message locally (the app checks the bridge's scopes) */
  deliver(m: LocalDelivery): { ok: true } | { ok: false; reason: string };
  log: Logger;
  /** called when the uplink connects or disconnects */
  onStateChange?(): void;
}

export interface Bridge {
  readonly name: string;
  /** queue a local message for the upstream; resolves after the commit */
  forward(m: OutMessage): Promise<OfferResult>;
  status(): BridgeStatus;
  start(): void;
  stop(): Promise<void>;
}

export function createBridge(deps: BridgeDeps): Bridge {
  const s = deps.settings;
  const log = deps.log;
  const tag = `bridge "${s.name}"`;
  const queue: BridgeQueue = openQueue(join(deps.dataDir, `bridge-${s.name}.db`), s.buffer);
  let client: UpstreamClient | null = null;
  let connecting = false;
  let stopped = true;
  let pumpTimer: ReturnType<typeof setTimeout> | undefined;
  let lastError = "";
  let connectedSince: number | null = null;
  // this connection's in-flight QoS 1 messages: packet id -> queue seq
  const inflight = new Map<number, number>();
  let lastSent = 0; // highest seq sent on this connection
  let nextId = 1;
  let window = MAX_WINDOW;
  let pumping = false;
  let pumpAfterCommit = false;
  let sentTotal = 0;
  let rejected = 0;
  let deliveredIn = 0;
  let deniedIn = 0;
  const meter = new RateMeter();
  const limiter = new RateLimiter(s.maxRate);
  let statusTimer: ReturnType<typeof setInterval> | undefined;
  let dropLogTimer: ReturnType<typeof setInterval> | undefined;

  const allocId = (): number => {
    for (let i = 0; i < 65535; i++) {
      const id = nextId;
      nextId = nextId >= 65535 ? 1 : nextId + 1;
      if (!inflight.has(id)) return id;
    }
    return 0;
  };

  const upstreamTopic = (m: QueuedMessage) => s.prefix + m.topic;

  /** send what the window, the rate limit and the socket allow */
  function pump(): void {
    if (!client || pumping) return;
    pumping = true;
    try {
      while (client && inflight.size < window && client.buffered() < 1 << 20) {
        const room = Math.min(PEEK, window - inflight.size, limiter.available(PEEK));
        if (room <= 0) {
          pumpTimer ??= setTimeout(() => {
            pumpTimer = undefined;
            pump();
          }, limiter.waitMs());
          break;
        }
        const rows = queue.peek(lastSent, room);
        if (rows.length === 0) break;
        for (const m of rows) {
          lastSent = m.seq;
          // a message larger than the upstream takes (v5 Maximum Packet Size) would get us
          // disconnected again and again: it is refused here, counted and logged
          const max = client.info.maximumPacketSize;
          if (max !== undefined && m.bytes + s.prefix.length + 16 > max) {
            queue.ack(m.seq);
            refuse(`${m.bytes + s.prefix.length} bytes, the upstream takes at most ${max}`);
            continue;
          }
          limiter.take(1);
          const qos = Math.min(m.qos, s.qos) as 0 | 1;
          const out = {
            topic: upstreamTopic(m),
            payload: m.payload,
            qos,
            retain: m.retain,
            ...(m.properties ? { properties: m.properties } : {}),
          };
          if (qos === 1) {
            const id = allocId();
            inflight.set(id, m.seq);
            client.publish({ ...out, messageId: id });
          } else {
            client.publish(out);
            queue.ack(m.seq);
            sentTotal++;
            meter.add(1);
          }
        }
      }
    } finally {
      pumping = false;
    }
  }

  function refuse(why: string): void {
    rejected++;
    if (rejected <= 10 || rejected % 1000 === 0)
      log.warn(`${tag}: upstream refused a message (${why}); ${rejected} refused so far`);
  }

  function onPuback(id: number, reasonCode: number): void {
    const seq = inflight.get(id);
    if (seq === undefined) return;
    inflight.delete(id);
    queue.ack(seq);
    if (reasonCode >= 0x80) {
      // the upstream will never take it (not authorized, topic invalid, ...): keeping it would block the queue
      rejected++;
      if (rejected <= 10 || rejected % 1000 === 0)
        log.warn(
          `${tag}: upstream refused a message with reason 0x${reasonCode.toString(16)} (${rejected} refused so far)`,
        );
    } else {
      sentTotal++;
      meter.add(1);
    }
    // refill in steps, not one row per PUBACK
    if (window - inflight.size >= Math.min(64, Math.max(1, window >> 2)) || inflight.size === 0) pump();
  }

  function onMessage(m: Incoming): void {
    const d = localDelivery(m, s.prefix);
    if (!d) return;
    const r = deps.deliver(d);
    if (r.ok) deliveredIn++;
    else {
      deniedIn++;
      log.warn(`${tag}: dropped a message from upstream on "${d.topic}": ${r.reason} (bridge Scopes)`);
    }
  }

  function onClosed(reason: string): void {
    client = null;
    connectedSince = null;
    inflight.clear();
    lastSent = 0;
    lastError = reason;
    if (pumpTimer) clearTimeout(pumpTimer);
    pumpTimer = undefined;
    if (stopped) return;
    deps.onStateChange?.();
    log.warn(`${tag}: disconnected from ${s.address}: ${reason}`);
    redial.failed(true);
  }

  const redial = createRedial({
    address: s.address,
    dial: () => void connect(),
    onWait: (ms) =>
      log.info(`${tag}: reconnecting in ${(ms / 1000).toFixed(1)} s (sooner if a TCP probe gets through)`),
  });

  async function connect(): Promise<void> {
    if (stopped || client || connecting) return;
    connecting = true;
    try {
      const c = await connectUpstream(connectOptions(s), { puback: onPuback, message: onMessage, closed: onClosed });
      if (stopped) {
        c.close();
        return;
      }
      client = c;
      redial.connected();
      connectedSince = Date.now();
      lastError = "";
      window = Math.max(1, Math.min(MAX_WINDOW, c.info.receiveMaximum));
      deps.onStateChange?.();
      queue.flush(); // acks of the last connection first, so nothing acked is sent again
      const st = queue.stats();
      log.info(
        `${tag}: connected to ${s.address} as "${s.clientId}" (session ${c.info.sessionPresent ? "resumed" : "new"}; ${st.messages} queued)`,
      );
      if (s.subscribe.length > 0) {
        const codes = await c.subscribe(s.subscribe.map((topic) => ({ topic, qos: s.qos })));
        codes.forEach((code, i) => {
          if (code >= 0x80)
            log.warn(`${tag}: upstream refused the subscription to "${s.subscribe[i]}" (0x${code.toString(16)})`);
        });
      }
      pump();
    } catch (e) {
      lastError = e instanceof Error ? e.message : String(e);
      log.warn(`${tag}: cannot connect to ${s.address}: ${lastError}`);
      redial.failed(e instanceof UplinkError && e.reached);
    } finally {
      connecting = false;
    }
  }

  function status(): BridgeStatus {
    const st = queue.stats();
    return {
      name: s.name,
      address: s.address,
      connected: client !== null,
      connectedSince,
      lastError,
      queuedMessages: st.messages,
      queuedBytes: st.bytes,
      oldestAgeSeconds: st.oldestAt === null ? null : Math.max(0, (Date.now() - st.oldestAt) / 1000),
      inflight: inflight.size,
      sentTotal,
      sentPerSecond: meter.perSecond(),
      dropped: st.dropped,
      rejectedByUpstream: rejected,
      receivedFromUpstream: deliveredIn,
      deniedFromUpstream: deniedIn,
      policy: s.buffer.policy,
      updatedAt: Date.now(),
    };
  }

  const logDrops = createDropLog(queue, s, log, tag);

  return {
    name: s.name,
    forward(m) {
      const r = queue.offer(m);
      // a committed message may go out at once; one pump per commit is enough
      if (!pumpAfterCommit) {
        pumpAfterCommit = true;
        r.finally(() => {
          pumpAfterCommit = false;
          pump();
        }).catch(() => {});
      }
      return r;
    },
    status,
    start() {
      if (!stopped) return;
      stopped = false;
      statusTimer = setInterval(() => {
        try {
          queue.writeStatus(status());
        } catch (e) {
          log.error(`${tag}: cannot write status`, e);
        }
      }, STATUS_EVERY_MS);
      dropLogTimer = setInterval(() => logDrops(), 1000);
      queue.writeStatus(status());
      void connect();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(statusTimer);
      clearInterval(dropLogTimer);
      redial.stop();
      if (pumpTimer) clearTimeout(pumpTimer);
      client?.close();
      client = null;
      queue.flush();
      logDrops(true);
      queue.writeStatus({ ...status(), connected: false, stopped: true });
      queue.close();
    },
  };
}
