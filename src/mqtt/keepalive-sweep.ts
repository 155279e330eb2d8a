// Keep Alive [MQTT-3.1.2-24] and Mqtt.StallTimeout, by deadline: one timer, armed for the
// earliest moment a connected client can be due (its last byte + 1.5x its keep-alive), not a
// walk over every client every 250 ms (a wake-up the latency tail felt, and with tens of
// thousands of idle connections a walk that cost milliseconds). A client's deadline only
// moves later as it sends, so the earliest deadline a walk saw is never after a real one; a
// client that connects arms the timer for its own deadline when that is earlier. While the
// stall timeout is on, every client's unsent bytes are sampled every STALL_SAMPLE_MS (a
// client counts as stalled from the first sample that sees its bytes not going down).
import { RC } from "./codes.ts";
import type { Connection } from "./connection.ts";
import type { BrokerCore } from "./core.ts";

/** a client's unsent bytes are looked at this often while Mqtt.StallTimeout is on (at most) */
const stallSampleMs = (stallMs: number) => Math.min(1000, Math.max(250, stallMs / 8));

export class KeepaliveSweep {
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** when the timer fires (Infinity: not armed) */
  private at = Number.POSITIVE_INFINITY;
  private stopped = false;

  constructor(private readonly core: BrokerCore) {}

  /** a client was accepted: the timer comes no later than it can be due */
  watch(c: Connection): void {
    if (c.keepaliveMs > 0) this.arm(c.lastSeen + c.keepaliveMs * 1.5 + 1);
    const stall = this.core.opts.stallTimeoutMs ?? 0;
    if (stall > 0) this.arm(Date.now() + stallSampleMs(stall));
  }

  private arm(at: number): void {
    if (this.stopped || at >= this.at) return;
    if (this.timer !== null) clearTimeout(this.timer);
    this.at = at;
    this.timer = setTimeout(() => this.run(), Math.max(0, at - Date.now()));
    this.timer.unref();
  }

  /** close the clients that are due; arm the timer for the next one that can be */
  run(now = Date.now()): void {
    this.timer = null;
    this.at = Number.POSITIVE_INFINITY;
    const stall = this.core.opts.stallTimeoutMs ?? 0;
    let next = Number.POSITIVE_INFINITY;
    for (const c of this.core.clients.values()) {
      if (c.keepaliveMs > 0) {
        const due = c.lastSeen + c.keepaliveMs * 1.5;
        if (now > due) {
          c.disconnect(RC.keepAliveTimeout);
          continue;
        }
        if (due + 1 < next) next = due + 1;
      }
      if (stall > 0) {
        if (c.stalled(now) > stall) {
          // it reads nothing of what waits for it (Mqtt.StallTimeout): its bytes are not kept for ever
          this.core.stalledClosed++;
          c.close();
          continue;
        }
        next = Math.min(next, now + stallSampleMs(stall));
      }
    }
    if (next !== Number.POSITIVE_INFINITY) this.arm(next);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}
