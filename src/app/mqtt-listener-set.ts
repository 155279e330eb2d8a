// The running MQTT listeners by name (Listener blocks, or the one of Listen + Tls). A
// reload reconciles them with the new settings: a listener whose address, transport or
// TLS rules changed is swapped (swap-listener.ts), a new one starts, a removed one stops
// and closes ITS connections; the others, and their connections, are not touched.
import { mqttListeners, type NeoConfig, type ResolvedMqttListener } from "../config/index.ts";
import type { Logger } from "../lib/log.ts";
import type { MqttListener } from "./listeners.ts";
import { sameAddress, swapListener } from "./swap-listener.ts";

interface RunningMqtt {
  rules: ResolvedMqttListener;
  listener: MqttListener;
}

export interface MqttListenerSet {
  /** by name, in the order of the config */
  running: Map<string, RunningMqtt>;
  start(m: NeoConfig["mqtt"], l: ResolvedMqttListener): Promise<MqttListener>;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
/** what the socket itself depends on (token rules and scopes are read per CONNECT) */
const socketOf = (m: NeoConfig["mqtt"], l: ResolvedMqttListener) => [
  l.transport,
  l.listen,
  l.transport === "tls" || l.transport === "wss" ? [l.clientAuth, m.tls.certFile, m.tls.keyFile] : null,
];

export async function startMqttListeners(set: MqttListenerSet, m: NeoConfig["mqtt"]): Promise<void> {
  for (const l of mqttListeners(m)) set.running.set(l.name, { rules: l, listener: await set.start(m, l) });
}

/**
 * Bring the running listeners in line with `next`; returns what changed and what failed
 * (a failed one keeps its old listener, or none when it was new).
 */
export async function reconcileMqttListeners(
  set: MqttListenerSet,
  prev: NeoConfig["mqtt"],
  next: NeoConfig["mqtt"],
  log: Logger,
  /** the server certificate files were replaced: every tls:// and wss:// listener loads them again */
  renewTls = false,
): Promise<{ done: string[]; failed: string[] }> {
  const done: string[] = [];
  const failed: string[] = [];
  const wanted = mqttListeners(next);
  const old = new Map(set.running);
  const fresh = new Map<string, RunningMqtt>();
  const label = (l: ResolvedMqttListener) => (l.named ? `MQTT listener "${l.name}"` : "MQTT listener");
  for (const l of wanted) {
    // the same name, else the one listener (Tls switched on or off), else one on the same address
    const mine =
      old.get(l.name) ??
      (l.named ? undefined : [...old.values()].find((r) => !r.rules.named)) ??
      [...old.values()].find((r) => sameAddress(r.rules.listen, l.listen));
    if (
      mine &&
      same(socketOf(prev, mine.rules), socketOf(next, l)) &&
      !(renewTls && (l.transport === "tls" || l.transport === "wss"))
    ) {
      old.delete(mine.rules.name);
      fresh.set(l.name, { rules: l, listener: mine.listener });
      continue;
    }
    if (mine) old.delete(mine.rules.name);
    try {
      const r = mine
        ? await swapListener({
            samePort: sameAddress(mine.rules.listen, l.listen),
            current: mine.listener,
            start: () => set.start(next, l),
            restore: () => set.start(prev, mine.rules),
            release: (x) => x.stop(false), // its sessions run on (or are re-checked after the reload)
          })
        : { ok: true, listener: await set.start(next, l) };
      if (r.ok) {
        fresh.set(l.name, { rules: l, listener: r.listener });
        done.push(`${label(l)} ${r.listener.transport}://${r.listener.host}:${r.listener.port}`);
      } else {
        if (mine) fresh.set(mine.rules.name, { rules: mine.rules, listener: r.listener });
        failed.push(`${label(l)} (kept the old settings)`);
        log.error(`reload: the new ${label(l)} could not start; the old settings stay`, "error" in r ? r.error : "");
      }
    } catch (e) {
      failed.push(`${label(l)} (${mine ? "NOTHING listens there now" : "not started"})`);
      log.error(`reload: ${label(l)} could not start`, e);
    }
  }
  for (const r of old.values()) {
    r.listener.stop(true); // a removed listener: its own connections end, no one else's
    done.push(`${label(r.rules)} removed`);
  }
  set.running = fresh;
  return { done, failed };
}

/** the rules that really run, as settings: what a failed reload kept */
export function runningMqttSettings(
  set: MqttListenerSet,
  prev: NeoConfig["mqtt"],
  next: NeoConfig["mqtt"],
): NeoConfig["mqtt"] {
  const rules = [...set.running.values()].map((r) => r.rules);
  if (rules.some((r) => !r.named)) {
    const { listeners: _gone, ...rest } = next;
    return { ...rest, listen: prev.listen, tls: prev.tls };
  }
  // each running listener with the block it runs by: the new one, or the old one it kept
  const blockOf = (r: ResolvedMqttListener) =>
    [...(next.listeners ?? []), ...(prev.listeners ?? [])].find(
      (x) => x.name === r.name && same([x.transport, x.listen], [r.transport, r.listen]),
    );
  return { ...next, listeners: rules.flatMap((r) => blockOf(r) ?? []) };
}
