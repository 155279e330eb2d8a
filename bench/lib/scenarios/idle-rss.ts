// Broker RSS per idle authenticated connection. Connections stay open, keepalive 0.
//
// Two figures, both on the same broker process:
// - cold: a fresh broker, then the first 1,000 connections. It includes what the broker
//   pays once, on its first clients (a JIT runtime compiles and first touches its
//   connect path: several MB of code pages and compiler data, not per connection).
// - warm: those 1,000 closed and the broker idle again, a new baseline, then 1,000 and
//   10,000 (steps configurable, capped by the open-files limit). This is what each more
//   idle client costs on a broker that has served clients before: the figure to size a
//   gateway by, and the one the target is judged on.
// "Idle" means the broker's RSS has held still for a second (the warm figures: and no client
// came for 11 s, `quietMs`): a broker that collects its garbage once connects stop is measured
// after it did, like one that never makes any.
import { pool, openLane } from "../gen-common.ts";
import type { MqttConn } from "../client.ts";
import { procRssKb } from "../proc.ts";
import type { GenResult, GenSpec } from "../spec.ts";

/**
 * VmRSS once ten readings over one second agree within 1 % (gives up after 15 s), not before
 * `quietMs` without clients coming (the warm figures: 11 s, so a broker's housekeeping after a
 * burst of connects, such as neo's one full collection at most every 10 s, has run first; read
 * before it, the same build gave 1.5-3.5 KB per connection at 5,000 from run to run).
 */
export async function idleRss(pid: number, quietMs = 0): Promise<number> {
  if (quietMs > 0) await Bun.sleep(quietMs);
  const window: number[] = [];
  const end = performance.now() + 15_000;
  for (;;) {
    window.push(procRssKb(pid));
    if (window.length > 10) window.shift();
    const lo = Math.min(...window);
    const hi = Math.max(...window);
    if ((window.length === 10 && hi - lo <= lo * 0.01) || performance.now() > end) return window[window.length - 1]!;
    await Bun.sleep(100);
  }
}

export async function runIdleRss(spec: GenSpec): Promise<GenResult> {
  const steps = (spec.params.steps as number[] | undefined) ?? [1000, 10_000];
  const maxConns = Number(spec.params.maxConns ?? 10_000);
  const concurrency = Number(spec.params.concurrency ?? 64);
  const quietMs = Number(spec.params.quietMs ?? 0);
  const coldConns = Math.min(1000, maxConns);
  const metrics: Record<string, number> = {};
  const notes: string[] = [];
  const open = async (tag: string, n: number, into: MqttConn[]) => {
    const from = into.length;
    return pool(n, concurrency, async (i) => {
      into.push(await openLane(spec, tag, from + i));
    });
  };

  // cold: the first 1,000 clients a fresh broker ever sees
  const cold: MqttConn[] = [];
  const fresh = await idleRss(spec.brokerPid);
  metrics.baseKb = fresh;
  try {
    const r = await open("c", coldConns, cold);
    if (r.failed > 0) {
      notes.push(`${r.failed} of ${coldConns} cold connects failed (first: ${r.firstError})`);
      return { scenario: "idle-rss", metrics, notes };
    }
    const rss = await idleRss(spec.brokerPid);
    metrics.coldRssKb = rss;
    metrics.kbPerConnCold = (rss - fresh) / coldConns;
  } finally {
    await Promise.all(cold.map((c) => c.disconnect().catch(() => c.destroy())));
  }

  // warm: a new baseline once those are gone and the broker is idle again
  const conns: MqttConn[] = [];
  const base = await idleRss(spec.brokerPid, quietMs);
  metrics.warmBaseKb = base;
  try {
    for (const want of steps) {
      if (want > maxConns) {
        notes.push(`skipped ${want} connections: open-files limit allows ${maxConns}`);
        continue;
      }
      const r = await open("i", want - conns.length, conns);
      if (r.failed > 0) {
        notes.push(`${r.failed} of ${want} connects failed at step ${want} (first: ${r.firstError})`);
        break;
      }
      const rss = await idleRss(spec.brokerPid, quietMs);
      metrics[`rss${want}Kb`] = rss;
      metrics[`kbPerConn${want}`] = (rss - base) / want;
    }
  } finally {
    // close without waiting on each polite DISCONNECT: the broker is killed right after
    for (const c of conns) c.destroy();
  }
  return { scenario: "idle-rss", metrics, notes };
}
