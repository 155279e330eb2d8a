// CoAP confirmable messages/s on one core (issue 21): neo's CoAP listener pinned to core 0,
// the load generator (bench/lib/coap-gen.ts) pinned to core 1, loopback only. Each
// request is a CON POST to /channels/<id>/messages?auth=<key> answered by a piggybacked
// 2.04: identify (HMAC of the key), authorize, dedup, and then either delivery only (a
// text payload, published to the broker) or SenML stored (one record, committed and
// fsynced with Storage.Sync = "full" before the ACK). For reference, libcoap's own C
// server (coap-server-openssl) on the same core answering PUT /example_data: the CoAP
// protocol work alone (no authentication, no storage).
//
//   bun bench/coap.ts [--seconds 5] [--repeat 3] [--window 8] [--sockets 16] [--neo-cmd "./dist/neo"]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { procCpuSeconds, waitForLine } from "./lib/proc.ts";

const ROOT = resolve(import.meta.dir, "..");
const args = process.argv.slice(2);
const opt = (name: string, def: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? (args[i + 1] ?? def) : def;
};
const seconds = Number(opt("seconds", "5"));
const repeat = Number(opt("repeat", "3"));
const window = opt("window", "8");
const sockets = opt("sockets", "16");
const neoCmd = opt("neo-cmd", `${process.execPath} ${join(ROOT, "src/main.ts")}`).split(" ");

async function sh(cmd: string[]): Promise<string> {
  const p = Bun.spawn(cmd, { stdout: "pipe", stderr: "pipe", cwd: ROOT });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  if (code !== 0) throw new Error(`${cmd.join(" ")}: ${err}`);
  return out;
}

interface Run {
  rate: number;
  serverCpu: number;
  genCpu: number;
  lost: number;
  codes: Record<string, number>;
}

async function generate(
  serverPid: number,
  port: number,
  method: string,
  path: string,
  payload: string,
  format: number,
): Promise<Run> {
  const gen = Bun.spawn(
    [
      "taskset",
      "-c",
      "1",
      process.execPath,
      join(ROOT, "bench/lib/coap-gen.ts"),
      "127.0.0.1",
      String(port),
      method,
      path,
      payload,
      String(format),
    ],
    {
      stdout: "pipe",
      stderr: "inherit",
      env: { ...process.env, SECONDS_RUN: String(seconds), WINDOW: window, SOCKETS: sockets },
    },
  );
  const kill = setTimeout(() => gen.kill("SIGKILL"), (seconds + 30) * 1000);
  const c0 = procCpuSeconds(serverPid);
  const t0 = performance.now();
  const out = await new Response(gen.stdout).text();
  await gen.exited;
  clearTimeout(kill);
  const wall = (performance.now() - t0) / 1000;
  const serverCpu = (procCpuSeconds(serverPid) - c0) / wall;
  if (!out.trim()) throw new Error(`the generator printed nothing (exit ${gen.exitCode})`);
  const r = JSON.parse(out.trim().split("\n").at(-1) ?? "{}") as {
    acked: number;
    seconds: number;
    cpu: number;
    lost: number;
    codes: Record<string, number>;
  };
  return { rate: r.acked / r.seconds, serverCpu, genCpu: r.cpu, lost: r.lost, codes: r.codes };
}

async function withNeo<T>(fn: (pid: number, port: number, token: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), "neo-bench-coap-"));
  await Bun.write(join(dir, "neo.conf"), 'Coap { Listen = "127.0.0.1:0" }\nAudit { Enabled = true }\n');
  const proc = Bun.spawn(
    [
      "taskset",
      "-c",
      "0",
      ...neoCmd,
      "serve",
      "--data",
      join(dir, "data"),
      "--host",
      "127.0.0.1",
      "--http-port",
      "0",
      "--mqtt-port",
      "0",
      "--config",
      join(dir, "neo.conf"),
    ],
    { stdout: "pipe", stderr: "ignore", cwd: ROOT },
  );
  try {
    const ready = JSON.parse(await waitForLine(proc, (l) => l.startsWith("{"), 30_000)) as {
      coap: string;
      pid: number;
    };
    const data = join(dir, "data");
    await sh([...neoCmd, "shell", "key", "gen", "dev1", "--output", join(dir, "dev1"), "--data", data]);
    await sh([...neoCmd, "shell", "channel", "create", "ch1", "--data", data]);
    await sh([...neoCmd, "shell", "channel", "connect", "ch1", "dev1", "--data", data]);
    const token = (await Bun.file(join(dir, "dev1_token")).text()).trim();
    return await fn(ready.pid, Number(ready.coap.split(":")[1]), token);
  } finally {
    proc.kill("SIGTERM");
    const t = setTimeout(() => proc.kill("SIGKILL"), 8000);
    await proc.exited;
    clearTimeout(t);
    rmSync(dir, { recursive: true, force: true });
  }
}

