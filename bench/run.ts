// `bun run bench`: neo, Mosquitto and Aedes side by side, one fresh broker per measurement,
// load from our own generator processes (bench/lib/gen.ts). See bench/README.md.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { dirname, join, resolve } from "node:path";
import { parseBenchArgs, USAGE } from "./lib/args.ts";
import { mosquittoFootprint, neoFootprint, type Footprint } from "./lib/footprint.ts";
import { startScenario } from "./lib/start-scenario.ts";
import { effectiveNofile } from "./lib/proc.ts";
import { buildTable, toMarkdown, toText, type Cell, type ExtraRow } from "./lib/report.ts";
import { runToolScenarios } from "./lib/tool-scenarios.ts";
import { runScenario, type Outcome } from "./lib/runner.ts";
import { scenarioDefs, selected, type ScenarioDef } from "./lib/scenario-defs.ts";
import { createAedesTarget } from "./lib/targets/aedes.ts";
import { createBunBareTarget } from "./lib/targets/bun-bare.ts";
import { createMosquittoTarget, ensureMosquitto } from "./lib/targets/mosquitto.ts";
import { BENCH_SCOPES, createNeoTarget, pickNeo } from "./lib/targets/neo.ts";
import type { Target } from "./lib/targets/types.ts";

const ROOT = resolve(import.meta.dir, "..");
const argv = process.argv.slice(2);
let args: ReturnType<typeof parseBenchArgs>;
try {
  args = parseBenchArgs(argv);
} catch (e) {
  console.error(`${(e as Error).message}\n${USAGE}`);
  process.exit(2);
}
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}

const started = performance.now();
const loadavg = () => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
const loadBefore = loadavg();
const log = (msg: string) => console.error(`[bench ${((performance.now() - started) / 1000).toFixed(1)}s] ${msg}`);

const WANT_NOFILE = 32_768;
const nofile = await effectiveNofile(WANT_NOFILE);
const maxConns = Math.max(0, nofile - 200);

const mosqMissing = args.brokers.includes("mosquitto") ? await ensureMosquitto() : null;
if (mosqMissing) log(mosqMissing);
const wantsNeo =
  args.brokers.includes("neo") || args.brokers.includes("neo-scraped") || args.brokers.includes("neo-scoped");
const neoPick = wantsNeo ? await pickNeo(args.neoCmd) : null;
const neoCmd = neoPick?.cmd ?? { argv: [], label: "" };
const neoProblem = neoPick?.problem ?? null;
for (const s of neoPick?.skipped ?? []) log(`neo: passed over ${s}`);
if (neoProblem) log(`neo skipped: ${neoProblem}`);
else if (neoPick) log(`neo: using ${neoCmd.label}`);

const all: Target[] = [];
if (args.brokers.includes("neo")) all.push(createNeoTarget({ ...neoCmd, nofile, unavailable: neoProblem }));
if (args.brokers.includes("neo-base")) {
  if (!args.neoBaseCmd) throw new Error("--brokers neo-base needs --neo-base-cmd");
  const argv = args.neoBaseCmd.split(" ").filter(Boolean);
  all.push(createNeoTarget({ argv, label: args.neoBaseCmd, nofile, unavailable: null, name: "neo-base" }));
}
// neo with GET /metrics every second while it works (15x Prometheus' default interval)
if (args.brokers.includes("neo-scraped"))
  all.push(createNeoTarget({ ...neoCmd, nofile, unavailable: neoProblem, name: "neo-scraped", scrapeMs: 1000 }));
// the same neo with 20 scopes per key (issue: scopes must not cost throughput)
if (args.brokers.includes("neo-scoped"))
  all.push(createNeoTarget({ ...neoCmd, nofile, unavailable: neoProblem, name: "neo-scoped", scopes: BENCH_SCOPES }));
if (args.brokers.includes("mosquitto")) all.push(createMosquittoTarget({ nofile }));
if (args.brokers.includes("aedes")) all.push(createAedesTarget({ nofile }));
if (args.brokers.includes("bun-bare")) all.push(createBunBareTarget({ nofile }));
const names = all.map((t) => t.name);

const defs = scenarioDefs(args.quick, maxConns, args.latencyWarmupMs).filter((d) => selected(d.key, args.only));
const cells: Cell[] = [];
const extra: ExtraRow[] = [];
const extraNotes: string[] = [];
const startFailures = new Map<string, number>();

