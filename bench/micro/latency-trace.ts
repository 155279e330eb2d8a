// Where the slow 1 % of a latency run falls in time (issue 24, one subscriber): runs bench/run.ts's
// latency scenario against each broker in turn (fresh broker per run, rounds interleaved), keeps
// every sample's send time and latency, and prints for each run p50 / p99 / p99.9, how the
// samples over the threshold group into episodes (slow samples less than --gap ms apart are one
// episode), how many fall in each second of the window, and whether the episodes keep a period
// (phase concentration R for 250 ms .. 10 s: ~1/sqrt(n) when they do not, near 1 when they do),
// then the broker's threads over the window (Linux schedstat: CPU ms, run-queue wait ms and time
// slices a second, by thread name) and a closing summary of each broker's p99 / p99.9 per run.
// Traces (Float64 pairs: send time after the window opened, latency, ms) stay in --keep or a temp
// dir; with --keep the brokers' temp dirs (neo's serve log) stay too.
//
//   bun bench/micro/latency-trace.ts --neo-cmd /abs/neo [--neo-base-cmd /abs/neo-main]
//     [--brokers neo,neo-base,mosquitto,bun-bare] [--rate 2000] [--qos 0] [--seconds 5]
//     [--warmup 500] [--rounds 2] [--over p99|<ms>] [--gap 3] [--keep DIR] [--neo name=/abs/neo ...]
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { effectiveNofile } from "../lib/proc.ts";
import { runScenario } from "../lib/runner.ts";
import type { ScenarioDef } from "../lib/scenario-defs.ts";
import { createBunBareTarget } from "../lib/targets/bun-bare.ts";
import { createMosquittoTarget, ensureMosquitto } from "../lib/targets/mosquitto.ts";
import { createNeoTarget } from "../lib/targets/neo.ts";
import type { Target } from "../lib/targets/types.ts";

const { values: a } = parseArgs({
  args: process.argv.slice(2),
  options: {
    "neo-cmd": { type: "string" },
    "neo-base-cmd": { type: "string" },
    brokers: { type: "string", default: "neo,mosquitto" },
    rate: { type: "string", default: "2000" },
    qos: { type: "string", default: "0" },
    seconds: { type: "string", default: "5" },
    warmup: { type: "string", default: "500" },
    rounds: { type: "string", default: "2" },
    over: { type: "string", default: "p99" },
    gap: { type: "string", default: "3" },
    keep: { type: "string" },
    // more builds: --neo name=/abs/neo (repeatable), then name in --brokers
    neo: { type: "string", multiple: true },
  },
});
const rate = Number(a.rate);
const qos = Number(a.qos);
const durationMs = Number(a.seconds) * 1000;
const gapMs = Number(a.gap);
const dir = a.keep ?? mkdtempSync(join(tmpdir(), "latency-trace-"));
const nofile = await effectiveNofile(4096);
const loadavg = () => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");

const targets: Target[] = [];
const more = new Map((a.neo ?? []).map((x) => [x.slice(0, x.indexOf("=")), x.slice(x.indexOf("=") + 1)]));
for (const name of (a.brokers ?? "").split(",").filter(Boolean)) {
  const cmd = more.get(name);
  if (cmd) targets.push(createNeoTarget({ argv: cmd.split(" "), label: cmd, nofile, unavailable: null, name }));
  else if (name === "neo" || name === "neo-base") {
    const cmd = name === "neo" ? a["neo-cmd"] : a["neo-base-cmd"];
    if (!cmd) throw new Error(`--brokers ${name} needs --${name}-cmd`);
    targets.push(createNeoTarget({ argv: cmd.split(" "), label: cmd, nofile, unavailable: null, name }));
  } else if (name === "mosquitto") {
    const missing = await ensureMosquitto();
    if (missing) throw new Error(missing);
    targets.push(createMosquittoTarget({ nofile }));
  } else if (name === "bun-bare") targets.push(createBunBareTarget({ nofile }));
  else throw new Error(`unknown broker ${name}`);
}

