// Reconnect storm (issue 24): `clients` authenticated clients connect at once (at most
// `concurrency` CONNECTs in flight; default all of them), keep alive 60 s, and stay
// connected, the morning after a power cut. Meanwhile a client connected before the storm
// sends a PINGREQ every `pingMs` (at a fixed rate, whatever the answers do) and times each
// PINGRESP: is the broker still responsive? Counted apart: CONNACKs that refuse (a broker
// refusing for load) and connects that failed otherwise (timeouts, resets).
import { MqttConn } from "../client.ts";
import { PT } from "../frames.ts";
import { cpuWindow, endpointFor, identityFor, openLane, percentile, pool } from "../gen-common.ts";
import type { GenResult, GenSpec } from "../spec.ts";

const PINGREQ = Buffer.from([0xc0, 0x00]);

export async function runStorm(spec: GenSpec): Promise<GenResult> {
  const n = Number(spec.params.clients ?? 10_000);
  const concurrency = Number(spec.params.concurrency ?? n);
  const pingMs = Number(spec.params.pingMs ?? 10);
  const timeoutMs = Number(spec.params.timeoutMs ?? 30_000);
  const notes: string[] = [];

  const probe = await openLane(spec, "probe", 0, 60);
  const sentAt: number[] = []; // PINGREQs not yet answered, oldest first
  const rtts: number[] = [];
  probe.onFrame((type) => {
    if (type !== PT.PINGRESP) return;
    const t = sentAt.shift();
    if (t !== undefined) rtts.push(performance.now() - t);
  });
  const ping = () => {
    sentAt.push(performance.now());
    probe.write(PINGREQ);
  };
  const ticker = setInterval(ping, pingMs);

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
  clearInterval(ticker);
  // the pings still out when the storm ended: wait for them (bounded), an unanswered one counts as its wait
  const until = performance.now() + 2000;
  while (sentAt.length > 0 && performance.now() < until) await Bun.sleep(5);
  const unanswered = sentAt.length;
  for (const t of sentAt) rtts.push(performance.now() - t);
  const sorted = Float64Array.from(rtts).sort();
  if (refused > 0) notes.push(`${refused} CONNECTs refused by the broker (first: ${firstError})`);
  if (failed > 0) notes.push(`${failed} connects failed (first: ${firstError})`);
  if (unanswered > 0) notes.push(`${unanswered} PINGREQs unanswered 2 s after the storm`);
  const metrics = {
    connected: conns.length,
    refused,
    failed,
    seconds: secs,
    rate: conns.length / secs,
    pings: rtts.length,
    pingP50: percentile(sorted, 50),
    pingP99: percentile(sorted, 99),
    pingMax: sorted.length > 0 ? (sorted[sorted.length - 1] as number) : Number.NaN,
  };
  for (const c of conns) c.destroy();
  probe.destroy();
  return { scenario: "storm", metrics, cpu: win, notes };
}
