// The line in front of the unauthenticated budget (Mqtt.MaxUnauthenticatedBytes). When
// every device reconnects at once (a reconnect storm after a power cut) Bun accepts the
// whole backlog in one go, long before the first CONNECTs are checked and give their charge
// back: refusing at once turned away everything past the budget's ~4,000 connections, and
// checking thousands of CONNECTs in one turn of the event loop kept connected clients
// waiting for 100s of ms. Now a new socket starts as a connection only while the budget has
// room and fewer than PER_TURN started in this turn; otherwise it waits in line, paused and
// unread, and the line starts sockets oldest first as room comes back, PER_TURN a turn.
// The line holds at most as many bytes again as the budget, each socket counted at
// WAITING_OVERHEAD (Bun's socket and the line's entry: no Connection yet, nothing read); a
// socket that finds the line full, or waits longer than the connect timeout, is refused as
// before (counted in refusedUnauthenticated, warned about once per 1,000). 16 MiB: ~4,000
// connections being checked and ~16,000 sockets waiting.
import type { BrokerCore } from "./core.ts";
import { refuseUnauthenticated, UNAUTHENTICATED_OVERHEAD } from "./unauth-budget.ts";

/** what a paused, unread socket holds: Bun's socket and its wrapper (~0.9 KB), the line's entry */
export const WAITING_OVERHEAD = 1024;
/** connections started per turn of the event loop, at most (~50 µs of CONNECT checks each) */
const PER_TURN = 128;

/** what the listener does with a socket of the line */
export interface Waiters<T> {
  /** it may start now: the connection charges its own overhead */
  start(s: T): void;
  /** it waited longer than the connect timeout: close it */
  refuse(s: T): void;
  /** it closed while waiting */
  gone(s: T): boolean;
}

interface Entry<T> {
  s: T;
  at: number;
}

export class AdmissionLine<T> {
  private line: Entry<T>[] = [];
  private head = 0;
  /** connections started in this turn (reset by setImmediate) */
  private started = 0;
  private turnReset = false;
  private woken = false;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly core: BrokerCore,
    private readonly w: Waiters<T>,
  ) {}

  get waiting(): number {
    return this.line.length - this.head;
  }

  /** bytes the waiting sockets are counted at */
  get waitingBytes(): number {
    return this.waiting * WAITING_OVERHEAD;
  }

  /** May a new socket start now (room, this turn's share left, nobody waiting before it)? Counts it if so. */
  open(): boolean {
    if (this.waiting > 0 || !this.room()) return false;
    this.count();
    return true;
  }

  private room(): boolean {
    const c = this.core;
    return (
      this.started < PER_TURN && c.unauthenticatedBytes + UNAUTHENTICATED_OVERHEAD <= c.opts.maxUnauthenticatedBytes
    );
  }

  private count(): void {
    this.started++;
    if (this.turnReset) return;
    this.turnReset = true;
    setImmediate(() => {
      this.turnReset = false;
      this.started = 0;
      if (this.waiting > 0) this.drain();
    });
  }

  /** Queue a socket that may not start now; false when the line is full (refuse it as before). */
  wait(s: T): boolean {
    const c = this.core;
    if (this.waitingBytes + WAITING_OVERHEAD > c.opts.maxUnauthenticatedBytes) return false;
    if (!c.conns.opened(c.openConnections + this.waiting + 1)) return false;
    this.line.push({ s, at: performance.now() });
    if (!this.timer) this.arm(c.opts.connectTimeoutMs);
    return true;
  }

  /** Room was given back (a CONNECT accepted, a connection gone): start waiting sockets soon. */
  wake(): void {
    if (this.woken || this.waiting === 0) return;
    this.woken = true;
    queueMicrotask(() => {
      this.woken = false;
      this.drain();
    });
  }

  private drain(): void {
    const c = this.core;
    const late = performance.now() - c.opts.connectTimeoutMs;
    while (this.waiting > 0) {
      const e = this.line[this.head] as Entry<T>;
      const gone = this.w.gone(e.s);
      if (!gone && e.at >= late && !this.room()) break;
      this.line[this.head++] = undefined as unknown as Entry<T>;
      if (gone) continue;
      if (e.at < late) {
        refuseUnauthenticated(c);
        this.w.refuse(e.s);
      } else {
        this.count();
        this.w.start(e.s);
      }
    }
    if (this.head > 1024 && this.head * 2 > this.line.length) {
      this.line = this.line.slice(this.head);
      this.head = 0;
    }
  }

  private arm(ms: number): void {
    this.timer = setTimeout(() => {
      this.timer = null;
      this.drain(); // the connect timeout bounds a wait too
      const first = this.line[this.head];
      if (first) this.arm(Math.max(1, first.at + this.core.opts.connectTimeoutMs - performance.now()));
    }, ms);
    this.timer.unref();
  }
}

const lines = new WeakMap<BrokerCore, AdmissionLine<unknown>>();

/** the broker's one line (made by the first listener; later ones get the same) */
export function admissionLine<T>(core: BrokerCore, w: Waiters<T>): AdmissionLine<T> {
  let l = lines.get(core) as AdmissionLine<T> | undefined;
  if (!l) {
    l = new AdmissionLine(core, w);
    lines.set(core, l as AdmissionLine<unknown>);
  }
  return l;
}

/** room was given back: the waiting sockets, if any, may start */
export function wakeAdmission(core: BrokerCore): void {
  lines.get(core)?.wake();
}