async function withLibcoap<T>(fn: (pid: number, port: number) => Promise<T>): Promise<T> {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const proc = Bun.spawn(
    ["taskset", "-c", "0", "coap-server-openssl", "-A", "127.0.0.1", "-p", String(port), "-v", "0"],
    {
      stdout: "ignore",
      stderr: "ignore",
    },
  );
  try {
    // no ready line: ask until it answers
    for (let i = 0; i < 50; i++) {
      const probe = Bun.spawn(["coap-client-openssl", "-B", "1", `coap://127.0.0.1:${port}/example_data`], {
        stdout: "pipe",
        stderr: "ignore",
      });
      const [out] = await Promise.all([new Response(probe.stdout).text(), probe.exited]);
      if (probe.exitCode === 0 && !out.startsWith("4.") && !out.startsWith("5.")) break;
    }
    return await fn(proc.pid, port);
  } finally {
    proc.kill("SIGKILL");
    await proc.exited;
  }
}

const best = (runs: Run[]) => runs.reduce((a, b) => (b.rate > a.rate ? b : a));
const fmt = (r: Run) =>
  `${Math.round(r.rate).toLocaleString("en-US")} msgs/s | ${Math.round(r.genCpu * 100)}% / ${Math.round(r.serverCpu * 100)}% | lost ${r.lost} | ${JSON.stringify(r.codes)}`;

const load = (await Bun.file("/proc/loadavg").text()).split(" ").slice(0, 3).join(" ");
const rows: [string, Run][] = [];
const text = "x".repeat(64);
const senml = '[{"n":"temp","v":21.5}]';
const neoText: Run[] = [];
const neoSenml: Run[] = [];
const ref: Run[] = [];
for (let i = 0; i < repeat; i++) {
  await withNeo(async (pid, port, token) => {
    const path = `/channels/ch1/messages?auth=${token}`;
    neoText.push(await generate(pid, port, "post", path, text, 0));
    neoSenml.push(await generate(pid, port, "post", path, senml, 110));
  });
  ref.push(await withLibcoap((pid, port) => generate(pid, port, "put", "/example_data", text, 0)));
}
rows.push(["neo: CON POST, 64 B text (identify + authorize + publish, not stored)", best(neoText)]);
rows.push(["neo: CON POST, SenML 1 record (stored: commit + fsync before the ACK)", best(neoSenml)]);
rows.push(["libcoap coap-server-openssl: CON PUT /example_data, 64 B (no auth, no storage)", best(ref)]);
const after = (await Bun.file("/proc/loadavg").text()).split(" ").slice(0, 3).join(" ");
console.log(`# CoAP confirmable messages/s, server on one core (taskset -c 0), generator on core 1`);
console.log(
  `- command: bun bench/coap.ts ${args.join(" ")} (best of ${repeat}, ${seconds} s each, ${sockets} sockets x ${window} outstanding)`,
);
console.log(`- load average before / after: ${load} / ${after}`);
console.log("| figure | rate | CPU generator / server | server CPU per message | lost | codes |");
console.log("| --- | ---: | --- | ---: | ---: | --- |");
for (const [name, r] of rows) {
  const [rate, cpu, lost, codes] = fmt(r).split(" | ");
  const perMsg = r.rate > 0 ? `${((r.serverCpu / r.rate) * 1e6).toFixed(1)} µs` : "-";
  console.log(`| ${name} | ${rate} | ${cpu} | ${perMsg} | ${lost?.replace("lost ", "")} | ${codes} |`);
}
