// Authenticated connects per second: C lanes each loop TCP/TLS connect -> CONNECT -> CONNACK 0
// -> DISCONNECT -> wait for the server to close. Bounded by time and by a total count.
import { cpuWindow, openLane } from "../gen-common.ts";
import type { GenResult, GenSpec } from "../spec.ts";

export async function runConnect(spec: GenSpec): Promise<GenResult> {
  const C = Number(spec.params.concurrency ?? 16);
  const durationMs = Number(spec.params.durationMs ?? 3000);
  const warmupMs = Number(spec.params.warmupMs ?? 0);
  const maxTotal = Number(spec.params.maxTotal ?? 20_000);
  // warm-up first, not counted: a JIT runtime compiles its connect path in the first second
  if (warmupMs > 0) await runLanes(spec, C, warmupMs, maxTotal);
  const cpu = cpuWindow(spec.brokerPid);
  const { done, failed, firstError } = await runLanes(spec, C, durationMs, maxTotal);
  const win = cpu.end();
  const notes: string[] = [];
  if (failed > 0) notes.push(`${failed} failed connects (first: ${firstError})`);
  if (done + failed >= maxTotal) notes.push(`stopped at the ${maxTotal}-connect cap`);
  return { scenario: "connect", metrics: { rate: done / win.wallSec, done, failed, concurrency: C }, cpu: win, notes };
}

async function runLanes(spec: GenSpec, C: number, durationMs: number, maxTotal: number) {
  let done = 0,
    failed = 0;
  let firstError: string | undefined;
  let running = true;
  const lane = async (i: number) => {
    while (running && done + failed < maxTotal) {
      try {
        const c = await openLane(spec, "c", i);
        // DISCONNECT and close from our side at once: TIME_WAIT then lands on the client, where
        // Linux reuses loopback ports (tcp_tw_reuse); server-side TIME_WAITs turned fresh
        // SYNs into 1 s retransmits and made the figure measure that instead of the broker
        c.close();
        done++;
      } catch (e) {
        failed++;
        firstError ??= (e as Error).message;
        if (failed > 50 && failed > done) {
          running = false;
        }
      }
    }
  };
  const lanes = Array.from({ length: C }, (_, i) => lane(i));
  const timer = setTimeout(() => {
    running = false;
  }, durationMs);
  await Promise.all(lanes);
  clearTimeout(timer);
  return { done, failed, firstError };
}
