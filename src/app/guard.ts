// The brute-force guard as the server runs it: one guard for every listener, its bans
// mirrored to <data>/registry.db (table `bans`) so `neo shell ban list|clear` in another
// process sees and lifts them, and bans survive a restart.
import { type Ban, createGuard, type Guard } from "../auth/index.ts";
import type { NeoConfig } from "../config/index.ts";
import type { Logger } from "../lib/log.ts";
import { openBanStore } from "../registry/index.ts";
import { addressSet } from "../lib/ip.ts";

export interface ServerGuard {
  guard: Guard;
  /** pick up bans added or cleared by another process; cheap when nothing changed */
  sync(): void;
  /** lift one address's ban (or all), here and in registry.db; how many were lifted */
  clear(address?: string): number;
  close(): void;
}

export function createServerGuard(deps: {
  dataDir: string;
  config: NeoConfig["guard"];
  log: Logger;
  onBan?: (ban: Ban) => void;
}): ServerGuard {
  const store = openBanStore(deps.dataDir);
  const { config, log } = deps;
  const guard = createGuard({
    maxFailures: config.maxFailures,
    windowMs: config.windowMs,
    maxBanMs: config.maxBanMs,
    maxRefusals: config.maxRefusals,
    ipv6Prefix: config.ipv6Prefix,
    allow: addressSet(config.allowList),
    onBan(ban) {
      const secs = Math.round((ban.until - ban.since) / 1000);
      log.warn(`guard: ${ban.address} banned for ${secs}s after ${ban.failures} failed authentications`);
      try {
        store.put(ban);
      } catch (e) {
        log.error("guard: could not record a ban", e);
      }
      deps.onBan?.(ban);
    },
  });
  let seen = Number.NaN;
  const sync = () => {
    const v = store.version();
    if (v === seen) return;
    seen = v;
    store.prune(Date.now() - config.maxBanMs);
    guard.setBans(store.all());
  };
  sync(); // bans from before a restart
  const clear = (address?: string) => {
    const n = store.clear(address, Date.now());
    guard.clear(address);
    return n;
  };
  return { guard, sync, clear, close: () => store.close() };
}
