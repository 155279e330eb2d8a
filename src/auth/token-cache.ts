// Verified tokens, kept until the registry changes: a hit skips the token's HMAC and the
// registry lookup. Every use asks the registry's dataVersion() first: PRAGMA data_version
// (any commit by another connection or process), read at most once per event-loop turn,
// plus this process's own writes on any registry connection, counted at once. On any
// change the whole cache is dropped, so a revoked, deleted, re-keyed or re-scoped key is
// refused (or re-read) on its next use: at once for a change by this process, from the
// next turn for one by another process (the CLI). Validity times are checked on every hit;
// only successful checks are kept (a guess always takes the full, constant-time path).
import type { AuthOutcome } from "./types.ts";

/** entries at most; past it the cache starts again empty */
const TOKEN_CACHE_MAX = 4096;

type Verified = Extract<AuthOutcome, { ok: true }>;

export interface TokenCache {
  /** the cached outcome for this token while the registry is unchanged, else undefined */
  get(token: string, now: number): AuthOutcome | undefined;
  set(token: string, v: Verified, notBefore: number): void;
}

export function createTokenCache(version: () => number): TokenCache {
  const entries = new Map<string, { v: Verified; notBefore: number }>();
  let seen = Number.NaN;
  const fresh = () => {
    const v = version();
    if (v !== seen) {
      entries.clear();
      seen = v;
    }
  };
  return {
    get(token, now) {
      fresh();
      const e = entries.get(token);
      if (!e) return undefined;
      if (now < e.notBefore || now >= e.v.expiresAt) {
        entries.delete(token);
        return undefined; // the full check gives the precise reason
      }
      return e.v;
    },
    set(token, v, notBefore) {
      if (entries.size >= TOKEN_CACHE_MAX) entries.clear();
      entries.set(token, { v, notBefore });
    },
  };
}
