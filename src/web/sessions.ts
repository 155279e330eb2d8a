// Web UI login sessions: random 32-byte bearer tokens held in memory with a sliding
// expiry. Chosen over JWTs because a session can be ended at once (logout, password
// change), there is no signing secret to store, and a restart simply asks the operator
// to log in again. The map is keyed by SHA-256 of the token, so a lookup leaks nothing
// useful through timing, and a heap dump does not hold usable tokens.

export interface Session {
  user: string;
  /** the user's password stamp at login; a different stamp later means the password changed */
  stamp: number;
  expiresAt: number;
}

export interface Sessions {
  /** Start a session for `user`; returns the bearer token (base64url, 43 chars). */
  issue(user: string, stamp?: number): string;
  /** The live session for a token (its expiry is extended), else undefined. */
  check(token: string): Session | undefined;
  revoke(token: string): void;
  revokeUser(user: string): void;
  size(): number;
}

export interface SessionOptions {
  ttlMs?: number;
  maxSessions?: number;
  now?: () => number;
}

const key = (token: string) => new Bun.CryptoHasher("sha256").update(token).digest("hex");

export function createSessions(opts: SessionOptions = {}): Sessions {
  const ttl = opts.ttlMs ?? 60 * 60 * 1000;
  const max = opts.maxSessions ?? 1000;
  const now = opts.now ?? Date.now;
  const live = new Map<string, Session>();

  const sweep = () => {
    const t = now();
    for (const [k, s] of live) if (s.expiresAt <= t) live.delete(k);
    // Still full: drop the oldest (Map keeps insertion order).
    while (live.size >= max) {
      const first = live.keys().next();
      if (first.done) break;
      live.delete(first.value);
    }
  };

  return {
    issue(user, stamp = 0) {
      sweep();
      const token = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64url");
      live.set(key(token), { user, stamp, expiresAt: now() + ttl });
      return token;
    },
    check(token) {
      if (token.length === 0 || token.length > 128) return undefined;
      const k = key(token);
      const s = live.get(k);
      if (!s) return undefined;
      const t = now();
      if (s.expiresAt <= t) {
        live.delete(k);
        return undefined;
      }
      s.expiresAt = t + ttl;
      return s;
    },
    revoke(token) {
      live.delete(key(token));
    },
    revokeUser(user) {
      for (const [k, s] of live) if (s.user === user) live.delete(k);
    },
    size() {
      return live.size;
    },
  };
}
