// Timing helpers for the uplink: reconnect back-off, the MaxRate limit and the sent/s meter.

const MIN_DELAY_MS = 1000;
const MAX_DELAY_MS = 60_000;

/**
 * Delay before reconnect attempt `attempt` (0-based): exponential from 1 s, capped at
 * 60 s, with jitter (a random point in the upper half) so a fleet of gateways that lost
 * the same cluster does not come back in one wave.
 */
export function nextDelay(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(MAX_DELAY_MS, MIN_DELAY_MS * 2 ** Math.min(attempt, 16));
  return Math.max(MIN_DELAY_MS, Math.round(ceiling / 2 + (random() * ceiling) / 2));
}

/** Token bucket: `rate` messages per second with a one-second burst; rate 0 = no limit. */
export class RateLimiter {
  private tokens: number;
  private last = performance.now();
  constructor(
    private readonly rate: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = rate;
    this.last = now();
  }
  private refill(): void {
    const t = this.now();
    this.tokens = Math.min(this.rate, this.tokens + ((t - this.last) / 1000) * this.rate);
    this.last = t;
  }
  /** how many may go now (at most `want`) */
  available(want: number): number {
    if (this.rate <= 0) return want;
    this.refill();
    return Math.min(want, Math.floor(this.tokens));
  }
  take(n: number): void {
    if (this.rate > 0) this.tokens -= n;
  }
  /** ms until at least one token is there */
  waitMs(): number {
    if (this.rate <= 0) return 0;
    this.refill();
    return Math.max(1, Math.ceil(((1 - this.tokens) / this.rate) * 1000));
  }
}

/** Messages per second over the last 10 whole seconds. */
export class RateMeter {
  private readonly buckets = new Array<number>(11).fill(0);
  private second = 0;
  constructor(private readonly now: () => number = () => Date.now()) {
    this.second = Math.floor(now() / 1000);
  }
  private roll(): void {
    const s = Math.floor(this.now() / 1000);
    const gap = Math.min(s - this.second, this.buckets.length);
    for (let i = 1; i <= gap; i++) this.buckets[(this.second + i) % this.buckets.length] = 0;
    if (s > this.second) this.second = s;
  }
  add(n: number): void {
    this.roll();
    const i = this.second % this.buckets.length;
    this.buckets[i] = (this.buckets[i] ?? 0) + n;
  }
  perSecond(): number {
    this.roll();
    let sum = 0;
    const cur = this.second % this.buckets.length;
    for (const [i, v] of this.buckets.entries()) if (i !== cur) sum += v;
    return sum / (this.buckets.length - 1);
  }
}