/** p-th percentile of sorted values */
const pct = (sorted: Float64Array, p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;

/** phase concentration of times `ts` for period `p` (0: uniform, 1: all at one phase) */
function phaseR(ts: number[], p: number): number {
  let c = 0;
  let s = 0;
  for (const t of ts) {
    c += Math.cos((2 * Math.PI * t) / p);
    s += Math.sin((2 * Math.PI * t) / p);
  }
  return ts.length ? Math.hypot(c, s) / ts.length : 0;
}

/** each broker's p99 and p99.9 per run, for the closing summary */
const summary = new Map<string, { p99: number[]; p999: number[] }>();
const median = (xs: number[]) => {
  const s = xs.slice().sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

function analyse(name: string, file: string): void {
  const raw = new Float64Array(readFileSync(file).buffer.slice(0));
  const n = raw.length / 2;
  const lat = new Float64Array(n);
  for (let i = 0; i < n; i++) lat[i] = raw[2 * i + 1]!;
  const sorted = lat.slice().sort();
  const over = a.over === "p99" ? pct(sorted, 99) : Number(a.over);
  // episodes: slow samples (>= over) closer than gapMs in send time
  const eps: { t: number; n: number; worst: number; span: number }[] = [];
  const perSec = new Array(Math.ceil(durationMs / 1000)).fill(0) as number[];
  let slow = 0;
  let lastT = -1e9;
  for (let i = 0; i < n; i++) {
    const t = raw[2 * i]!;
    const l = raw[2 * i + 1]!;
    if (l < over) continue;
    slow++;
    const sec = Math.min(perSec.length - 1, Math.max(0, Math.floor(t / 1000)));
    perSec[sec]!++;
    const e = eps[eps.length - 1];
    if (e && t - lastT < gapMs) {
      e.n++;
      e.worst = Math.max(e.worst, l);
      e.span = t - e.t;
    } else eps.push({ t, n: 1, worst: l, span: 0 });
    lastT = t;
  }
  const sum = summary.get(name) ?? { p99: [], p999: [] };
  sum.p99.push(pct(sorted, 99));
  sum.p999.push(pct(sorted, 99.9));
  summary.set(name, sum);
  const sizes = eps.map((e) => e.n).sort((x, y) => x - y);
  const ts = eps.map((e) => e.t);
  const periods = [250, 1000, 2500, 5000, 10_000].map((p) => `${p}:${phaseR(ts, p).toFixed(2)}`).join(" ");
  const big = eps
    .slice()
    .sort((x, y) => y.n - x.n)
    .slice(0, 4)
    .map((e) => `${(e.t / 1000).toFixed(3)}s x${e.n} ${e.span.toFixed(1)}ms worst ${e.worst.toFixed(2)}`);
  console.log(
    `${name.padEnd(9)} n=${n} p50 ${pct(sorted, 50).toFixed(3)} p99 ${pct(sorted, 99).toFixed(3)} p99.9 ${pct(sorted, 99.9).toFixed(3)} max ${sorted[n - 1]?.toFixed(2)} | >=${over.toFixed(3)}: ${slow} in ${eps.length} episodes (median ${sizes[Math.floor(sizes.length / 2)] ?? 0}, alone ${sizes.filter((x) => x === 1).length}) per s [${perSec.join(" ")}]`,
  );
  console.log(
    `          R(1/sqrt(n)=${(1 / Math.sqrt(Math.max(1, eps.length))).toFixed(2)}) ${periods}; biggest: ${big.join("; ")}`,
  );
}

/** cpu ns, run-queue wait ns and time slices of each thread of `pid` (Linux schedstat), by thread name */
function schedstat(pid: number): Map<string, number[]> {
  const out = new Map<string, number[]>();
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, "utf8").trim();
        const v = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").trim().split(" ").map(Number);
        const key = tid === String(pid) ? "main" : name;
        const had = out.get(key) ?? [0, 0, 0];
        out.set(
          key,
          had.map((x, i) => x + (v[i] ?? 0)),
        );
      } catch {
        // gone meanwhile
      }
    }
  } catch {
    // the process is gone
  }
  return out;
}

/** the broker's threads over the measured window: per second, cpu ms / run-queue wait ms / slices */
function watchThreads(t: Target): Target {
  return {
    ...t,
    async start(mode, needIds) {
      const r = await t.start(mode, needIds);
      const from = Number(a.warmup) + 1000; // the generator connects, then warms up
      const span = durationMs - 1000;
      setTimeout(() => {
        const s0 = schedstat(r.pid);
        setTimeout(() => {
          const s1 = schedstat(r.pid);
          const parts: string[] = [];
          for (const [k, v] of s1) {
            const b = s0.get(k) ?? [0, 0, 0];
            const per = (i: number, d: number) => ((v[i]! - b[i]!) / d / (span / 1000)).toFixed(1);
            if (v[0]! - b[0]! > 0.0005e9 * (span / 1000)) parts.push(`${k} ${per(0, 1e6)}/${per(1, 1e6)}/${per(2, 1)}`);
          }
          threadLine = `threads (per s: cpu ms / wait ms / slices): ${parts.join("; ")}`;
        }, span);
      }, from);
      return r;
    },
  };
}
let threadLine = "";

const def: ScenarioDef = {
  key: "latency-trace",
  scenario: "latency",
  mode: "tcp",
  needIds: 2,
  cpu: true,
  params: { rate, qos, subscribers: 1, durationMs, warmupMs: Number(a.warmup) },
  rows: [],
};
console.log(
  `rate ${rate} QoS ${qos} ${durationMs / 1000}s, warm-up ${a.warmup} ms, traces in ${dir}; load ${loadavg()}`,
);
for (let r = 0; r < Number(a.rounds); r++) {
  for (const t of targets) {
    const file = join(dir, `${t.name}-${r}.f64`);
    threadLine = "";
    const out = await runScenario({ ...def, params: { ...def.params, trace: file } }, watchThreads(t), nofile);
    if (out.status !== "ok") {
      console.log(`${t.name} ${out.status}: ${out.reason}`);
      continue;
    }
    const c = out.result.cpu;
    analyse(t.name, file);
    if (threadLine) console.log(`          ${threadLine}`);
    if (c)
      console.log(
        `          cpu gen ${(c.genCpu * 100).toFixed(1)}% broker ${(c.brokerCpu * 100).toFixed(1)}%; load ${loadavg()}`,
      );
  }
}
console.log(`summary (load ${loadavg()}): p99 of each run, ms [median]; p99.9 [median]`);
for (const [k, v] of summary)
  console.log(
    `${k.padEnd(9)} p99 ${v.p99.map((x) => x.toFixed(3)).join(" ")} [${median(v.p99).toFixed(3)}]  p99.9 ${v.p999.map((x) => x.toFixed(2)).join(" ")} [${median(v.p999).toFixed(2)}]`,
  );
if (!a.keep) for (const t of targets) await t.cleanup(); // --keep: the brokers' logs stay too
