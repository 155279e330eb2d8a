// Publish-to-delivery latency at a fixed rate: one publisher stamps performance.now() into
// each QoS 0 payload, one subscriber (same process, same clock) takes the difference.
import { cpuWindow, openLane, percentile } from "../gen-common.ts";
import { PT, publishPayloadOffset } from "../frames.ts";
import { qos0Batch } from "../packets.ts";
import type { CpuWindow, GenResult, GenSpec } from "../spec.ts";

export async function runLatency(spec: GenSpec): Promise<GenResult> {
  const rate = Number(spec.params.rate ?? 2000);
  const durationMs = Number(spec.params.durationMs ?? 5000);
  const warmupMs = Number(spec.params.warmupMs ?? 500);
  const payloadBytes = Math.max(16, Number(spec.params.payloadBytes ?? 64));
  const topic = "bench/latency";
  const sub = await openLane(spec, "s", 0);
  const pub = await openLane(spec, "p", 1);
  const samples = new Float64Array(Math.ceil((rate * (durationMs + warmupMs)) / 1000) + 1000);
  let n = 0,
    received = 0;
  let measuring = false;
  sub.onFrame((type, flags, buf, body) => {
    if (type !== PT.PUBLISH) return;
    const now = performance.now();
    received++;
    const stamp = buf.readDoubleLE(publishPayloadOffset(buf, body, flags));
    if (measuring && n < samples.length) samples[n++] = now - stamp;
  });
  await sub.subscribe(topic, 0);

  const one = qos0Batch(topic, Buffer.alloc(payloadBytes, 0x63), 1);
  const payloadAt = one.length - payloadBytes;
  let sent = 0;
  const t0 = performance.now();
  let running = true;
  let cpu: ReturnType<typeof cpuWindow> | undefined;
  let win: CpuWindow | undefined;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      const due = Math.floor(((now - t0) * rate) / 1000);
      if (due > sent) {
        const k = due - sent;
        const out = Buffer.allocUnsafe(one.length * k);
        for (let j = 0; j < k; j++) {
          one.copy(out, j * one.length);
          out.writeDoubleLE(performance.now(), j * one.length + payloadAt);
        }
        pub.write(out);
        sent = due;
      }
      if (running) setTimeout(tick, 0);
      else resolve();
    };
    tick();
    setTimeout(() => {
      measuring = true;
      cpu = cpuWindow(spec.brokerPid);
    }, warmupMs);
    setTimeout(() => {
      running = false;
      win = cpu?.end();
    }, warmupMs + durationMs);
  });
  const deadline = performance.now() + 1000;
  while (received < sent && performance.now() < deadline) await Bun.sleep(5);
  await Promise.all([pub.disconnect(500), sub.disconnect(500)]);
  const sorted = samples.subarray(0, n).sort();
  const lost = sent - received;
  return {
    scenario: "latency",
    metrics: {
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      max: percentile(sorted, 100),
      samples: n,
      rate,
      lost,
    },
    ...(win ? { cpu: win } : {}),
    notes: lost > 0 ? [`${lost} of ${sent} messages not delivered`] : [],
  };
}
