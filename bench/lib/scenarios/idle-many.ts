// RSS per idle authenticated connection at tens of thousands (issue 24: 5,000 and 50,000).
// Past ~28,000 connections one loopback source address runs out of ephemeral ports, so the
// connections come from 127.0.0.2, 127.0.0.3, ... (`perSource` each; node:net's localAddress:
// all of 127/8 is loopback on Linux). A step larger than the open-files limit allows is
// skipped and said so (both this process and the broker hold one descriptor per connection).
// Baseline: 1,000 connections opened and closed, twice (`warmRounds`), then the broker's idle
// RSS (warm, as idle-rss); each step reports (RSS - baseline) / connections. Two rounds: a
// compiled neo starts with raised JIT thresholds and sets the normal ones once busy
// (src/lib/jit-policy.ts), so after one round the CONNECT path's optimized code is compiled in
// the first measured step and counted per connection (bench/RESULTS.md "Session 8: idle memory").
// Every reading waits `quietMs` first (idle-rss.ts idleRss).
import net from "node:net";
import { identityFor, pool } from "../gen-common.ts";
import { connectPacket } from "../packets.ts";
import type { GenResult, GenSpec } from "../spec.ts";
import { idleRss } from "./idle-rss.ts";

function openIdle(spec: GenSpec, i: number, localAddress: string): Promise<net.Socket> {
  const id = identityFor(spec, "m", i);
  const packet = connectPacket(id.clientId, id, 0);
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: spec.host, port: spec.port, localAddress, noDelay: true });
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`CONNECT ${id.clientId}: no CONNACK in 30 s`));
    }, 30_000);
    s.once("connect", () => s.write(packet));
    s.once("data", (d: Buffer) => {
      clearTimeout(timer);
      if (d[0] === 0x20 && d[3] === 0) resolve(s);
      else {
        s.destroy();
        reject(new Error(`CONNECT ${id.clientId}: refused, return code ${d[3]}`));
      }
    });
    s.once("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

export async function runIdleMany(spec: GenSpec): Promise<GenResult> {
  const steps = (spec.params.steps as number[] | undefined) ?? [5000, 50_000];
  const maxConns = Number(spec.params.maxConns ?? 10_000);
  const perSource = Number(spec.params.perSource ?? 5000);
  const concurrency = Number(spec.params.concurrency ?? 64);
  const quietMs = Number(spec.params.quietMs ?? 0);
  const metrics: Record<string, number> = {};
  const notes: string[] = [];
  const socks: net.Socket[] = [];
  let next = 0; // client ids are never reused (a reused one would take the session over)
  const open = (n: number) =>
    pool(n, concurrency, async () => {
      const i = next++;
      // from 127.0.0.2 on: 127.0.0.1's ports may still be in TIME_WAIT from the scenarios before
      socks.push(await openIdle(spec, i, `127.0.0.${2 + Math.floor(i / perSource)}`));
    });
  try {
    const warmRounds = Number(spec.params.warmRounds ?? 2);
    for (let round = 0; round < warmRounds; round++) {
      const warm = await open(1000);
      if (warm.failed > 0) notes.push(`${warm.failed} of 1,000 warm-up connects failed (first: ${warm.firstError})`);
      for (const s of socks.splice(0)) s.destroy();
      if (round + 1 < warmRounds) await Bun.sleep(1000); // the JIT policy's watch sees the busy window
    }
    const base = await idleRss(spec.brokerPid, quietMs);
    metrics.warmBaseKb = base;
    // a step past the open-files limit is measured at the most the limit allows instead (and said so)
    const most = Math.floor((maxConns - 1000) / 1000) * 1000;
    const wanted = steps.flatMap((n) => (n <= maxConns ? [n] : most > socks.length ? [most] : []));
    for (const want of [...new Set(wanted)].sort((a, b) => a - b)) {
      if (!steps.includes(want))
        notes.push(
          `${Math.max(...steps).toLocaleString("en")} connections need a higher open-files limit (${maxConns}): measured ${want.toLocaleString("en")} instead (kbPerConnMost)`,
        );
      const r = await open(want - socks.length);
      if (r.failed > 0) {
        notes.push(`${r.failed} of ${want} connects failed at step ${want} (first: ${r.firstError})`);
        break;
      }
      const rss = await idleRss(spec.brokerPid, quietMs);
      const key = steps.includes(want) ? String(want) : "Most";
      metrics[`rss${key}Kb`] = rss;
      metrics[`kbPerConn${key}`] = (rss - base) / want;
      if (key === "Most") metrics.connsMost = want;
    }
  } finally {
    for (const s of socks) s.destroy();
  }
  return { scenario: "idle-many", metrics, notes };
}
