// Where a start's time goes, A/B: builds started alternately (a, b, a, b, ...), each start
// timed to the first CONNACK 0 and the ready line (bench/lib/start-probe.ts), and the
// gateway's own laps (`neo serve --log-level debug`: `start: exec -> gateway 11.2 ms, pki ...`)
// as medians per step. No RSS (see start-cost.ts): many short starts, so the medians hold
// on a loaded machine.
//   bun bench/micro/start-laps.ts --neo-cmd dist/neo [--vs /tmp/neo-main] [--runs 15]
//        [--only defaults|every]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EVERY_FEATURE } from "../lib/start-configs.ts";
import { preparePlan, type StartFigures, startOnce } from "../lib/start-probe.ts";

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? (process.argv[i + 1] ?? dflt) : dflt;
};
const runs = Number(arg("runs", "15"));
const builds = [arg("neo-cmd", "dist/neo"), arg("vs", "")].filter(Boolean).map((c) => c.split(" "));
const only = arg("only", "");
const variants: [string, string][] = [
  ["defaults (MQTT + HTTP, token auth)", ""],
  ["every feature on", EVERY_FEATURE],
];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const load = async () => (await Bun.file("/proc/loadavg").text()).split(" ").slice(0, 3).join(" ");

/** `exec -> gateway 11.2 ms, pki 0.7 ms, ...; serving ...` -> [step, ms][] */
function laps(steps: string): [string, number][] {
  const body = steps.split(";")[0] ?? "";
  return [...body.matchAll(/(?:^|, )(.+?) ([\d.]+) ms(?=, |$)/g)].map((m) => [m[1] ?? "", Number(m[2])]);
}

console.log(`builds: ${builds.map((b, i) => `${"ab"[i]} = ${b.join(" ")}`).join("; ")}; ${runs} starts each`);
console.log(`load average before: ${await load()}`);
for (const [name, block] of variants) {
  if (only && !name.startsWith(only)) continue;
  const dirs = builds.map(() => mkdtempSync(join(tmpdir(), "neo-start-laps-")));
  try {
    const plans = await Promise.all(builds.map((b, i) => preparePlan(b, dirs[i] ?? "", block)));
    const got: StartFigures[][] = builds.map(() => []);
    for (let r = 0; r < runs; r++) for (const [i, plan] of plans.entries()) got[i]?.push(await startOnce(plan, 0));
    console.log(`\n## ${name}\n`);
    const cols = builds.map((_, i) => "ab"[i]);
    console.log(`| step (median ms) | ${cols.join(" | ")} |\n| --- | ${cols.map(() => "---:").join(" | ")} |`);
    const row = (label: string, pick: (f: StartFigures) => number) =>
      console.log(`| ${label} | ${got.map((fs) => median(fs.map(pick)).toFixed(1)).join(" | ")} |`);
    row("**spawn -> first CONNACK**", (f) => f.connackMs);
    row("**spawn -> ready line**", (f) => f.readyMs);
    const names: string[] = [];
    for (const fs of got) for (const f of fs) for (const [n] of laps(f.steps)) if (!names.includes(n)) names.push(n);
    for (const n of names)
      console.log(
        `| ${n} | ${got
          .map((fs) => {
            const xs = fs.map((f) => laps(f.steps).find(([k]) => k === n)?.[1]).filter((x) => x !== undefined);
            return xs.length ? median(xs).toFixed(1) : "-";
          })
          .join(" | ")} |`,
      );
  } finally {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
}
console.log(`\nload average after: ${await load()}`);
