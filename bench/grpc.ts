// `bun bench/grpc.ts [--seconds 5] [--rounds 3] [--repeat 3] [--neo-cmd "<argv prefix>"]`: machbase-neo's gRPC
// API beside neo's own MQTT and HTTP in one run against one fresh `neo serve`:
//   1. MQTT db/append rows/s (bench/lib's db-append generator: QoS 1, 100 rows a message,
//      2 publishers x 16 in flight), then gRPC Append rows/s (bench/grpc-gen.ts: 2 client
//      streams, 500 records an AppendData, mutual TLS); both counted until the last
//      acknowledgement and checked with select count(*).
//   2. A 10,000-row query: HTTP GET /db/query (JSON) vs gRPC Query + RowsFetch per row
//      (machbase-neo's protocol: one call per row), median of --repeat.
// Broker CPU seconds per phase come from /proc/<pid>/stat. Loopback only; every process
// it starts is killed by its PID; the temp dir is removed.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";

const ROOT = resolve(import.meta.dir, "..");
const { values } = parseArgs({
  args: Bun.argv.slice(2),
  options: {
    seconds: { type: "string" },
    rounds: { type: "string" },
    repeat: { type: "string" },
    "neo-cmd": { type: "string" },
  },
});
const seconds = Number(values.seconds ?? 5);
const repeat = Number(values.repeat ?? 3);
const rounds = Number(values.rounds ?? 3);
const neo = values["neo-cmd"]?.split(" ").filter(Boolean) ?? [process.execPath, join(ROOT, "src/main.ts")];
const dir = mkdtempSync(join(tmpdir(), "neo-bench-grpc-"));
const data = join(dir, "data");
const procs: { kill(s?: number | NodeJS.Signals): void; exited: Promise<number> }[] = [];

