// The brute-force guard, shared by every listener (MQTT TCP/TLS/WS, HTTP bearer and
// basic, PATs, login). Two protections:
//
// 1. Per remote address: a failed secret (wrong token, password, PAT) counts against the
//    address. `maxFailures` within `windowMs` bans it for a back-off that starts at one
//    minute and doubles on each new ban up to `maxBanMs`. `check()` is a map lookup and
//    runs BEFORE any hashing, so a banned address costs nothing. Other addresses are
//    never affected.
// 2. Per user name (known or not: the same state and delays, so nothing tells them apart): failed passwords for a user, from any address, slow
//    down further password checks for that user from addresses that have failed before
//    (growing spacing, 250 ms doubling to 10 s). An address with no failures on record
//    is never delayed, so an attacker rotating addresses cannot lock the owner out.
//
// Guesses count toward `maxFailures`: a secret that did not match. Other refusals (no
// credential at all, an expired or revoked key, a certificate or client id refused) are
// no guess, but a flood of them is abuse all the same: they count toward `maxRefusals`
// per address and window (EMQX's flapping detection), which bans the same way.
// Addresses are grouped: IPv6 by `ipv6Prefix` bits (one host owns a /64), so rotating
// through its own addresses gains an attacker nothing. Addresses in `allow` (the
// operator's Guard.AllowList) are never counted, delayed or banned.
// Everything is in memory, bounded by `maxEntries`; bans are mirrored to the registry by
// the app (so `neo shell ban` sees and clears them) through `onBan` and `setBans`.

import { addressGroup } from "../lib/ip.ts";

export interface Ban {
  address: string;
  /** ms epoch the ban ends */
  until: number;
  /** 0 for the first ban, +1 each time the address is banned again (the back-off doubles) */
  level: number;
  /** failures that triggered it */
  failures: number;
  since: number;
}

export interface GuardOptions {
  maxFailures: number;
  /** refusals that were no guess (no credential, expired...) per address and window before a ban; 0 = off */
  maxRefusals?: number;
  /** IPv6 addresses count per this many leading bits (default 64; 128 = each address) */
  ipv6Prefix?: number;
  /** addresses never counted or banned */
  allow?: { has(address: string): boolean };
  windowMs: number;
  maxBanMs: number;
  now?: () => number;
  /** addresses and users tracked at most (oldest forgotten first) */
  maxEntries?: number;
  onBan?: (ban: Ban) => void;
}

type GuardCheck = { ok: true } | { ok: false; retryAfterSec: number; until: number };

export interface Guard {
  /** May this address try a credential now? A map lookup; call before any hashing. */
  check(address: string): GuardCheck;
  /**
   * An expensive check (a password hash) starts for `address`; call the returned function
   * when it is over (after `failed()`, if it failed). Checks in flight count as failures
   * in `check()`, so parallel guesses cannot slip past the limit while hashes run.
   */
  begin(address: string): () => void;
  /** A secret from `address` did not match; `user`: the user name the attempt named (known or not). */
  failed(address: string, user?: string): Ban | undefined;
  /** A refusal from `address` that was no guess (no credential, expired, revoked...). */
  refused(address: string): Ban | undefined;
  /** the key `address` counts under (an IPv6 /64, or the address) */
  keyOf(address: string): string;
  /**
   * How long (ms) to wait before checking a password for `user` from `address`, or
   * `refuse` when that address would wait longer than is sensible (it has failed before).
   */
  userDelay(user: string, address: string): { waitMs: number } | { refuse: true; retryAfterSec: number };
  /** bans in force now */
  bans(): Ban[];
  /** lift the ban (and forget the failures) of one address, or of all; returns how many bans were lifted */
  clear(address?: string): number;
  /** replace the ban table (another process cleared or added bans) */
  setBans(bans: Ban[]): void;
}

const FIRST_BAN_MS = 60_000;
const USER_WINDOW_MS = 15 * 60_000;
const USER_FREE_FAILURES = 3;
const USER_STEP_MS = 250;
const USER_MAX_STEP_MS = 10_000;
/** an address that would wait longer than this is answered "retry later" at once */
const USER_MAX_WAIT_MS = 30_000;

interface Failures {
  count: number;
  since: number;
}
interface UserState extends Failures {
  nextSlot: number;
}

function touch<K, V>(map: Map<K, V>, key: K, value: V, max: number, expired: (v: V) => boolean): void {
  map.delete(key);
  if (map.size >= max) {
    for (const [k, v] of map) if (expired(v)) map.delete(k);
    while (map.size >= max) {
      const first = map.keys().next();
      if (first.done) break;
      map.delete(first.value);
    }
  }
  map.set(key, value);
}