/** The best ok run by the scenario's first row or `bestBy` (max rate, min latency); else the last outcome. */
function best(def: ScenarioDef, outs: Outcome[]): Outcome {
  const row = def.rows.find((r) => r.metric === def.bestBy) ?? def.rows[0]!;
  const oks = outs.filter((o): o is Extract<Outcome, { status: "ok" }> => o.status === "ok");
  if (oks.length === 0) return outs[outs.length - 1] ?? { status: "skipped", reason: "not run" };
  const v = (o: (typeof oks)[number]) => o.result.metrics[row.metric] ?? NaN;
  const pick = oks.reduce((a, b) => (row.higherIsBetter ? (v(b) > v(a) ? b : a) : v(b) < v(a) ? b : a));
  if (oks.length > 1)
    pick.result.notes.push(
      `best of ${oks.length} runs by ${row.metric}: ${oks.map((o) => Math.round(v(o) * 1000) / 1000).join(", ")}`,
    );
  return pick;
}

try {
  for (const def of defs) {
    const runs = new Map<string, Outcome[]>();
    for (let rep = 0; rep < args.repeat; rep++) {
      for (const t of all) {
        const fails = startFailures.get(t.name) ?? 0;
        if (fails >= 2) {
          runs.set(t.name, [
            ...(runs.get(t.name) ?? []),
            { status: "skipped", reason: "broker failed to start twice; not retried" },
          ]);
          continue;
        }
        const t0 = performance.now();
        const outcome = await runScenario(def, t, nofile);
        runs.set(t.name, [...(runs.get(t.name) ?? []), outcome]);
        if (outcome.status === "failed" && /did not (become ready|start)/.test(outcome.reason))
          startFailures.set(t.name, fails + 1);
        else if (outcome.status === "ok") startFailures.set(t.name, 0);
        const what =
          outcome.status === "ok"
            ? Object.entries(outcome.result.metrics)
                .slice(0, 3)
                .map(([k, v]) => `${k}=${Number.isInteger(v) ? v : v.toFixed(2)}`)
                .join(" ")
            : `${outcome.status}: ${outcome.reason}`;
        if (!(outcome.status === "skipped" && outcome.reason === "not applicable")) {
          const r = args.repeat > 1 ? ` #${rep + 1}` : "";
          log(
            `${def.key.padEnd(12)} ${t.name.padEnd(9)}${r} ${((performance.now() - t0) / 1000).toFixed(1)}s  ${what}`,
          );
        }
      }
    }
    for (const t of all) cells.push({ def, target: t.name, outcome: best(def, runs.get(t.name) ?? []) });
  }

  if (selected("footprint", args.only) && names.includes("neo")) {
    const dist = join(ROOT, "dist/neo");
    const distProblem = neoPick?.skipped.find((x) => x.startsWith("dist/neo"));
    if (!existsSync(dist)) {
      extraNotes.push("footprint: skipped, dist/neo not built (run `bun run build` first)");
    } else if (distProblem && !args.neoCmd) {
      extraNotes.push(`footprint: skipped, ${distProblem}`);
    } else {
      const runs = args.quick ? 3 : 10;
      log(`footprint: ${runs} starts each of dist/neo and mosquitto`);
      const fp: Record<string, Footprint | undefined> = {};
      try {
        fp.neo = await neoFootprint(dist, runs);
      } catch (e) {
        extraNotes.push(`footprint / neo: failed: ${(e as Error).message}`);
      }
      if (names.includes("mosquitto") && !mosqMissing) {
        try {
          fp.mosquitto = await mosquittoFootprint("/usr/sbin/mosquitto", runs);
        } catch (e) {
          extraNotes.push(`footprint / mosquitto: failed: ${(e as Error).message}`);
        }
      }
      const row = (
        label: string,
        unit: string,
        pick: (f: Footprint) => number | undefined,
        digits: number,
      ): ExtraRow => ({
        label,
        unit,
        higherIsBetter: false,
        digits,
        values: Object.fromEntries(Object.entries(fp).map(([k, f]) => [k, f ? pick(f) : undefined])),
      });
      extra.push(
        row("binary size (dist/neo; mosquitto w/o shared libs) [footprint]", "MB", (f) => f.sizeMb, 1),
        row("binary size gzip -6 [footprint]", "MB", (f) => f.gzipMb, 1),
        row(`exec -> accepting MQTT, median of ${runs} [footprint]`, "ms", (f) => f.startupMs, 1),
        row("idle RSS after start [footprint]", "MB", (f) => f.idleRssMb, 1),
      );
      for (const [k, f] of Object.entries(fp)) {
        if (!f) continue;
        extraNotes.push(
          `footprint / ${k}: startup range ${f.startupRangeMs[0].toFixed(1)}-${f.startupRangeMs[1].toFixed(1)} ms` +
            (f.firstStartMs !== undefined
              ? `; first start (creates data dir, DB, CA) ${f.firstStartMs.toFixed(1)} ms`
              : ""),
        );
      }
    }
  }
  // issue 24: spawn -> CONNACK and RSS 10 s after start, every feature on, beside Mosquitto
  if (selected("start", args.only) && names.includes("neo") && !neoProblem) {
    log("start: every feature on, neo and mosquitto started alternately");
    const mosquitto = names.includes("mosquitto") && !mosqMissing ? "/usr/sbin/mosquitto" : null;
    try {
      const r = await startScenario({ neoArgv: neoCmd.argv, mosquitto, runs: args.quick ? 3 : 7, settleSec: 10 });
      extra.push(...r.rows);
      extraNotes.push(...r.notes);
    } catch (e) {
      extraNotes.push(`start: failed: ${(e as Error).message}`);
    }
  }
  // pki (issue 4), query-auth and uplink (issue 24): tools of their own, read back (tool-scenarios.ts)
  const tools = await runToolScenarios({
    only: args.only,
    quick: args.quick,
    names,
    neoArgv: neoProblem ? null : neoCmd.argv,
    mosquitto: names.includes("mosquitto") && !mosqMissing,
    log,
  });
  extra.push(...tools.extra);
  extraNotes.push(...tools.notes);
} finally {
  for (const t of all) await t.cleanup();
}

