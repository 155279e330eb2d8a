// Bounds on what sessions may make the broker hold, per owner (the key a client
// authenticated as; for anonymous clients their address) and in all:
//   - persistent sessions (expiry > 0): a CONNECT that would make one more past a cap is
//     refused (v5 CONNACK 0x97 Quota exceeded, 3.1.1 return code 3 Server unavailable);
//   - bytes of queued messages (payload + topic + a delivery's overhead): past a cap a new
//     message for that owner's sessions is dropped and counted;
//   - persistent sessions that would never expire (3.1.1 clean=false, v5 0xFFFFFFFF) end
//     after `persistentExpiryMs` offline, like Mosquitto's persistent_client_expiration.
import type { Delivery } from "./types.ts";

export interface SessionLimits {
  maxPersistent: number;
  maxPersistentPerOwner: number;
  maxQueuedBytes: number;
  maxQueuedBytesPerOwner: number;
  /** Infinity: never */
  persistentExpiryMs: number;
}

const NO_SESSION_LIMITS: SessionLimits = {
  maxPersistent: Infinity,
  maxPersistentPerOwner: Infinity,
  maxQueuedBytes: Infinity,
  maxQueuedBytesPerOwner: Infinity,
  persistentExpiryMs: Infinity,
};

/** what one queued delivery holds: its payload and topic (shared by every session it is queued for, counted for each) and ~100 B of its own */
export const deliveryCost = (d: Delivery): number => d.msg.payload.length + d.msg.topic.length + 100;

export interface SessionCounts {
  /** persistent sessions refused at a cap */
  refusedSessions: number;
  /** queued messages dropped at a byte cap */
  droppedQueuedBytes: number;
  /** sessions ended because their expiry ran out */
  expiredSessions: number;
}

/** The shared tallies: persistent sessions and queued bytes, per owner and in all. */
export class SessionBudget {
  limits: SessionLimits;
  readonly counts: SessionCounts = { refusedSessions: 0, droppedQueuedBytes: 0, expiredSessions: 0 };
  private persistentTotal = 0;
  private readonly persistent = new Map<string, number>();
  private bytesTotal = 0;
  private readonly bytes = new Map<string, number>();

  constructor(limits: SessionLimits = NO_SESSION_LIMITS) {
    this.limits = limits;
  }

  /** may `owner` have one more persistent session? (counts a refusal when not) */
  mayPersist(owner: string): boolean {
    if (
      this.persistentTotal < this.limits.maxPersistent &&
      (this.persistent.get(owner) ?? 0) < this.limits.maxPersistentPerOwner
    )
      return true;
    this.counts.refusedSessions++;
    return false;
  }

  addPersistent(owner: string, n: 1 | -1): void {
    this.persistentTotal += n;
    const left = (this.persistent.get(owner) ?? 0) + n;
    if (left <= 0) this.persistent.delete(owner);
    else this.persistent.set(owner, left);
  }

  /** reserve `n` queued bytes for `owner`; false (counted as a drop) past a cap */
  take(owner: string, n: number): boolean {
    const mine = this.bytes.get(owner) ?? 0;
    if (this.bytesTotal + n > this.limits.maxQueuedBytes || mine + n > this.limits.maxQueuedBytesPerOwner) {
      this.counts.droppedQueuedBytes++;
      return false;
    }
    this.bytesTotal += n;
    this.bytes.set(owner, mine + n);
    return true;
  }

  give(owner: string, n: number): void {
    if (n === 0) return;
    this.bytesTotal -= n;
    const left = (this.bytes.get(owner) ?? 0) - n;
    if (left <= 0) this.bytes.delete(owner);
    else this.bytes.set(owner, left);
  }

  /** queued bytes change owner (a session taken over): no cap applies to bytes already held */
  move(from: string, to: string, n: number): void {
    this.give(from, n);
    this.bytesTotal += n;
    this.bytes.set(to, (this.bytes.get(to) ?? 0) + n);
  }

  figures() {
    return { persistentSessions: this.persistentTotal, queuedBytes: this.bytesTotal, ...this.counts };
  }
}

export interface SessionCounters {
  droppedQos0: number;
  droppedQueued: number;
  expired: number;
}

/** what every session of a broker shares (one object, not three fields per session) */
export interface SessionEnv {
  readonly maxQueued: number;
  readonly counters: SessionCounters;
  /** the gateway-wide tallies of persistent sessions and queued bytes; null = unbounded */
  readonly budget: SessionBudget | null;
}
