// A connection's packets handled strictly in order: PUBLISHes pipeline (up to
// PIPELINE_LIMIT wait for the app's onPublish at once, finished in arrival order), any
// other packet waits until the publishes before it are done, and an async step (CONNECT's
// authentication) holds everything behind it. Too long a backlog pauses reading.
import type { Packet } from "mqtt-packet";
import { RC } from "./codes.ts";
import type { Connection } from "./connection.ts";
import { dispatchPacket } from "./handlers/index.ts";
import { finishPublish, type PendingPublish, startPublish } from "./handlers/publish.ts";

/** publishes awaiting onPublish at once before we stop taking new ones */
const PIPELINE_LIMIT = 1024;
const BACKLOG_PAUSE = 4096;

export class InboundOrder {
  private readonly backlog: Packet[] = [];
  /** QoS 1/2 publishes waiting in the backlog (they count against Receive Maximum) */
  queuedQos = 0;
  private waiting = false;
  private readingPaused = false;

  constructor(private readonly c: Connection) {}

  /** a packet that passed the connection's checks */
  take(p: Packet): void {
    if (this.waiting || this.backlog.length > 0) {
      this.enqueue(p);
      if (this.backlog.length > BACKLOG_PAUSE && !this.readingPaused) {
        this.readingPaused = true;
        this.c.transport.pauseReading();
      }
      return;
    }
    this.handle(p);
  }

  private enqueue(p: Packet): void {
    this.backlog.push(p);
    if (p.cmd === "publish" && p.qos > 0) this.queuedQos++;
  }

  private handle(p: Packet): void {
    const c = this.c;
    if (p.cmd === "publish") {
      if (c.pendingPubs.length >= PIPELINE_LIMIT) return this.enqueue(p);
      return startPublish(c, p);
    }
    if (c.pendingPubs.length > 0) return this.enqueue(p); // keep order behind publishes awaiting the app
    try {
      const r = dispatchPacket(c, p);
      if (r) {
        this.waiting = true;
        r.then(
          () => this.resume(),
          (e: unknown) => {
            c.core.log.error("handler failed", e);
            c.protocolClose(RC.unspecifiedError);
          },
        );
      }
    } catch (e) {
      c.core.log.error(`handler for ${p.cmd} failed`, e);
      c.protocolClose(RC.unspecifiedError);
    }
  }

  private resume(): void {
    const c = this.c;
    this.waiting = false;
    while (this.backlog.length > 0 && !this.waiting && c.state !== "closed") {
      const p = this.backlog[0] as Packet;
      if (p.cmd !== "publish" && c.pendingPubs.length > 0) break;
      if (p.cmd === "publish" && c.pendingPubs.length >= PIPELINE_LIMIT) break;
      this.backlog.shift();
      if (p.cmd === "publish" && p.qos > 0) this.queuedQos--;
      this.handle(p);
    }
    if (this.readingPaused && this.backlog.length < BACKLOG_PAUSE / 2) {
      this.readingPaused = false;
      c.transport.resumeReading();
    }
  }

  /** A pipelined publish finished its hook: finish everything ready at the head, in order. */
  publishSettled(): void {
    const pending = this.c.pendingPubs;
    while (pending.length > 0 && (pending[0] as PendingPublish).settled) {
      finishPublish(this.c, pending.shift() as PendingPublish);
    }
    if (pending.length === 0 || this.backlog.length > 0) this.resume();
  }

  /** Hold further packets until the given async step is done (CONNECT authentication). */
  hold(): void {
    this.waiting = true;
  }

  clear(): void {
    this.backlog.length = 0;
    this.queuedQos = 0;
  }
}
