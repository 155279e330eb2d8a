// A connection's packets handled strictly in order: PUBLISHes pipeline (up to
// PIPELINE_LIMIT wait for the app's onPublish at once, finished in arrival order), any
// other packet waits until the publishes before it are done, and an async step (CONNECT's
// authentication) holds everything behind it. Too long a backlog pauses reading.
// A packet that need not wait is handled at once (takeInOrder); an InboundOrder, the
// backlog, is made only while one must, and let go once it is empty again: an idle
// connection keeps none.
import type { Packet } from "mqtt-packet";
import { RC } from "./codes.ts";
import type { Connection } from "./connection.ts";
import { dispatchPacket } from "./handlers/index.ts";
import { finishPublish, NO_PENDING, type PendingPublish, startPublish } from "./handlers/publish.ts";

/** publishes awaiting onPublish at once before we stop taking new ones */
const PIPELINE_LIMIT = 1024;
const BACKLOG_PAUSE = 4096;

/** a packet that passed the connection's checks: handled now, or behind what waits */
export function takeInOrder(c: Connection, p: Packet): void {
  const o = c.order;
  if (o !== null && (o.waiting || o.backlog.length > 0)) return o.take(p);
  handle(c, p);
}

/** A pipelined publish finished its hook: finish everything ready at the head, in order. */
export function publishSettled(c: Connection): void {
  const pending = c.pendingPubs;
  while (pending.length > 0 && (pending[0] as PendingPublish).settled) {
    finishPublish(c, pending.shift() as PendingPublish);
  }
  if (pending.length === 0) c.pendingPubs = NO_PENDING; // none awaits: an idle connection keeps no list
  const o = c.order;
  if (o !== null && (pending.length === 0 || o.backlog.length > 0)) o.resume();
}

function orderOf(c: Connection): InboundOrder {
  let o = c.order;
  if (o === null) c.order = o = new InboundOrder(c);
  return o;
}

function handle(c: Connection, p: Packet): void {
  if (p.cmd === "publish") {
    if (c.pendingPubs.length >= PIPELINE_LIMIT) return orderOf(c).enqueue(p);
    return startPublish(c, p);
  }
  if (c.pendingPubs.length > 0) return orderOf(c).enqueue(p); // keep order behind publishes awaiting the app
  try {
    const r = dispatchPacket(c, p);
    if (r) holdUntil(c, r);
  } catch (e) {
    c.core.log.error(`handler for ${p.cmd} failed`, e);
    c.protocolClose(RC.unspecifiedError);
  }
}

/**
 * An async step (CONNECT's authentication) holds what comes after it. Apart from `handle`,
 * which runs for every packet: a closure there would make each call allocate its scope.
 */
function holdUntil(c: Connection, r: Promise<void>): void {
  const o = orderOf(c);
  o.waiting = true;
  r.then(
    () => o.resume(),
    (e: unknown) => {
      c.core.log.error("handler failed", e);
      c.protocolClose(RC.unspecifiedError);
    },
  );
}

export class InboundOrder {
  readonly backlog: Packet[] = [];
  /** QoS 1/2 publishes waiting in the backlog (they count against Receive Maximum) */
  queuedQos = 0;
  /** an async step (CONNECT's authentication) holds everything behind it */
  waiting = false;
  private readingPaused = false;

  constructor(private readonly c: Connection) {}

  take(p: Packet): void {
    this.enqueue(p);
    if (this.backlog.length > BACKLOG_PAUSE && !this.readingPaused) {
      this.readingPaused = true;
      this.c.transport.pauseReading();
    }
  }

  enqueue(p: Packet): void {
    this.backlog.push(p);
    if (p.cmd === "publish" && p.qos > 0) this.queuedQos++;
  }

  resume(): void {
    const c = this.c;
    this.waiting = false;
    while (this.backlog.length > 0 && !this.waiting && c.state !== "closed") {
      const p = this.backlog[0] as Packet;
      if (p.cmd !== "publish" && c.pendingPubs.length > 0) break;
      if (p.cmd === "publish" && c.pendingPubs.length >= PIPELINE_LIMIT) break;
      this.backlog.shift();
      if (p.cmd === "publish" && p.qos > 0) this.queuedQos--;
      handle(c, p);
    }
    if (this.readingPaused && this.backlog.length < BACKLOG_PAUSE / 2) {
      this.readingPaused = false;
      c.transport.resumeReading();
    }
    // nothing waits any more: the connection lets its order go (made again when needed)
    if (this.backlog.length === 0 && !this.waiting && !this.readingPaused && c.order === this) c.order = null;
  }

  /** the connection closed: nothing waiting is handled any more */
  clear(): void {
    this.backlog.length = 0;
    this.queuedQos = 0;
  }
}
