// Publish-to-delivery latency at a fixed rate: one publisher stamps performance.now() into
// each payload, `subscribers` subscribers (same process, same clock) take the difference
// for every delivery. QoS 0 or QoS 1 (publisher and subscriptions; subscribers PUBACK each
// delivery at the end of the read that carried it). Every delivery is a sample, counted in
// a histogram of 1 µs buckets (p50, p99, p99.9, max).
import { cpuWindow, openLane, pool } from "../gen-common.ts";
import { PT, publishPacketId, publishPayloadOffset } from "../frames.ts";
import type { MqttConn } from "../client.ts";
import { qos0Batch, qos1Template } from "../packets.ts";
import type { CpuWindow, GenResult, GenSpec } from "../spec.ts";

/** 1 µs buckets up to 2 s; later samples land in the last one (max is kept apart) */
class Histogram {
  private readonly counts = new Uint32Array(2_000_000);
  n = 0;
  max = 0;
  add(ms: number): void {
    const us = Math.max(0, Math.round(ms * 1000));
    this.counts[Math.min(us, this.counts.length - 1)]!++;
    this.n++;
    if (ms > this.max) this.max = ms;
  }
  /** the smallest latency (ms) at or under which p % of the samples are */
  percentile(p: number): number {
    if (this.n === 0) return Number.NaN;
    const want = Math.max(1, Math.ceil((p / 100) * this.n));
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i]!;
      if (seen >= want) return i === this.counts.length - 1 ? this.max : i / 1000;
    }
    return this.max;
  }
}

/** PUBACKs for the ids a read delivered, written once at the end of that read */
function acker(conn: MqttConn): (pid: number) => void {
  let ids: number[] = [];
  const flush = () => {
    const out = Buffer.allocUnsafe(ids.length * 4);
    ids.forEach((id, k) => {
      out[k * 4] = 0x40;
      out[k * 4 + 1] = 2;
      out.writeUInt16BE(id, k * 4 + 2);
    });
    ids = [];
    conn.write(out);
  };
  return (pid) => {
    if (ids.length === 0) queueMicrotask(flush);
    ids.push(pid);
  };
}

export async function runLatency(spec: GenSpec): Promise<GenResult> {
  const rate = Number(spec.params.rate ?? 2000);
  const durationMs = Number(spec.params.durationMs ?? 5000);
  const warmupMs = Number(spec.params.warmupMs ?? 500);
  const payloadBytes = Math.max(16, Number(spec.params.payloadBytes ?? 64));
  const qos = Number(spec.params.qos ?? 0) === 1 ? 1 : 0;
  const nSubs = Math.max(1, Number(spec.params.subscribers ?? 1));
  const topic = "bench/latency";
  const hist = new Histogram();
  // params.trace (a file path, bench/micro/latency-trace.ts): every measured sample's send time
  // (ms after the measured window opened) and latency, as Float64 pairs
  const tracePath = typeof spec.params.trace === "string" ? spec.params.trace : null;
  let trace = tracePath ? new Float64Array(2 * Math.ceil(rate * (durationMs / 1000) * nSubs + 1024)) : null;
  let traced = 0;
  let measureFrom = 0;
  let received = 0;
  let measuring = false;
  const subs: MqttConn[] = [];
  const opened = await pool(nSubs, 20, async (i) => {
    const sub = await openLane(spec, "s", i);
    subs.push(sub);
    const ack = qos === 1 ? acker(sub) : null;
    sub.onFrame((type, flags, buf, body) => {
      if (type !== PT.PUBLISH) return;
      const now = performance.now();
      received++;
      const stamp = buf.readDoubleLE(publishPayloadOffset(buf, body, flags));
      if (measuring) {
        hist.add(now - stamp);
        if (trace) {
          if (traced + 2 > trace.length) {
            const more = new Float64Array(trace.length * 2);
            more.set(trace);
            trace = more;
          }
          trace[traced++] = stamp - measureFrom;
          trace[traced++] = now - stamp;
        }
      }
      if (ack && ((flags >> 1) & 3) === 1) ack(publishPacketId(buf, body));
    });
    await sub.subscribe(topic, qos);
  });
  if (opened.failed > 0) throw new Error(`${opened.failed} subscriber(s) failed: ${opened.firstError}`);
  const pub = await openLane(spec, "p", nSubs);
  const payload = Buffer.alloc(payloadBytes, 0x63);
  const one = qos === 1 ? qos1Template(topic, payload) : { packet: qos0Batch(topic, payload, 1), idOffset: -1 };
  const size = one.packet.length;
  const payloadAt = size - payloadBytes;
  let inflight = 0;
  let heldBack = 0;
  pub.onFrame((type) => {
    if (type === PT.PUBACK) inflight--;
  });
  let sent = 0;
  let pid = 1;
  const t0 = performance.now();
  let running = true;
  let cpu: ReturnType<typeof cpuWindow> | undefined;
  let win: CpuWindow | undefined;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      const due = Math.floor(((now - t0) * rate) / 1000);
      if (due > sent) {
        // QoS 1: never more than 60,000 unacknowledged (packet ids are 16 bits)
        const k = qos === 1 ? Math.min(due - sent, 60_000 - inflight) : due - sent;
        if (k < due - sent) heldBack += due - sent - k;
        const out = Buffer.allocUnsafe(size * Math.max(0, k));
        for (let j = 0; j < k; j++) {
          one.packet.copy(out, j * size);
          if (qos === 1) {
            out.writeUInt16BE(pid, j * size + one.idOffset);
            pid = pid === 65535 ? 1 : pid + 1;
          }
          out.writeDoubleLE(performance.now(), j * size + payloadAt);
        }
        if (k > 0) pub.write(out);
        if (qos === 1) inflight += Math.max(0, k);
        sent = due;
      }
      if (running) setTimeout(tick, 0);
      else resolve();
    };
    tick();
    setTimeout(() => {
      measuring = true;
      measureFrom = performance.now();
      cpu = cpuWindow(spec.brokerPid);
    }, warmupMs);
    setTimeout(() => {
      running = false;
      win = cpu?.end();
    }, warmupMs + durationMs);
  });
  const expected = (sent - heldBack) * nSubs;
  const deadline = performance.now() + 2000;
  while (received < expected && performance.now() < deadline) await Bun.sleep(5);
  await Promise.all([pub.disconnect(500), ...subs.map((s) => s.disconnect(500))]);
  const lost = expected - received;
  if (tracePath && trace) await Bun.write(tracePath, trace.subarray(0, traced));
  const notes: string[] = [];
  if (lost > 0) notes.push(`${lost} of ${expected} deliveries not received`);
  if (heldBack > 0) notes.push(`${heldBack} publishes held back (60,000 QoS 1 unacknowledged)`);
  return {
    scenario: "latency",
    metrics: {
      p50: hist.percentile(50),
      p99: hist.percentile(99),
      p999: hist.percentile(99.9),
      max: hist.max,
      samples: hist.n,
      rate,
      lost,
    },
    ...(win ? { cpu: win } : {}),
    notes,
  };
}