export function createGuard(opts: GuardOptions): Guard {
  const now = opts.now ?? Date.now;
  const max = opts.maxEntries ?? 100_000;
  const failures = new Map<string, Failures>();
  const refusals = new Map<string, Failures>();
  const prefix = opts.ipv6Prefix ?? 64;
  const keyOf = (address: string) => addressGroup(address, prefix);
  const allowed = (key: string) => opts.allow?.has(key.split("/")[0] ?? key) === true;
  const banned = new Map<string, Ban>();
  const users = new Map<string, UserState>();
  const inFlight = new Map<string, number>();

  const banLength = (level: number) => Math.min(opts.maxBanMs, FIRST_BAN_MS * 2 ** Math.min(level, 30));
  const stale = (t: number) => (f: Failures) => t - f.since > Math.max(opts.windowMs, USER_WINDOW_MS);
  // a ban's level is remembered until the address has stayed quiet for maxBan after it ended
  const forgotten = (t: number) => (b: Ban) => t - b.until > opts.maxBanMs;

  function check(raw: string): GuardCheck {
    const address = keyOf(raw);
    if (allowed(address)) return { ok: true };
    const b = banned.get(address);
    const t = now();
    if (b && t < b.until)
      return { ok: false, retryAfterSec: Math.max(1, Math.ceil((b.until - t) / 1000)), until: b.until };
    const running = inFlight.get(address);
    if (running !== undefined) {
      const f = failures.get(address);
      const counted = f && t - f.since <= opts.windowMs ? f.count : 0;
      if (counted + running >= opts.maxFailures) return { ok: false, retryAfterSec: 1, until: t + 1000 };
    }
    return { ok: true };
  }

  function userFailed(user: string, t: number): void {
    const u = users.get(user);
    if (!u || t - u.since > USER_WINDOW_MS) {
      touch(users, user, { count: 1, since: t, nextSlot: u?.nextSlot ?? 0 }, max, stale(t));
      return;
    }
    u.count++;
  }

  function count(map: Map<string, Failures>, limit: number, address: string, t: number): Ban | undefined {
    let f = map.get(address);
    if (!f || t - f.since > opts.windowMs) {
      f = { count: 0, since: t };
      touch(map, address, f, max, stale(t));
    }
    f.count++;
    const current = banned.get(address);
    if (f.count < limit || (current && t < current.until)) return undefined;
    const level = current && !forgotten(t)(current) ? current.level + 1 : 0;
    const ban: Ban = { address, until: t + banLength(level), level, failures: f.count, since: t };
    touch(banned, address, ban, max, forgotten(t));
    failures.delete(address);
    refusals.delete(address);
    opts.onBan?.(ban);
    return ban;
  }

  return {
    check,
    keyOf,
    begin(raw) {
      const address = keyOf(raw);
      inFlight.set(address, (inFlight.get(address) ?? 0) + 1);
      let done = false;
      return () => {
        if (done) return;
        done = true;
        const n = (inFlight.get(address) ?? 1) - 1;
        if (n <= 0) inFlight.delete(address);
        else inFlight.set(address, n);
      };
    },
    failed(raw, user) {
      const t = now();
      if (user !== undefined) userFailed(user, t);
      const address = keyOf(raw);
      if (allowed(address)) return undefined;
      return count(failures, opts.maxFailures, address, t);
    },
    refused(raw) {
      const limit = opts.maxRefusals ?? 0;
      const address = keyOf(raw);
      if (limit <= 0 || allowed(address)) return undefined;
      return count(refusals, limit, address, now());
    },
    userDelay(user, raw) {
      const t = now();
      const address = keyOf(raw);
      if (allowed(address)) return { waitMs: 0 };
      const u = users.get(user);
      if (!u || t - u.since > USER_WINDOW_MS || u.count < USER_FREE_FAILURES) return { waitMs: 0 };
      // an address that never failed (in the window) and is not banned goes straight through
      if (!failures.has(address) && !banned.has(address)) return { waitMs: 0 };
      const step = Math.min(USER_MAX_STEP_MS, USER_STEP_MS * 2 ** Math.min(u.count - USER_FREE_FAILURES, 20));
      const slot = Math.max(t, u.nextSlot);
      const waitMs = slot - t;
      if (waitMs > USER_MAX_WAIT_MS) return { refuse: true, retryAfterSec: Math.ceil(waitMs / 1000) };
      u.nextSlot = slot + step;
      return { waitMs };
    },
    bans() {
      const t = now();
      return [...banned.values()].filter((b) => b.until > t).sort((a, b) => a.since - b.since);
    },
    clear(raw) {
      const t = now();
      const address = raw === undefined ? undefined : keyOf(raw);
      let n = 0;
      for (const [a, b] of banned) {
        if (address !== undefined && a !== address) continue;
        if (b.until > t) n++;
        banned.delete(a);
        failures.delete(a);
        refusals.delete(a);
      }
      if (address === undefined) {
        failures.clear();
        refusals.clear();
      } else {
        failures.delete(address);
        refusals.delete(address);
      }
      return n;
    },
    setBans(list) {
      const t = now();
      for (const a of banned.keys())
        if (!list.some((b) => b.address === a)) {
          failures.delete(a);
          refusals.delete(a);
        }
      banned.clear();
      for (const b of list) if (!forgotten(t)(b)) banned.set(b.address, { ...b });
    },
  };
}