const cpuOf = (pid: number) => {
  const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(f[11]) + Number(f[12])) / 100;
};
async function runJson(cmd: string[], stdin?: string): Promise<Record<string, unknown>> {
  const p = Bun.spawn(cmd, {
    cwd: ROOT,
    stdin: stdin ? new TextEncoder().encode(stdin) : "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  procs.push(p);
  const timer = setTimeout(() => p.kill("SIGKILL"), 120_000);
  const [out, err] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  clearTimeout(timer);
  const line = out.trim().split("\n").at(-1) ?? "";
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    throw new Error(`${cmd.join(" ")}: ${err}${out}`);
  }
}

try {
  writeFileSync(join(dir, "neo.conf"), 'Grpc {\n  Listen = "127.0.0.1:0"\n}\n');
  const srv = Bun.spawn(
    [
      ...neo,
      "serve",
      "--data",
      data,
      "--host",
      "127.0.0.1",
      "--http-port",
      "0",
      "--mqtt-port",
      "0",
      "--config",
      join(dir, "neo.conf"),
    ],
    { cwd: dir, stdout: "pipe", stderr: Bun.file(join(dir, "serve.log")) },
  );
  procs.push(srv);
  const reader = srv.stdout.getReader();
  let buf = "";
  while (!buf.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`neo did not start: ${readFileSync(join(dir, "serve.log"), "utf8")}`);
    buf += new TextDecoder().decode(value);
  }
  const ready = JSON.parse(buf.slice(0, buf.indexOf("\n"))) as {
    http: string;
    mqtt: string;
    grpc: string;
    pid: number;
  };
  const pid = ready.pid;
  const keyGen = Bun.spawnSync([
    ...neo,
    "shell",
    "key",
    "gen",
    "bench",
    "--output",
    join(dir, "bench"),
    "--data",
    data,
  ]);
  if (keyGen.exitCode !== 0) throw new Error(keyGen.stderr.toString());
  Bun.spawnSync([...neo, "shell", "key", "server-cert", "--output", join(dir, "ca.pem"), "--data", data]);
  const token = readFileSync(join(dir, "bench_token"), "utf8").trim();
  const tlsArgs = [ready.grpc, join(dir, "ca.pem"), join(dir, "bench_cert.pem"), join(dir, "bench_key.pem")];
  const [mqttHost, mqttPort] = ready.mqtt.split(":");
  const http = `http://${ready.http}`;
  const count = async (t: string) => {
    const r = await fetch(`${http}/db/query?q=${encodeURIComponent(`select count(*) from ${t}`)}`);
    return Number(((await r.json()) as { data: { rows: number[][] } }).data.rows[0]?.[0]);
  };

  // 1. ingest: MQTT db/append and gRPC Append, alternating, --rounds times (a loaded machine varies)
  interface Ingest {
    rate: number;
    rows: number;
    onDisk: number;
    cpuPerM: number;
    gen: number;
  }
  const mqRuns: Ingest[] = [];
  const gaRuns: Ingest[] = [];
  for (let r = 0; r < rounds; r++) {
    let c0 = cpuOf(pid);
    const mqTable = `MQ_APPEND_${r}`;
    const mq = await runJson(
      [process.execPath, join(ROOT, "bench/lib/gen.ts")],
      JSON.stringify({
        scenario: "db-append",
        host: mqttHost,
        port: Number(mqttPort),
        tls: false,
        ids: [{ clientId: "nb-0" }, { clientId: "nb-1" }],
        fixedIds: false,
        brokerPid: pid,
        http: { base: http, token },
        params: { publishers: 2, rowsPerMsg: 100, window: 16, durationMs: seconds * 1000, table: mqTable },
      }),
    );
    const m = mq.metrics as Record<string, number>;
    mqRuns.push({
      rate: Number(m.rate),
      rows: Number(m.rows),
      onDisk: await count(mqTable),
      cpuPerM: ((cpuOf(pid) - c0) / Number(m.rows)) * 1e6,
      gen: Number((mq.cpu as Record<string, number> | undefined)?.genCpu ?? Number.NaN),
    });
    c0 = cpuOf(pid);
    const gTable = `G_APPEND_${r}`;
    const ga = await runJson([
      process.execPath,
      join(ROOT, "bench/grpc-gen.ts"),
      "append",
      ...tlsArgs,
      gTable,
      "2",
      String(seconds * 1000),
      "500",
    ]);
    if (ga.ok !== true) throw new Error(`gRPC append: ${String(ga.error)}`);
    gaRuns.push({
      rate: Number(ga.rate),
      rows: Number(ga.rows),
      onDisk: await count(gTable),
      cpuPerM: ((cpuOf(pid) - c0) / Number(ga.rows)) * 1e6,
      gen: Number(ga.genCores),
    });
  }
  const fmt = (n: number) => Math.round(n).toLocaleString("en");
  const med = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] ?? Number.NaN;
  console.log(`## gRPC Append vs MQTT db/append (${seconds} s each, ${rounds} rounds alternating, same neo process)\n`);
  console.log(
    "| path | rows/s per round | median | broker CPU s / 1M rows (median) | all acknowledged rows on disk | generator CPU (cores) |",
  );
  console.log("| --- | --- | --- | --- | --- | --- |");
  for (const [label, runs] of [
    ["MQTT db/append (QoS 1, 100 rows/msg, 2 x 16 in flight, plain TCP)", mqRuns],
    ["gRPC Append (mutual TLS, 500 records/msg, 2 streams)", gaRuns],
  ] as const)
    console.log(
      `| ${label} | ${runs.map((x) => fmt(x.rate)).join(" / ")} | ${fmt(med(runs.map((x) => x.rate)))} | ${med(runs.map((x) => x.cpuPerM)).toFixed(2)} | ${runs.every((x) => x.onDisk === x.rows) ? "yes" : "NO"} (${fmt(runs.reduce((a, x) => a + x.rows, 0))} rows) | ${med(runs.map((x) => x.gen)).toFixed(2)} |`,
    );

  // 2. a 10,000-row query
  const rows: string[] = [];
  for (let i = 0; i < 10_000; i++) rows.push(`["q.${i % 10}",${1_700_000_000_000_000_000n + BigInt(i)},${i / 4}]`);
  await fetch(`${http}/db/write/Q10K`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: `[${rows.join(",")}]`,
  });
  const sql = "select * from Q10K";
  const httpTimes: number[] = [];
  let c0 = cpuOf(pid);
  for (let k = 0; k < repeat; k++) {
    const t = performance.now();
    const r = await fetch(`${http}/db/query?q=${encodeURIComponent(sql)}`);
    const n = ((await r.json()) as { data: { rows: unknown[] } }).data.rows.length;
    if (n !== 10_000) throw new Error(`HTTP query answered ${n} rows`);
    httpTimes.push(performance.now() - t);
  }
  const httpCpu = (cpuOf(pid) - c0) / repeat;
  httpTimes.sort((a, b) => a - b);
  c0 = cpuOf(pid);
  const gq = await runJson([
    process.execPath,
    join(ROOT, "bench/grpc-gen.ts"),
    "query",
    ...tlsArgs,
    sql,
    String(repeat),
  ]);
  const gqCpu = (cpuOf(pid) - c0) / repeat;
  if (gq.ok !== true) throw new Error(`gRPC query: ${String(gq.error)}`);
  if (gq.rows !== 10_000) throw new Error(`gRPC query answered ${String(gq.rows)} rows`);
  console.log(`\n## A 10,000-row query (median of ${repeat})\n`);
  console.log("| path | ms per query | rows/s | broker CPU s per query |");
  console.log("| --- | --- | --- | --- |");
  const hm = httpTimes[Math.floor(httpTimes.length / 2)] ?? 0;
  console.log(
    `| HTTP GET /db/query (JSON) | ${hm.toFixed(1)} | ${Math.round(10_000 / (hm / 1000)).toLocaleString("en")} | ${httpCpu.toFixed(3)} |`,
  );
  const gm = Number(gq.medianMs);
  console.log(
    `| gRPC Query + 10,000 RowsFetch (mTLS) | ${gm.toFixed(1)} | ${Math.round(10_000 / (gm / 1000)).toLocaleString("en")} | ${gqCpu.toFixed(3)} |`,
  );
  console.log(
    `\nneo: ${neo.join(" ")}; load average ${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")}`,
  );
} finally {
  for (const p of procs) p.kill("SIGKILL");
  await Promise.all(procs.map((p) => p.exited));
  rmSync(dir, { recursive: true, force: true });
}
