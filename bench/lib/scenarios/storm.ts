// Reconnect storm (issue 24): `clients` authenticated clients connect at once (at most
// `concurrency` CONNECTs in flight; default all of them), keep alive 60 s, and stay
// connected, the morning after a power cut. Meanwhile a client connected before the storm,
// in a process of its own (bench/lib/ping-probe.ts: this one is busy opening 10,000 sockets),
// sends a PINGREQ every `pingMs` (at a fixed rate, whatever the answers do) and times each
// PINGRESP: is the broker still responsive? The probe goes on for `afterMs` (1 s) past the
// last CONNACK: what a broker does once a storm is over (a collection, say) counts apart, as
// "PINGREQ max in the second after". Counted apart too: CONNACKs that refuse (a broker
// refusing for load) and connects that failed otherwise (timeouts, resets).
import { MqttConn } from "../client.ts";
import { join } from "node:path";
import { cpuWindow, endpointFor, identityFor, percentile, pool } from "../gen-common.ts";
import type { GenResult, GenSpec } from "../spec.ts";

export async function runStorm(spec: GenSpec): Promise<GenResult> {
  const n = Number(spec.params.clients ?? 10_000);
  const concurrency = Number(spec.params.concurrency ?? n);
  const pingMs = Number(spec.params.pingMs ?? 10);
  const afterMs = Number(spec.params.afterMs ?? 1000);
  const timeoutMs = Number(spec.params.timeoutMs ?? 30_000);
  const notes: string[] = [];

  const pid = identityFor(spec, "probe", 0);
  const probe = Bun.spawn([process.execPath, join(import.meta.dir, "../ping-probe.ts")], {
    stdin: "pipe",
    stdout: "pipe",
  });
  const out = (probe.stdout as ReadableStream<Uint8Array>).getReader();
  let text = "";
  const nextLine = async () => {
    for (;;) {
      const i = text.indexOf("\n");
      if (i >= 0) {
        const l = text.slice(0, i);
        text = text.slice(i + 1);
        return l;
      }
      const { value, done } = await out.read();
      if (done) throw new Error("ping probe ended");
      text += new TextDecoder().decode(value);
    }
  };
  probe.stdin.write(
    `${JSON.stringify({ endpoint: endpointFor(spec, pid), open: { clientId: pid.clientId, keepalive: 60, ...(pid.username !== undefined ? { username: pid.username } : {}), ...(pid.password !== undefined ? { password: pid.password } : {}) }, pingMs })}\n`,
  );
  probe.stdin.flush();
  if ((await nextLine()) !== "ready") throw new Error("ping probe did not connect");

  const conns: MqttConn[] = [];
  let refused = 0;
  let failed = 0;
  let firstError: string | undefined;
  const cpu = cpuWindow(spec.brokerPid);
  const t0 = performance.now();
  await pool(n, concurrency, async (i) => {
    const id = identityFor(spec, "storm", i);
    try {
      conns.push(
        await MqttConn.open(endpointFor(spec, id), {
          clientId: id.clientId,
          keepalive: 60,
          timeoutMs,
          ...(id.username !== undefined ? { username: id.username } : {}),
          ...(id.password !== undefined ? { password: id.password } : {}),
        }),
      );
    } catch (e) {
      const msg = (e as Error).message;
      if (/refused, return code/.test(msg)) refused++;
      else failed++;
      firstError ??= msg;
    }
  });
  const secs = (performance.now() - t0) / 1000;
  const win = cpu.end();
  const stormEnd = performance.timeOrigin + performance.now();
  await Bun.sleep(afterMs);
  probe.stdin.write("stop\n");
  probe.stdin.flush();
  const answers = JSON.parse(await nextLine()) as { rtts: number[]; at: number[]; unanswered: number };
  const { unanswered } = answers;
  await probe.exited;
  const during = answers.rtts.filter((_, i) => (answers.at[i] as number) <= stormEnd);
  const after = answers.rtts.filter((_, i) => (answers.at[i] as number) > stormEnd);
  const sorted = Float64Array.from(during).sort();
  if (refused > 0) notes.push(`${refused} CONNECTs refused by the broker (first: ${firstError})`);
  if (failed > 0) notes.push(`${failed} connects failed (first: ${firstError})`);
  if (unanswered > 0) notes.push(`${unanswered} PINGREQs unanswered 2 s after the probe stopped`);
  // the slowest answers and when they were asked (to line up with a broker-side log: GC, stalls)
  const slowest = answers.rtts
    .map((rtt, i) => ({ rtt, at: answers.at[i] as number }))
    .sort((x, y) => y.rtt - x.rtt)
    .slice(0, 3)
    .map(
      (p) => `${p.rtt.toFixed(1)} ms at +${(p.at - (performance.timeOrigin + t0)).toFixed(0)} ms (${p.at.toFixed(0)})`,
    );
  notes.push(`slowest PINGREQs (from the storm's start; epoch ms): ${slowest.join(", ")}; storm ${secs.toFixed(2)} s`);
  const metrics = {
    connected: conns.length,
    refused,
    failed,
    seconds: secs,
    rate: conns.length / secs,
    pings: during.length,
    pingP50: percentile(sorted, 50),
    pingP99: percentile(sorted, 99),
    pingMax: sorted.length > 0 ? (sorted[sorted.length - 1] as number) : Number.NaN,
    pingAfterMax: after.length > 0 ? Math.max(...after) : Number.NaN,
  };
  for (const c of conns) c.destroy();
  if (probe.exitCode === null) probe.kill();
  return { scenario: "storm", metrics, cpu: win, notes };
}
