// neo only: db/append/<table> ingest. QoS 1 publishes of JSON arrays of rows with a window of
// unacknowledged messages; rows/s counts acknowledged rows, then /db/query checks they are on disk.
import mqtt from "mqtt-packet";
import { cpuWindow, openLane } from "../gen-common.ts";
import { PT } from "../frames.ts";
import { nextId } from "../packets.ts";
import type { GenResult, GenSpec } from "../spec.ts";

export async function runDbAppend(spec: GenSpec): Promise<GenResult> {
  const P = Number(spec.params.publishers ?? 2);
  const durationMs = Number(spec.params.durationMs ?? 3000);
  const rowsPerMsg = Number(spec.params.rowsPerMsg ?? 100);
  const window = Number(spec.params.window ?? 16);
  const table = String(spec.params.table ?? `BENCH_${Date.now()}`);
  const topic = `db/append/${table}`;
  if (!spec.http) throw new Error("db-append needs the target's HTTP address");

  let ts = BigInt(Date.now()) * 1_000_000n;
  const payload = (): Buffer => {
    const rows: string[] = [];
    for (let r = 0; r < rowsPerMsg; r++) {
      ts += 1000n;
      rows.push(`["bench.s${r & 7}",${ts},${(r * 0.25).toFixed(2)}]`);
    }
    return Buffer.from(`[${rows.join(",")}]`);
  };

  const pubs = await Promise.all(Array.from({ length: P }, (_, i) => openLane(spec, "d", i)));
  const inflight = new Array<number>(P).fill(0);
  const ids = new Array<number>(P).fill(1);
  let ackedMsgs = 0;
  let running = true;
  let lastAckAt = performance.now();
  const send = (i: number) => {
    while (running && inflight[i]! < window) {
      pubs[i]!.write(
        mqtt.generate({
          cmd: "publish",
          topic,
          payload: payload(),
          qos: 1,
          messageId: ids[i]!,
          retain: false,
          dup: false,
        }),
      );
      ids[i] = nextId(ids[i]!);
      inflight[i]!++;
    }
  };
  pubs.forEach((c, i) =>
    c.onFrame((type) => {
      if (type !== PT.PUBACK) return;
      ackedMsgs++;
      inflight[i]!--;
      lastAckAt = performance.now();
      send(i);
    }),
  );

  const t0 = performance.now();
  const cpu = cpuWindow(spec.brokerPid);
  pubs.forEach((_, i) => send(i));
  await Bun.sleep(durationMs);
  running = false;
  const deadline = performance.now() + 10_000;
  while (inflight.some((n) => n > 0) && performance.now() < deadline) await Bun.sleep(5);
  const win = cpu.end();
  const elapsed = (lastAckAt - t0) / 1000;
  const unacked = inflight.reduce((a, b) => a + b, 0);
  await Promise.all(pubs.map((c) => c.disconnect(500)));

  const rows = ackedMsgs * rowsPerMsg;
  const notes: string[] = [];
  if (unacked > 0) notes.push(`${unacked} message(s) never acknowledged`);
  let onDisk = NaN;
  try {
    const url = `${spec.http.base}/db/query?q=${encodeURIComponent(`select count(*) from ${table}`)}`;
    const res = await fetch(url, { headers: { Authorization: `Bearer ${spec.http.token}` } });
    const body = (await res.json()) as { success?: boolean; reason?: string; data?: { rows?: unknown[][] } };
    if (!body.success) throw new Error(`HTTP ${res.status}: ${body.reason ?? "no reason"}`);
    onDisk = Number(body.data?.rows?.[0]?.[0]);
  } catch (e) {
    notes.push(`count query failed: ${(e as Error).message}`);
  }
  if (Number.isFinite(onDisk) && onDisk < rows) notes.push(`only ${onDisk} of ${rows} acknowledged rows found on disk`);
  if (Number.isFinite(onDisk) && onDisk >= rows)
    notes.push(`verified: select count(*) = ${onDisk} >= ${rows} acknowledged rows`);
  return {
    scenario: "db-append",
    metrics: { rate: rows / elapsed, rows, onDisk, rowsPerMsg, publishers: P, window },
    cpu: win,
    notes,
  };
}
