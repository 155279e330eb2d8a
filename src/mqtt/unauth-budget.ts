// One connection's share of the broker's budget for connections whose CONNECT is not yet
// accepted (Mqtt.MaxUnauthenticatedBytes): what it holds is charged until the CONNECT is
// accepted or the connection is gone, so a flood of silent or slow connections is refused.
// Sockets that find the budget spent wait in admission.ts's line, charged there.
import type { BrokerCore } from "./core.ts";

/**
 * What a connection not yet accepted is charged against the broker's unauthenticated
 * budget besides the bytes it holds: its socket, objects and timers (so a flood of
 * silent connections spends the budget too).
 */
export const UNAUTHENTICATED_OVERHEAD = 4096;

/**
 * The first bytes a connection sends are covered by its overhead (the buffer they are read
 * into is part of it): a CONNECT of a usual size then never needs more room, so connections
 * admitted in a burst are not closed for the few bytes of their CONNECT.
 */
const INCLUDED_BYTES = 1024;

/** A connection refused for the budget: counted, warned about once per 1,000. */
export function refuseUnauthenticated(core: BrokerCore): void {
  core.refusedUnauthenticated++;
  if (core.refusedUnauthenticated % 1000 === 1)
    core.log.warn(
      `refusing new MQTT connections: connections not yet authenticated hold ${core.unauthenticatedBytes} bytes (Mqtt.MaxUnauthenticatedBytes ${core.opts.maxUnauthenticatedBytes}); ${core.refusedUnauthenticated} refused so far`,
    );
}

export class UnauthCharge {
  /** bytes charged to core.unauthenticatedBytes */
  private charged = 0;
  /** bytes received so far (before the CONNECT was accepted) */
  private bytes = 0;
  /** the connection's connect timeout (Connection keeps it here: one field less on every idle connection) */
  deadline: ReturnType<typeof setTimeout> | null = null;
  constructor(private readonly core: BrokerCore) {}

  /** A new connection's overhead; false (refused, warned about now and then) when the budget is spent. */
  open(): boolean {
    const core = this.core;
    if (this.charge(UNAUTHENTICATED_OVERHEAD)) return true;
    refuseUnauthenticated(core);
    return false;
  }

  /** Charge `n` bytes; false (nothing charged) when the budget is spent. */
  private charge(n: number): boolean {
    const core = this.core;
    if (core.unauthenticatedBytes + n > core.opts.maxUnauthenticatedBytes) return false;
    core.unauthenticatedBytes += n;
    this.charged += n;
    return true;
  }

  /**
   * Bytes received before the CONNECT is accepted: at most a CONNECT's worth (and what a
   * client pipelines behind it) per connection, and all such connections together within
   * Mqtt.MaxUnauthenticatedBytes. False when the connection must close for it.
   */
  received(n: number, remoteAddress: string): boolean {
    const o = this.core.opts;
    if (this.charged === 0) return true; // refused at open; closing already
    this.bytes += n;
    if (this.bytes > 2 * o.maxConnectSize) {
      this.core.log.debug(
        `closing ${remoteAddress}: over ${2 * o.maxConnectSize} bytes before its CONNECT was accepted (Mqtt.MaxConnectSize ${o.maxConnectSize})`,
      );
      return false;
    }
    // bytes past the first INCLUDED_BYTES, not charged yet
    const owed = Math.max(0, this.bytes - INCLUDED_BYTES) - (this.charged - UNAUTHENTICATED_OVERHEAD);
    if (owed > 0 && !this.charge(owed)) {
      this.core.refusedUnauthenticated++;
      this.core.log.debug(`closing ${remoteAddress}: unauthenticated budget spent`);
      return false;
    }
    return true;
  }

  /** The CONNECT was accepted (or the connection is gone): give the charge back; true if it held any. */
  release(): boolean {
    if (this.charged === 0) return false;
    this.core.unauthenticatedBytes -= this.charged;
    this.charged = 0;
    return true;
  }
}
