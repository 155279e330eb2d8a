// What each subsystem costs `neo serve` at start: time from the spawn to the first CONNACK 0
// (an authenticated CONNECT) and to the ready line (median of `runs`, a data dir made by a
// first start that runs 3 s, so its one-time work, CA and the console's admin user, is done),
// RSS at the CONNACK and `--settle` s after the spawn, for the default start
// and with one subsystem's block added at a time, then all of them ("every feature on").
//   bun bench/micro/start-cost.ts [--runs 5] [--settle 10] [--neo-cmd "bun src/main.ts"]
//        [--vs "<argv prefix of another build>"] [--only defaults,every]
// With --vs the two builds start alternately (a, b, a, b, ...): a same-run A/B.
// The blocks: bench/lib/start-configs.ts.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EVERY_FEATURE, START_BLOCKS } from "../lib/start-configs.ts";
import { coldCache } from "../lib/cold-cache.ts";
import { preparePlan, type StartFigures, startOnce } from "../lib/start-probe.ts";

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? (process.argv[i + 1] ?? dflt) : dflt;
};
const runs = Number(arg("runs", "5"));
const settleSec = Number(arg("settle", "10"));
const builds = [arg("neo-cmd", `${process.execPath} ${join(import.meta.dir, "../../src/main.ts")}`), arg("vs", "")]
  .filter(Boolean)
  .map((c) => c.split(" "));
const only = arg("only", "").split(",").filter(Boolean);

const variants: [string, string][] = [
  ["defaults (MQTT + HTTP, token auth)", ""],
  ...Object.entries(START_BLOCKS),
  ["every feature on (MQTT tcp+tls+ws, HTTP+HTTPS, gRPC, CoAP, bridge, export)", EVERY_FEATURE],
];

const steps: string[] = [];
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const range = (xs: number[]) =>
  `${median(xs).toFixed(1)} ms (${Math.min(...xs).toFixed(1)}-${Math.max(...xs).toFixed(1)})`;
const mb = (kb: number) => `${(kb / 1024).toFixed(1)} MB`;
const load = async () => (await Bun.file("/proc/loadavg").text()).split(" ").slice(0, 3).join(" ");

// each build read from disk at its first start, as after boot: a binary written moments ago
// counts ~5 MB more RSS (bench/lib/cold-cache.ts)
for (const b of builds) await coldCache(b[0] ?? "");
console.log(`builds: ${builds.map((b, i) => `${"ab"[i]} = ${b.join(" ")}`).join("; ")}; ${runs} starts each`);
console.log(`load average: ${await load()}\n`);
const head = `| start | build | spawn -> CONNACK, median (range) | spawn -> ready line | RSS at CONNACK | RSS ${settleSec} s after spawn (median) |`;
console.log(`${head}\n| --- | --- | ---: | ---: | ---: | ---: |`);
for (const [name, block] of variants) {
  if (only.length > 0 && !only.some((o) => name.toLowerCase().includes(o.toLowerCase()))) continue;
  const dirs = builds.map(() => mkdtempSync(join(tmpdir(), "neo-start-cost-")));
  try {
    const plans = await Promise.all(builds.map((b, i) => preparePlan(b, dirs[i] ?? "", block)));
    const got: StartFigures[][] = builds.map(() => []);
    for (let r = 0; r < runs; r++)
      for (const [i, plan] of plans.entries()) got[i]?.push(await startOnce(plan, r < 3 ? settleSec * 1000 : 0));
    for (const [i, fs] of got.entries()) steps.push(`- ${name}, ${"ab"[i]} (last start): ${fs.at(-1)?.steps ?? ""}`);
    for (const [i, fs] of got.entries()) {
      const settled = median(fs.map((f) => f.settledKb).filter((k) => !Number.isNaN(k)));
      console.log(
        `| ${name} | ${"ab"[i]} | ${range(fs.map((f) => f.connackMs))} | ${range(fs.map((f) => f.readyMs))} | ${mb(median(fs.map((f) => f.rssAtConnackKb)))} | ${mb(settled)} |`,
      );
    }
  } finally {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
}
console.log(`\nWhat each step took (the gateway's debug line):\n${steps.join("\n")}`);
console.log(`\nload average after: ${await load()}`);
