// QoS 0 flow: P publishers -> one topic -> S subscribers. Fan-in is P=N,S=1; fan-out P=1,S=N.
// Counts what the subscribers RECEIVE. A window bounds deliveries owed (sent*S - received)
// so no broker is flooded into unbounded queues; a stall of 1 s writes the owed ones off as lost.
import { cpuWindow, openLane, Waker } from "../gen-common.ts";
import { PT } from "../frames.ts";
import { qos0Batch } from "../packets.ts";
import type { GenResult, GenSpec } from "../spec.ts";

export async function runQos0(spec: GenSpec): Promise<GenResult> {
  const P = Number(spec.params.publishers ?? 4);
  const S = Number(spec.params.subscribers ?? 1);
  const durationMs = Number(spec.params.durationMs ?? 3000);
  const warmupMs = Number(spec.params.warmupMs ?? 500);
  const payloadBytes = Number(spec.params.payloadBytes ?? 64);
  const batch = Number(spec.params.batch ?? 100);
  const window = Number(spec.params.window ?? 20_000); // deliveries owed
  const topic = "bench/qos0";

  const subs = await Promise.all(Array.from({ length: S }, (_, i) => openLane(spec, "s", i)));
  const pubs = await Promise.all(Array.from({ length: P }, (_, i) => openLane(spec, "p", S + i)));
  let received = 0;
  const waker = new Waker();
  for (const s of subs) {
    s.onFrame((type) => {
      if (type === PT.PUBLISH) {
        received++;
        if ((received & 0x3ff) === 0) waker.signal();
      }
    });
    await s.subscribe(topic, 0);
  }
  const buf = qos0Batch(topic, Buffer.alloc(payloadBytes, 0x61), batch);

  let sent = 0; // messages published
  let writtenOff = 0; // deliveries given up on after a stall
  let stalls = 0;
  let running = true;
  const pump = (async () => {
    let k = 0;
    let lastProgress = performance.now();
    let lastReceived = 0;
    while (running) {
      const owed = sent * S - received - writtenOff;
      if (owed + batch * S <= window) {
        const pub = pubs[k++ % P]!;
        sent += batch;
        if (!pub.write(buf)) await pub.drained();
        if ((k & 31) === 0) await new Promise<void>((r) => setImmediate(r));
        continue;
      }
      await waker.wait(20);
      if (received !== lastReceived) {
        lastReceived = received;
        lastProgress = performance.now();
      } else if (performance.now() - lastProgress > 1000) {
        stalls++;
        writtenOff = sent * S - received;
        lastProgress = performance.now();
      }
    }
  })();

  await Bun.sleep(warmupMs);
  const r0 = received;
  const cpu = cpuWindow(spec.brokerPid);
  await Bun.sleep(durationMs);
  const r1 = received;
  const win = cpu.end();
  running = false;
  await pump;
  // let what is in flight arrive, to count losses honestly
  const deadline = performance.now() + 2000;
  while (received < sent * S && performance.now() < deadline) await waker.wait(50);
  const lost = sent * S - received;
  await Promise.all([...pubs, ...subs].map((c) => c.disconnect(500)));

  const notes: string[] = [];
  if (lost > 0) notes.push(`${lost} of ${sent * S} deliveries lost (${((100 * lost) / (sent * S)).toFixed(2)}%)`);
  if (stalls > 0) notes.push(`${stalls} stall(s) of 1 s with no delivery`);
  return {
    scenario: "qos0",
    metrics: { rate: (r1 - r0) / win.wallSec, lost, sent, publishers: P, subscribers: S },
    cpu: win,
    notes,
  };
}
