// Broker RSS per idle authenticated connection: VmRSS before, after 1,000, after 10,000
// (steps configurable, capped by the open-files limit). Connections stay open, keepalive 0.
import { pool, openLane } from "../gen-common.ts";
import type { MqttConn } from "../client.ts";
import { procRssKb } from "../proc.ts";
import type { GenResult, GenSpec } from "../spec.ts";

async function settledRss(pid: number): Promise<number> {
  // let the broker finish allocating: sample until two readings 100 ms apart agree within 1%
  let prev = procRssKb(pid);
  for (let i = 0; i < 20; i++) {
    await Bun.sleep(100);
    const cur = procRssKb(pid);
    if (Math.abs(cur - prev) <= prev * 0.01) return cur;
    prev = cur;
  }
  return prev;
}

export async function runIdleRss(spec: GenSpec): Promise<GenResult> {
  const steps = (spec.params.steps as number[] | undefined) ?? [1000, 10_000];
  const maxConns = Number(spec.params.maxConns ?? 10_000);
  const concurrency = Number(spec.params.concurrency ?? 64);
  const conns: MqttConn[] = [];
  const metrics: Record<string, number> = {};
  const notes: string[] = [];
  const base = await settledRss(spec.brokerPid);
  metrics.baseKb = base;
  try {
    for (const want of steps) {
      if (want > maxConns) { notes.push(`skipped ${want} connections: open-files limit allows ${maxConns}`); continue; }
      const from = conns.length;
      const r = await pool(want - from, concurrency, async (i) => { conns.push(await openLane(spec, "i", from + i)); });
      if (r.failed > 0) { notes.push(`${r.failed} of ${want - from} connects failed at step ${want} (first: ${r.firstError})`); break; }
      const rss = await settledRss(spec.brokerPid);
      metrics[`rss${want}Kb`] = rss;
      metrics[`kbPerConn${want}`] = (rss - base) / want;
    }
  } finally {
    // close without waiting on each polite DISCONNECT: the broker is killed right after
    for (const c of conns) c.destroy();
  }
  return { scenario: "idle-rss", metrics, notes };
}
