// `bun bench/export.ts [--rows 200000] [--outage 60] [--cpu 0] [--ab 2]`
//
// Export to PostgreSQL (Debian's postgresql, started here in a temp dir, stopped by PID),
// with neo pinned to one core (`taskset -c <cpu>`):
//   ingest     rows/s /db/write takes (CSV, 5,000 rows a request, 2 requests at a time),
//              export off vs on (on: every acknowledged row is also fsynced into the queue)
//   sustained  rows/s that reach PostgreSQL while the writes run (from the first write to
//              the last row counted in PostgreSQL), and neo's CPU seconds per second
//   catch-up   PostgreSQL stopped, `rows` written, the outage lasts `outage` s, PostgreSQL
//              back: seconds to the first row, then rows/s while the backlog drains
// Loopback only; every process is started and stopped by PID.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { startPostgres } from "../test/e2e/postgres.ts";
import { procCpuSeconds } from "./lib/proc.ts";

const ROOT = resolve(import.meta.dir, "..");
const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const ROWS = arg("rows", 200_000);
const OUTAGE_S = arg("outage", 60);
const CPU = arg("cpu", 0);
/** ingest runs per mode (off, on, off, on, ...) */
const AB = arg("ab", 2);
const T0 = 1_700_000_000_000_000_000n;

const work = mkdtempSync(join(tmpdir(), "neo-bench-export-"));
const pg = await startPostgres();

async function neo(conf: string, data: string) {
  const proc = Bun.spawn(
    ["taskset", "-c", String(CPU), "bun", join(ROOT, "src/main.ts"), "serve", "--data", data, "--config", conf],
    { stdout: "pipe", stderr: "ignore", env: { ...process.env, NO_COLOR: "1" } },
  );
  const reader = proc.stdout.getReader();
  let buf = "";
  while (!buf.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error("neo did not start");
    buf += new TextDecoder().decode(value);
  }
  const ready = JSON.parse(buf.slice(0, buf.indexOf("\n"))) as { http: string };
  return { proc, url: `http://${ready.http}` };
}

let table = 0;
/** write ROWS rows into a new table; resolves with rows/s as acknowledged */
async function write(url: string, name: string): Promise<number> {
  const t = performance.now();
  let next = 0;
  const lane = async () => {
    for (;;) {
      const from = next;
      if (from >= ROWS) return;
      next += 5000;
      let body = "";
      for (let i = from; i < Math.min(ROWS, from + 5000); i++) body += `s${i % 10},${T0 + BigInt(i)},${i}\n`;
      const r = await fetch(`${url}/db/write/${name}`, {
        method: "POST",
        headers: { "content-type": "text/csv" },
        body,
      });
      if (r.status !== 200) throw new Error(`write: ${r.status} ${await r.text()}`);
    }
  };
  await Promise.all([lane(), lane()]);
  return ROWS / ((performance.now() - t) / 1000);
}

const count = async (t: string) => {
  try {
    return Number((await pg.sql().unsafe(`SELECT count(*) AS n FROM ${t.toLowerCase()}`))[0].n);
  } catch {
    return 0;
  }
};
async function until(t: string, n: number, timeoutS = 600): Promise<number> {
  const end = performance.now() + timeoutS * 1000;
  for (;;) {
    if ((await count(t)) >= n) return performance.now();
    if (performance.now() > end) throw new Error(`${t}: ${await count(t)} of ${n} rows after ${timeoutS} s`);
    await Bun.sleep(50);
  }
}

const results: string[] = [];
try {
  const names = Array.from({ length: 2 * AB + 2 }, () => `BENCH${table++}`);
  const conf = join(work, "neo.conf");
  writeFileSync(join(work, "off.conf"), "");
  writeFileSync(conf, `Export "central" {\n  Postgres = "${pg.url}"\n  Tables = ${JSON.stringify(names)}\n}\n`);
  const load = loadavg()[0]?.toFixed(1);

  // ingest: off, on, off, on (alternating on fresh data dirs, so both see the same load)
  const ingest: Record<string, number[]> = { off: [], on: [] };
  const modes = Array.from({ length: 2 * AB }, (_, i) => (i % 2 === 0 ? "off" : "on"));
  for (const [i, mode] of modes.entries()) {
    const data = join(work, `ingest-${i}`);
    const n = await neo(mode === "on" ? conf : join(work, "off.conf"), data);
    ingest[mode]?.push(await write(n.url, names[i] as string));
    if (mode === "on") await until(names[i] as string, ROWS);
    n.proc.kill("SIGKILL");
    await n.proc.exited;
  }
  const med = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

  // sustained: writes and replication at once
  const data = join(work, "main");
  let n = await neo(conf, data);
  const c0 = procCpuSeconds(n.proc.pid);
  const t0 = performance.now();
  const main = names[2 * AB] as string;
  const later = names[2 * AB + 1] as string;
  const acked = await write(n.url, main);
  const t1 = await until(main, ROWS);
  const sustained = ROWS / ((t1 - t0) / 1000);
  const cpu = (procCpuSeconds(n.proc.pid) - c0) / ((t1 - t0) / 1000);

  // catch-up after an outage
  await pg.stop();
  const tw = performance.now();
  await write(n.url, later);
  const left = OUTAGE_S * 1000 - (performance.now() - tw);
  if (left > 0) await Bun.sleep(left);
  const outage = (performance.now() - tw) / 1000;
  const c1 = procCpuSeconds(n.proc.pid);
  const back = performance.now();
  await pg.start();
  let first = 0;
  while ((await count(later)) === 0) await Bun.sleep(20);
  first = (performance.now() - back) / 1000;
  const tf = performance.now();
  const before = await count(later);
  const done = await until(later, ROWS);
  const catchup = (ROWS - before) / ((done - tf) / 1000);
  const cpu2 = (procCpuSeconds(n.proc.pid) - c1) / ((done - back) / 1000);
  n.proc.kill("SIGKILL");
  await n.proc.exited;
  n = undefined as never;

  results.push(
    `load average before: ${load} (2 cores shared by 8 developers)`,
    `ingest /db/write rows/s, export off: ${med(ingest.off ?? []).toFixed(0)} (runs: ${ingest.off?.map((x) => x.toFixed(0)).join(", ")})`,
    `ingest /db/write rows/s, export on:  ${med(ingest.on ?? []).toFixed(0)} (runs: ${ingest.on?.map((x) => x.toFixed(0)).join(", ")})`,
    `sustained: ${ROWS} rows acked at ${acked.toFixed(0)}/s, in PostgreSQL at ${sustained.toFixed(0)} rows/s overall, neo CPU ${cpu.toFixed(2)} s/s (pinned to cpu ${CPU})`,
    `catch-up after a ${outage.toFixed(0)} s outage with ${ROWS} rows waiting: first row ${first.toFixed(1)} s after PostgreSQL was back, then ${catchup.toFixed(0)} rows/s, neo CPU ${cpu2.toFixed(2)} s/s`,
  );
  console.log(results.join("\n"));
} finally {
  await pg.destroy();
  rmSync(work, { recursive: true, force: true });
}
