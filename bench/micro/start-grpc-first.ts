// What the first gRPC client costs a gateway that started with every feature on: RSS
// `--settle` s after the spawn, then one fresh @grpc/grpc-js client (bench/grpc-gen.ts
// `first`, mutual TLS with a `neo shell key gen` key): its first Ping (TCP, TLS, HTTP/2 and,
// since session 7, grpc-js loading inside neo) and its second, and RSS 2 s later.
//   bun bench/micro/start-grpc-first.ts [--neo-cmd dist/neo] [--vs /tmp/neo-main] [--runs 3] [--settle 10]
// With --vs the builds start alternately; medians of the runs.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { coldCache } from "../lib/cold-cache.ts";
import { freePort, procRssKb } from "../lib/proc.ts";
import { EVERY_FEATURE } from "../lib/start-configs.ts";
import { preparePlan, startOnce } from "../lib/start-probe.ts";
import { startArgs } from "../lib/start-args.ts";

const { runs, settleMs, builds } = startArgs();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const load = async () => (await Bun.file("/proc/loadavg").text()).split(" ").slice(0, 3).join(" ");
const GEN = join(import.meta.dir, "../grpc-gen.ts");

interface Figures {
  before: number;
  firstMs: number;
  secondMs: number;
  after: number;
}

console.log(`builds: ${builds.map((b, i) => `${"ab"[i]} = ${b.join(" ")}`).join("; ")}; ${runs} starts each`);
console.log(`load average before: ${await load()}`);
const dirs = builds.map(() => mkdtempSync(join(tmpdir(), "neo-grpc-first-")));
try {
  // the every-feature config with the gRPC listener on a port this bench knows, one per build
  const ports = await Promise.all(builds.map(() => freePort()));
  const conf = (port: number) =>
    EVERY_FEATURE.replace('Grpc {\n  Listen = "127.0.0.1:0"', `Grpc {\n  Listen = "127.0.0.1:${port}"`);
  const plans = await Promise.all(builds.map((b, i) => preparePlan(b, dirs[i] ?? "", conf(ports[i] ?? 0))));
  const got: Figures[][] = builds.map(() => []);
  for (let r = 0; r < runs; r++)
    for (const [i, plan] of plans.entries()) {
      await coldCache(plan.argv[0] ?? "");
      await startOnce(plan, settleMs, async (pid) => {
        const before = procRssKb(pid);
        const cert = (f: string) => join(plan.cwd, f);
        const p = Bun.spawn(
          [
            process.execPath,
            GEN,
            "first",
            `127.0.0.1:${ports[i]}`,
            join(plan.data, "pki", "ca_cert.pem"),
            cert("probe_cert.pem"),
            cert("probe_key.pem"),
          ],
          { stdout: "pipe", stderr: "inherit" },
        );
        const out = JSON.parse((await new Response(p.stdout).text()).trim()) as Figures & { ok: boolean };
        if (!out.ok) throw new Error(`gRPC client: ${JSON.stringify(out)}`);
        await Bun.sleep(2000);
        got[i]?.push({ before, firstMs: out.firstMs, secondMs: out.secondMs, after: procRssKb(pid) });
      });
    }
  const cols = builds.map((_, i) => "ab"[i]);
  console.log(
    `\n| every feature on, median of ${runs} | ${cols.join(" | ")} |\n| --- | ${cols.map(() => "---:").join(" | ")} |`,
  );
  const row = (label: string, pick: (f: Figures) => number, unit: (x: number) => string) =>
    console.log(`| ${label} | ${got.map((fs) => unit(median(fs.map(pick)))).join(" | ")} |`);
  const mb = (kb: number) => `${(kb / 1024).toFixed(1)} MB`;
  const ms = (x: number) => `${x.toFixed(1)} ms`;
  row(`RSS ${settleMs / 1000} s after the spawn`, (f) => f.before, mb);
  row("a fresh client's first Ping", (f) => f.firstMs, ms);
  row("its second Ping", (f) => f.secondMs, ms);
  row("RSS 2 s after the first client", (f) => f.after, mb);
} finally {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}
console.log(`\nload average after: ${await load()}`);
