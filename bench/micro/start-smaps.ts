// Where a started neo's RSS is, by mapping: `neo serve` (defaults, every feature on) is
// started as start-cost.ts starts it (cold binary cache, one authenticated CONNECT), and
// `--settle` s after the spawn its /proc/<pid>/smaps is summed by kind: the binary's code
// (r-x), its read-only part (the embedded modules' bytecode and sources), its data, anonymous
// memory (JS heap, SQLite caches, malloc), shared libraries, the rest.
//   bun bench/micro/start-smaps.ts [--neo-cmd dist/neo] [--vs /tmp/neo-main] [--runs 3]
//        [--settle 10] [--only defaults|every]
// With --vs the builds start alternately; each row is the median of the runs.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { coldCache } from "../lib/cold-cache.ts";
import { EVERY_FEATURE } from "../lib/start-configs.ts";
import { preparePlan, startOnce } from "../lib/start-probe.ts";
import { arg, startArgs } from "../lib/start-args.ts";

const { runs, settleMs, builds } = startArgs();
const only = arg("only", "");
const variants: [string, string][] = [
  ["defaults (MQTT + HTTP, token auth)", ""],
  ["every feature on", EVERY_FEATURE],
];
const KINDS = ["binary code", "binary read-only", "binary data", "anonymous", "libraries", "other", "total"] as const;
type Kind = (typeof KINDS)[number];

/** RSS (kB) of each kind of mapping in /proc/<pid>/smaps */
export function smapsByKind(pid: number, exe: string): Record<Kind, number> {
  const out = Object.fromEntries(KINDS.map((k) => [k, 0])) as Record<Kind, number>;
  let kind: Kind = "other";
  for (const line of readFileSync(`/proc/${pid}/smaps`, "utf8").split("\n")) {
    const head = line.match(/^[0-9a-f]+-[0-9a-f]+ (\S{4}) \S+ \S+ \d+\s*(.*)$/);
    if (head) {
      const [perms = "", path = ""] = [head[1], head[2]];
      if (path === exe || path.endsWith(`/${exe.split("/").pop()}`))
        kind = perms.includes("x") ? "binary code" : perms.includes("w") ? "binary data" : "binary read-only";
      else if (path === "" || path === "[heap]" || path.startsWith("[anon")) kind = "anonymous";
      else if (path.includes(".so")) kind = "libraries";
      else kind = "other";
      continue;
    }
    const rss = line.match(/^Rss:\s+(\d+) kB/);
    if (rss) {
      out[kind] += Number(rss[1]);
      out.total += Number(rss[1]);
    }
  }
  return out;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const load = async () => (await Bun.file("/proc/loadavg").text()).split(" ").slice(0, 3).join(" ");

console.log(`builds: ${builds.map((b, i) => `${"ab"[i]} = ${b.join(" ")}`).join("; ")}; ${runs} starts each`);
console.log(`load average before: ${await load()}`);
for (const [name, block] of variants) {
  if (only && !name.startsWith(only)) continue;
  const dirs = builds.map(() => mkdtempSync(join(tmpdir(), "neo-start-smaps-")));
  try {
    const plans = await Promise.all(builds.map((b, i) => preparePlan(b, dirs[i] ?? "", block)));
    const got: Record<Kind, number>[][] = builds.map(() => []);
    for (let r = 0; r < runs; r++)
      for (const [i, plan] of plans.entries()) {
        await coldCache(plan.argv[0] ?? "");
        await startOnce(plan, settleMs, (pid) => {
          got[i]?.push(smapsByKind(pid, plan.argv[0] ?? ""));
        });
      }
    console.log(`\n## ${name}: RSS ${settleMs / 1000} s after the spawn, median of ${runs} (MB)\n`);
    const cols = builds.map((_, i) => "ab"[i]);
    console.log(`| mapping | ${cols.join(" | ")} |\n| --- | ${cols.map(() => "---:").join(" | ")} |`);
    for (const k of KINDS)
      console.log(`| ${k} | ${got.map((xs) => (median(xs.map((x) => x[k])) / 1024).toFixed(1)).join(" | ")} |`);
  } finally {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
}
console.log(`\nload average after: ${await load()}`);
