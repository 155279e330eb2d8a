// What a session keeps while its client is away: the timer that ends it (its expiry) and a
// v5 will waiting out its Will Delay Interval. Made when the client goes away and dropped
// when it comes back, so a connected session keeps one null field for all of it.
import type { WillMessage } from "./types.ts";

export interface SessionAway {
  expiryTimer: ReturnType<typeof setTimeout> | null;
  willTimer: ReturnType<typeof setTimeout> | null;
  pendingWill: WillMessage | null;
}

/** `s`'s away state, made now if it has none */
export function awayState(s: { away: SessionAway | null }): SessionAway {
  return (s.away ??= { expiryTimer: null, willTimer: null, pendingWill: null });
}

/** back (or ending): no expiry, no delayed will any more; the will that was waiting, if one was */
export function cancelAway(s: { away: SessionAway | null }): WillMessage | null {
  const a = s.away;
  if (!a) return null;
  if (a.expiryTimer) clearTimeout(a.expiryTimer);
  if (a.willTimer) clearTimeout(a.willTimer);
  s.away = null;
  return a.pendingWill;
}
