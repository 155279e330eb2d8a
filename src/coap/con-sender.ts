// Our confirmable messages over UDP (Observe notifications), RFC 7252 §4.2 and §4.7:
// one outstanding confirmable message per observer (NSTART = 1); it is retransmitted
// after ACK_TIMEOUT * (1..ACK_RANDOM_FACTOR), the timeout doubling each time, at most
// MAX_RETRANSMIT times; then the observer is given up (RFC 7641 §4.5). Newer
// notifications wait in a bounded queue behind it (the oldest dropped past the bound).

export const ACK_TIMEOUT_MS = 2000;
const ACK_RANDOM_FACTOR = 1.5;
export const MAX_RETRANSMIT = 4;

export interface ConSenderDeps {
  /** put a datagram on the wire */
  send(bytes: Uint8Array): void;
  /** no ACK after MAX_RETRANSMIT retransmissions */
  giveUp(): void;
  /** a queued notification was dropped because the queue was full */
  dropped?(): void;
  maxQueued?: number;
  random?: () => number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (t: unknown) => void;
  /** counted per retransmission */
  retransmitted?(): void;
  /** the last message was acknowledged and nothing waits */
  idle?(): void;
  /** an ACK came: the endpoint is really at that address */
  acknowledged?(): void;
}

/** `build(mid)` makes the datagram once its message id is known */
export type Outgoing = (messageId: number) => Uint8Array;

export function createConSender(deps: ConSenderDeps, nextMid: () => number) {
  const maxQueued = deps.maxQueued ?? 128;
  const random = deps.random ?? Math.random;
  const setTimer = deps.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
  const clearTimer = deps.clearTimer ?? ((t) => clearTimeout(t as ReturnType<typeof setTimeout>));
  const queue: Outgoing[] = [];
  let inflight: { mid: number; bytes: Uint8Array; tries: number; timeout: number; timer: unknown } | null = null;
  let closed = false;

  function start(build: Outgoing): void {
    const mid = nextMid();
    const bytes = build(mid);
    const timeout = ACK_TIMEOUT_MS * (1 + random() * (ACK_RANDOM_FACTOR - 1));
    inflight = { mid, bytes, tries: 0, timeout, timer: null };
    deps.send(bytes);
    arm();
  }

  function arm(): void {
    const f = inflight;
    if (!f) return;
    f.timer = setTimer(() => {
      if (closed || inflight !== f) return;
      if (f.tries >= MAX_RETRANSMIT) {
        inflight = null;
        close();
        deps.giveUp();
        return;
      }
      f.tries++;
      f.timeout *= 2;
      deps.retransmitted?.();
      deps.send(f.bytes);
      arm();
    }, f.timeout);
  }

  function close(): void {
    closed = true;
    if (inflight) clearTimer(inflight.timer);
    inflight = null;
    queue.length = 0;
  }

  return {
    /** send now, or after the outstanding one is acknowledged */
    enqueue(build: Outgoing): void {
      if (closed) return;
      if (!inflight) return start(build);
      if (queue.length >= maxQueued) {
        queue.shift();
        deps.dropped?.();
      }
      queue.push(build);
    },
    /** the message id of the outstanding message, if any */
    outstanding: () => inflight?.mid,
    /** an ACK for `mid`: true when it was ours; the next queued message goes out */
    acked(mid: number): boolean {
      if (!inflight || inflight.mid !== mid) return false;
      clearTimer(inflight.timer);
      inflight = null;
      deps.acknowledged?.();
      const next = queue.shift();
      if (next && !closed) start(next);
      else deps.idle?.();
      return true;
    },
    close,
    queued: () => queue.length + (inflight ? 1 : 0),
  };
}

export type ConSender = ReturnType<typeof createConSender>;
