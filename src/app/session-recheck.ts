// Live revocation: when the registry changes (any process) or a key expires, every
// affected session is thrown out within RECHECK_MS (v5: DISCONNECT 0x98), and offline
// persistent sessions of keys that can no longer be used are ended.
import type { Auth } from "../auth/index.ts";
import type { Logger } from "../lib/log.ts";
import { type Broker, RC } from "../mqtt/index.ts";
import type { Registry } from "../registry/index.ts";
import type { SessionCredential } from "./mqtt-auth.ts";
import { sweepOrphanSessions } from "./orphan-sessions.ts";
import { type ConsoleMqttSession, isConsoleSession } from "./console.ts";

export const RECHECK_MS = 250;
/** offline sessions of expired keys are ended this often (deleted or revoked ones at once) */
export const ORPHAN_SWEEP_MS = 5_000;

export interface SessionRecheck {
  /** one pass now (the timer calls this every RECHECK_MS) */
  tick(): void;
  stop(): void;
}

export function startSessionRecheck(o: {
  broker: Broker;
  auth: Auth;
  registry: Registry;
  log: Logger;
  everyMs?: number;
  /** other periodic work that shares the timer (the brute-force guard's sync) */
  onTick?: () => void;
  /** is the web session behind a console MQTT session still live? (it is disconnected when not) */
  consoleSessionLive?: (m: ConsoleMqttSession) => boolean;
  /** is a person's session (a PAT) still usable? (it is disconnected when not) */
  personLive?: (m: SessionCredential) => boolean;
  /** the registry changed (any process): scopes may have, too */
  onRegistryChange?: () => void;
}): SessionRecheck {
  const { broker, registry, log } = o;
  const everyMs = o.everyMs ?? RECHECK_MS;
  const watch = o.auth.createSessionWatch();
  // session id -> the PAT credential it last connected with: its offline persistent
  // session stays while that PAT is usable (the broker keeps only the owner's name)
  const patSessions = new Map<string, SessionCredential>();

  // Every session's own credential record (one per connection) is checked; no
  // per-session objects are built.
  const revalidate = () => {
    const clients = broker.clients();
    const live: SessionCredential[] = [];
    for (const c of clients) {
      if (isConsoleSession(c.meta)) {
        if (o.consoleSessionLive && !o.consoleSessionLive(c.meta)) {
          log.info(`disconnecting "${c.id}": the console session of ${c.meta.user} ended`);
          broker.disconnect(c.id, RC.administrativeAction);
        }
        continue;
      }
      const m = c.meta as SessionCredential | undefined;
      if (m && (m.via === "pat" || m.via === "user")) {
        patSessions.set(c.id, m);
        // a PAT revoked, reset, deleted or expired ends its sessions within one pass
        if (!o.personLive?.(m)) {
          log.info(`disconnecting "${c.id}" (${m.clientId}): its personal access token was revoked, reset or expired`);
          broker.disconnect(c.id, RC.administrativeAction);
        }
        continue;
      }
      if (m && m.via !== "anonymous") live.push(m); // anonymous sessions have no key to lose
    }
    const drop = watch.check(live);
    if (drop.length === 0) return;
    const dropped = new Set(drop);
    for (const c of clients) {
      if (!dropped.has(c.meta as SessionCredential)) continue;
      log.info(
        `disconnecting "${c.id}" (${(c.meta as SessionCredential).clientId}): key deleted, revoked, rotated or expired`,
      );
      broker.disconnect(c.id, RC.administrativeAction);
    }
  };

  let sinceSweep = 0;
  let sweptVersion = Number.NaN;
  let seenVersion = Number.NaN;
  const sweep = () => {
    const held = new Set<string>();
    sweepOrphanSessions({
      offlineSessions: () => broker.offlineSessions(),
      discardSession: (id) => broker.discardSession(id),
      usable: (id, now) => {
        const r = registry.get(id);
        return r !== null && r.status === "active" && now < r.notAfter;
      },
      sessionUsable: (clientId, owner) => {
        const m = patSessions.get(clientId);
        if (!m || m.principal.id !== owner) return undefined;
        held.add(clientId);
        return o.personLive?.(m) ?? false;
      },
      log,
    });
    // forget the PAT of sessions that are neither offline-persistent nor connected
    if (patSessions.size > held.size) {
      for (const c of broker.clients()) held.add(c.id);
      for (const id of patSessions.keys()) if (!held.has(id)) patSessions.delete(id);
    }
  };

  const tick = () => {
    try {
      o.onTick?.();
      revalidate();
      // at once when the registry changed (a key deleted or revoked), else now and then (expiry)
      sinceSweep += everyMs;
      const version = registry.dataVersion();
      if (version !== seenVersion) {
        seenVersion = version;
        o.onRegistryChange?.();
      }
      if (version !== sweptVersion || sinceSweep >= ORPHAN_SWEEP_MS) {
        sweptVersion = version;
        sinceSweep = 0;
        sweep();
      }
    } catch (e) {
      log.error("session re-check failed", e);
    }
  };
  const timer = setInterval(tick, everyMs);
  return { tick, stop: () => clearInterval(timer) };
}
