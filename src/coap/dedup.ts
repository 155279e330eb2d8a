// Message-id deduplication (RFC 7252 §4.5): a confirmable request seen again within
// EXCHANGE_LIFETIME gets the same response again (it is not processed twice); a
// non-confirmable one within NON_LIFETIME is dropped. One table for all peers, bounded
// in entries and bytes: past the bound the oldest entries go first (a late duplicate of
// an evicted exchange would then be processed again, never held without bound).

/** RFC 7252 §4.8.2 with the default transmission parameters */
export const EXCHANGE_LIFETIME_MS = 247_000;
export const NON_LIFETIME_MS = 145_000;

interface Entry {
  at: number;
  lifetime: number;
  /** the response sent (CON), null while the request is being processed or for NON */
  response: Uint8Array | null;
}

export type Seen = { kind: "new" } | { kind: "pending" } | { kind: "answered"; response: Uint8Array };

export interface DedupOptions {
  maxEntries?: number;
  maxBytes?: number;
  now?: () => number;
}

export function createDedup(o: DedupOptions = {}) {
  const maxEntries = o.maxEntries ?? 50_000;
  const maxBytes = o.maxBytes ?? 16 * 1024 * 1024;
  const now = o.now ?? Date.now;
  // insertion order is arrival order: the oldest entry is always first
  const table = new Map<string, Entry>();
  let bytes = 0;

  function drop(key: string, e: Entry): void {
    table.delete(key);
    bytes -= e.response?.length ?? 0;
  }

  /** forget expired entries (oldest first), then enforce the bounds */
  function prune(t = now()): void {
    for (const [k, e] of table) {
      if (t - e.at < e.lifetime && table.size <= maxEntries && bytes <= maxBytes) break;
      drop(k, e);
    }
  }

  return {
    /** look up `key` (peer + message id); a new one is recorded as pending */
    seen(key: string, confirmable: boolean): Seen {
      const t = now();
      const e = table.get(key);
      if (e && t - e.at < e.lifetime) {
        return e.response ? { kind: "answered", response: e.response } : { kind: "pending" };
      }
      if (e) drop(key, e);
      table.set(key, { at: t, lifetime: confirmable ? EXCHANGE_LIFETIME_MS : NON_LIFETIME_MS, response: null });
      if (table.size > maxEntries) prune(t);
      return { kind: "new" };
    },
    /** the response to a confirmable request, kept for its duplicates */
    answered(key: string, response: Uint8Array): void {
      const e = table.get(key);
      if (!e) return;
      bytes += response.length - (e.response?.length ?? 0);
      e.response = response;
      if (bytes > maxBytes) prune();
    },
    prune,
    size: () => table.size,
    bytes: () => bytes,
  };
}

export type Dedup = ReturnType<typeof createDedup>;
