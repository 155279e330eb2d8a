// QoS 1 acked throughput: P publishers, each keeping up to `window` PUBLISHes awaiting PUBACK.
// No subscriber: this measures the broker's receive-and-acknowledge path.
import { cpuWindow, openLane } from "../gen-common.ts";
import { PT } from "../frames.ts";
import { nextId, qos1Batch, qos1Template } from "../packets.ts";
import type { GenResult, GenSpec } from "../spec.ts";

export async function runQos1(spec: GenSpec): Promise<GenResult> {
  const P = Number(spec.params.publishers ?? 4);
  const durationMs = Number(spec.params.durationMs ?? 3000);
  const warmupMs = Number(spec.params.warmupMs ?? 500);
  const window = Number(spec.params.window ?? 256);
  const batch = Number(spec.params.batch ?? 32);
  const payloadBytes = Number(spec.params.payloadBytes ?? 64);
  const tpl = qos1Template("bench/qos1", Buffer.alloc(payloadBytes, 0x62));

  let acked = 0;
  let running = true;
  const pubs = await Promise.all(Array.from({ length: P }, (_, i) => openLane(spec, "q", i)));
  const inflight = new Array<number>(P).fill(0);
  const ids = new Array<number>(P).fill(1);
  const refill = (i: number) => {
    const c = pubs[i]!;
    while (running && inflight[i]! + batch <= window) {
      c.write(qos1Batch(tpl, ids[i]!, batch));
      ids[i] = nextId(ids[i]!, batch);
      inflight[i]! += batch;
    }
  };
  pubs.forEach((c, i) => {
    c.onFrame((type) => {
      if (type !== PT.PUBACK) return;
      acked++;
      inflight[i]!--;
      if (inflight[i]! + batch <= window) refill(i);
    });
  });
  pubs.forEach((_, i) => refill(i));

  await Bun.sleep(warmupMs);
  const a0 = acked;
  const cpu = cpuWindow(spec.brokerPid);
  await Bun.sleep(durationMs);
  const a1 = acked;
  const win = cpu.end();
  running = false;
  const deadline = performance.now() + 2000;
  while (inflight.some((n) => n > 0) && performance.now() < deadline) await Bun.sleep(10);
  const missing = inflight.reduce((a, b) => a + b, 0);
  await Promise.all(pubs.map((c) => c.disconnect(500)));
  return {
    scenario: "qos1",
    metrics: { rate: (a1 - a0) / win.wallSec, unacked: missing, publishers: P, window },
    cpu: win,
    notes: missing > 0 ? [`${missing} PUBLISH(es) never acknowledged`] : [],
  };
}
