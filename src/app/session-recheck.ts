// The live re-check of MQTT sessions: when the registry changes (any process: SQLite's
// data_version) or a credential's expiry passes, every session's credential is asked
// current() again (auth's one rule, mqtt-authz.ts caches the answer); a session whose
// credential is dead is thrown out (v5: DISCONNECT 0x98) and publishes no will, because
// its rights are dropped BEFORE the disconnect. Offline persistent sessions of dead
// credentials are ended. Every kind alike: token, certificate, PAT, access key, the console.
// The sessions are walked only when something can have changed: the registry's version or
// the authorizer's epoch moved, or the earliest credential expiry among them is due (a
// session that connects brings its own expiry in: `connected`); a pass where nothing moved
// reads one version and returns (the latency tail felt every walk: bench/RESULTS.md, session 7).
import type { Logger } from "../lib/log.ts";
import { RC } from "../mqtt/index.ts";
import type { NeoBroker, NeoClient } from "./mqtt-auth.ts";
import type { Registry } from "../registry/index.ts";
import type { MqttAuthorizer } from "./mqtt-authz.ts";
import { sweepOrphanSessions } from "./orphan-sessions.ts";

export const RECHECK_MS = 250;
/** offline sessions of expired credentials are ended this often (deleted or revoked ones at once) */
export const ORPHAN_SWEEP_MS = 5_000;

export interface SessionRecheck {
  /** one pass now (the timer calls this every RECHECK_MS) */
  tick(): void;
  /** a session was accepted: its credential's expiry is one the passes watch for */
  connected(client: NeoClient): void;
  stop(): void;
}

export function startSessionRecheck(o: {
  broker: NeoBroker;
  authz: MqttAuthorizer;
  registry: Pick<Registry, "dataVersion"> & Partial<Pick<Registry, "onChange">>;
  log: Logger;
  everyMs?: number;
  /** other periodic work that shares the timer (the brute-force guard's sync, channels); `changed`: the registry's version moved */
  onTick?: (changed: boolean) => void;
  /** the registry changed (any process): rights may have, too (before any session is judged) */
  onRegistryChange?: () => void;
}): SessionRecheck {
  const { broker, authz, registry, log } = o;
  const everyMs = o.everyMs ?? RECHECK_MS;

  /** the earliest expiry among the connected sessions' credentials (a walk is due then) */
  let due = 0;
  /** the authorizer's epoch at the last walk (a config reload moves it, too) */
  let walkedEpoch = Number.NaN;

  // each connected session's credential, as current() says now (cached until a change or its expiry)
  const revalidate = () => {
    let next = Number.POSITIVE_INFINITY;
    for (const c of broker.clients()) {
      const dead = authz.deadOf(c); // null: usable (nothing made for a session that is)
      if (dead === null) {
        const at = authz.dueAt(c);
        if (at < next) next = at;
        continue;
      }
      if (dead.kind === "unavailable") continue; // a registry that cannot be read ends no session (asked again at the next change)
      log.info(`disconnecting "${c.id}": its credential is no longer usable (${dead.reason})`);
      broker.disconnect(c.id, RC.administrativeAction);
    }
    due = next;
  };

  const sweep = () => {
    sweepOrphanSessions({
      offlineSessions: () => broker.offlineSessions(),
      discardSession: (id) => broker.discardSession(id),
      usable: (s) => authz.liveOffline(s).ok,
      log,
    });
  };

  let sinceSweep = 0;
  let seenVersion = Number.NaN;
  const pass = (timed: boolean) => {
    try {
      // at once when the registry changed (a key deleted or revoked), else now and then (expiry)
      if (timed) sinceSweep += everyMs;
      let version: number;
      try {
        version = registry.dataVersion();
      } catch (e) {
        log.error("registry version check failed", e);
        version = Number.NaN;
      }
      const changed = version !== seenVersion;
      seenVersion = version;
      if (changed) {
        // rights first: a session thrown out below must not publish its will with its old rights
        authz.changed();
        o.onRegistryChange?.();
      }
      if (timed) o.onTick?.(changed);
      const epoch = authz.epoch();
      if (epoch !== walkedEpoch || Date.now() >= due) {
        walkedEpoch = epoch;
        revalidate();
      }
      if (changed || sinceSweep >= ORPHAN_SWEEP_MS) {
        sinceSweep = 0;
        sweep();
      }
    } catch (e) {
      log.error("session re-check failed", e);
    }
  };
  // another process's change is seen by the poll of data_version; this process's at once
  const tick = () => pass(true);
  const off = registry.onChange?.(() => pass(false));
  const timer = setInterval(tick, everyMs);
  return {
    tick,
    connected: (client) => {
      const at = authz.dueAt(client);
      if (at < due) due = at;
    },
    stop: () => {
      clearInterval(timer);
      off?.();
    },
  };
}