// ---- report ----
const table = buildTable(defs, cells, names, extra);
const notes = [...table.notes, ...extraNotes];
const cpuModel = /model name\s*:\s*(.+)/.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? "?";
const mosqVersion =
  /mosquitto version (\S+)/.exec(Bun.spawnSync(["/usr/sbin/mosquitto", "-h"]).stdout.toString())?.[1] ??
  "not installed";
const loadAfter = loadavg();
// only the load before the run says whether other work was going on: the "after" figure
// includes the broker and the generator this run kept busy itself
const busy = Number(loadBefore.split(" ")[0]) > 0.5 * cpus().length;
const kernel = readFileSync("/proc/sys/kernel/osrelease", "utf8").trim();
const command = `bun bench/run.ts${argv.length ? ` ${argv.join(" ")}` : ""}`;
const elapsed = ((performance.now() - started) / 1000).toFixed(0);
const machine = [
  `- date: ${new Date().toISOString()}`,
  `- command: \`${command}\` (took ${elapsed} s)`,
  `- machine: ${cpus().length} cores (nproc), ${cpuModel}, Linux ${kernel}, open-files limit ${nofile}`,
  `- Bun ${Bun.version}; mosquitto ${mosqVersion}`,
  `- load average before / after: ${loadBefore} / ${loadAfter}${busy ? " — WARNING: other work was running on this machine; absolute figures are unreliable, ratios less so" : ""}`,
  ...all.map((t) => `- ${t.name}: ${t.describe()}`),
  ...(neoPick && !neoProblem ? neoPick.skipped.map((s) => `- neo: passed over ${s}`) : []),
];
const legend = [
  "Ratios are target/mosquitto: above 1 is better for ↑ rows, below 1 is better for ↓ rows.",
  `Each figure is the best of ${args.repeat} run(s) (brokers interleaved) and comes from a freshly started broker and one generator process (bench/lib/gen.ts); generator and broker share the machine's cores.`,
  "`CPU generator / broker` is CPU time over the measured window as % of one core (generator: process.cpuUsage; broker: /proc/<pid>/stat).",
  "`(gen-bound)`: the generator used >= 90% of a core, so the figure is a floor for the broker, not its limit. `*`: see notes (losses, failures).",
];

console.log(`\n${toText(table)}\n`);
for (const n of notes) console.log(`note: ${n}`);
console.log(`\n${machine.join("\n")}`);

if (args.out) {
  const out = resolve(ROOT, args.out);
  mkdirSync(dirname(out), { recursive: true });
  const md = [
    "# neo benchmarks",
    "",
    "Generated by `bench/run.ts`; do not edit by hand. How to run: bench/README.md.",
    "",
    ...machine,
    "",
    toMarkdown(table),
    "",
    ...legend.map((l) => `- ${l}`),
    "",
    ...(notes.length ? ["## Notes", "", ...notes.map((n) => `- ${n}`), ""] : []),
  ].join("\n");
  writeFileSync(out, md);
  log(`wrote ${args.out}`);
}
