// The floor under neo's start on this Bun: start-floor-app.ts (what neo's start touches,
// no neo code) compiled like neo (`--compile --bytecode --minify`) and started alternately
// with `neo serve` in the same run, each timed by the same probe (bench/lib/start-probe.ts):
// spawn -> first CONNACK 0, -> the ready line, RSS 10 s after the spawn. Each binary's page
// cache is dropped first (bench/lib/cold-cache.ts): a freshly written binary counts ~5 MB more.
//   bun bench/micro/start-floor.ts [--neo-cmd dist/neo] [--runs 7] [--settle 10]
// Rows: a compiled Bun program that only listens; the floor with MQTT + the SQLite
// connections neo keeps ("mqtt"); the floor with every listener too ("every"), and with
// grpc-js serving machbase-neo's services in place of the bare http2 server ("grpc"); neo's
// defaults; neo with every feature on. The differences are what neo's own code adds.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EVERY_FEATURE } from "../lib/start-configs.ts";
import { preparePlan, type StartFigures, type StartPlan, startOnce, timeStart } from "../lib/start-probe.ts";
import { coldCache } from "../lib/cold-cache.ts";
import { run } from "../lib/proc.ts";
import { protoJson } from "../../src/grpc/proto-json.ts";

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? (process.argv[i + 1] ?? dflt) : dflt;
};
const runs = Number(arg("runs", "7"));
const settleMs = Number(arg("settle", "10")) * 1000;
const neoCmd = arg("neo-cmd", "dist/neo").split(" ");
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const load = async () => (await Bun.file("/proc/loadavg").text()).split(" ").slice(0, 3).join(" ");

const dir = mkdtempSync(join(tmpdir(), "neo-start-floor-"));
try {
  // the two programs, compiled as build.ts compiles neo
  const listenOnly = join(dir, "listen-only.ts");
  writeFileSync(
    listenOnly,
    "Bun.listen({ hostname: '127.0.0.1', port: Number(process.argv[2]), socket: { data(s, d) { if (d[0] === 0x10) s.write(new Uint8Array([0x20, 2, 0, 0])); } } });\n",
  );
  const exe = { listen: join(dir, "listen-only"), floor: join(dir, "floor") };
  for (const [src, out] of [
    [listenOnly, exe.listen],
    [join(import.meta.dir, "start-floor-app.ts"), exe.floor],
  ] as const)
    await run([
      process.execPath,
      "build",
      "--compile",
      "--bytecode",
      "--minify",
      "--format=esm",
      src,
      "--outfile",
      out,
    ]);

  // every binary read from disk at its first start, as after boot (bench/lib/cold-cache.ts)
  for (const file of [exe.listen, exe.floor, neoCmd[0] ?? ""]) await coldCache(file);
  const plans: Record<string, StartPlan> = {
    defaults: await preparePlan(neoCmd, join(dir, "neo-defaults"), ""),
    every: await preparePlan(neoCmd, join(dir, "neo-every"), EVERY_FEATURE),
  };
  const cert = join(plans.every?.data ?? "", "pki", "server_cert.pem");
  const key = join(plans.every?.data ?? "", "pki", "server_key.pem");
  // machbase-neo's protos as protobufjs JSON, as neo's binary carries them (src/grpc/proto-json.ts)
  mkdirSync(join(dir, "floor-grpc-data"), { recursive: true });
  writeFileSync(join(dir, "floor-grpc-data", "protos.json"), JSON.stringify(protoJson()));
  const floor =
    (set: string, connections = "neo") =>
    (port: number) =>
      Promise.resolve([exe.floor, String(port), join(dir, `floor-${set}-data`), cert, key, set, connections]);
  const creds = { username: "probe" };
  const rows: [string, (settle: number) => Promise<StartFigures>][] = [
    [
      "a compiled Bun program that only listens (CONNACK to any CONNECT)",
      (s) =>
        timeStart((port) => Promise.resolve([exe.listen, String(port)]), {
          cwd: dir,
          creds,
          readyLine: false,
          settleMs: s,
        }),
    ],
    [
      "floor: MQTT tcp + neo's 17 SQLite connections, then CONNACK",
      (s) => timeStart(floor("mqtt"), { cwd: dir, creds, readyLine: true, settleMs: s }),
    ],
    [
      "floor: MQTT tcp + one SQLite connection per file (4), then CONNACK",
      (s) => timeStart(floor("mqtt", "one"), { cwd: dir, creds, readyLine: true, settleMs: s }),
    ],
    [
      "floor: every listener (MQTT tcp+tls+ws, HTTP+HTTPS, http2 TLS, UDP, TLS) + the 17 connections",
      (s) => timeStart(floor("every"), { cwd: dir, creds, readyLine: true, settleMs: s }),
    ],
    [
      "floor: the same with grpc-js serving machbase-neo's services instead of bare http2",
      (s) => timeStart(floor("grpc"), { cwd: dir, creds, readyLine: true, settleMs: s }),
    ],
    ["neo defaults (MQTT + HTTP, token auth)", (s) => startOnce(plans.defaults as StartPlan, s)],
    ["neo, every feature on", (s) => startOnce(plans.every as StartPlan, s)],
  ];
  console.log(`neo = ${neoCmd.join(" ")}; ${runs} starts each, alternated; Bun ${Bun.version}`);
  console.log(`load average before: ${await load()}\n`);
  const got: StartFigures[][] = rows.map(() => []);
  for (let r = 0; r < runs; r++)
    for (const [i, [, start]] of rows.entries()) got[i]?.push(await start(r < 3 ? settleMs : 0));
  console.log(
    `| start | spawn -> CONNACK (median, range) | spawn -> ready line | RSS ${settleMs / 1000} s after spawn (median of 3) |`,
  );
  console.log("| --- | ---: | ---: | ---: |");
  for (const [i, [name]] of rows.entries()) {
    const fs = got[i] ?? [];
    const c = fs.map((f) => f.connackMs);
    const settled = median(fs.map((f) => f.settledKb).filter((k) => !Number.isNaN(k)));
    const ready = median(fs.map((f) => f.readyMs).filter((k) => !Number.isNaN(k)));
    console.log(
      `| ${name} | ${median(c).toFixed(1)} ms (${Math.min(...c).toFixed(1)}-${Math.max(...c).toFixed(1)}) | ${Number.isNaN(ready) ? "-" : `${ready.toFixed(1)} ms`} | ${(settled / 1024).toFixed(1)} MB |`,
    );
  }
  console.log(`\nload average after: ${await load()}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
