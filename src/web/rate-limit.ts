// Per-key token buckets (key = client IP) for login attempts. Each attempt takes one
// token; tokens refill continuously. Buckets that are full again are forgotten.

export interface RateLimiter {
  /** Take one token for `key`: ok, or the seconds until the next token. */
  take(key: string): { ok: true } | { ok: false; retryAfterSec: number };
}

export interface RateLimitOptions {
  burst?: number;
  refillPerSec?: number;
  maxKeys?: number;
  now?: () => number;
}

export function createRateLimiter(opts: RateLimitOptions = {}): RateLimiter {
  const burst = opts.burst ?? 10;
  const rate = opts.refillPerSec ?? 1 / 6;
  const maxKeys = opts.maxKeys ?? 10_000;
  const now = opts.now ?? Date.now;
  const buckets = new Map<string, { tokens: number; at: number }>();

  const level = (b: { tokens: number; at: number }, t: number) =>
    Math.min(burst, b.tokens + ((t - b.at) / 1000) * rate);

  return {
    take(k) {
      const t = now();
      if (buckets.size >= maxKeys) {
        for (const [bk, b] of buckets) if (level(b, t) >= burst) buckets.delete(bk);
        if (buckets.size >= maxKeys) buckets.delete(buckets.keys().next().value as string);
      }
      const b = buckets.get(k) ?? { tokens: burst, at: t };
      const tokens = level(b, t);
      if (tokens < 1) {
        buckets.set(k, { tokens, at: t });
        return { ok: false, retryAfterSec: Math.max(1, Math.ceil((1 - tokens) / rate)) };
      }
      buckets.set(k, { tokens: tokens - 1, at: t });
      return { ok: true };
    },
  };
}
