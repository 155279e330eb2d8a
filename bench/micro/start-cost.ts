// What each subsystem costs `neo serve` at start: time from exec to the first accepted
// TCP connect on the MQTT port (median of `runs`, a data dir made by a first start that runs
// 3 s, so its one-time work (CA, the console's admin user) is done), RSS
// when it accepts and 10 s after the exec (`--settle`), for the default start and with
// one subsystem's block added at a time, then all of them ("every feature on").
//   bun bench/micro/start-cost.ts [--runs 5] [--settle 10] [--neo-cmd "bun src/main.ts"] [--only base,grpc]
// Peers the blocks name (PostgreSQL, an upstream broker) are unreachable ports on purpose:
// the subsystem starts and keeps retrying, as on an appliance whose uplink is down.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, killProc, procRssKb, waitForPort } from "../lib/proc.ts";

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? (process.argv[i + 1] ?? dflt) : dflt;
};
const runs = Number(arg("runs", "5"));
const settleSec = Number(arg("settle", "10"));
const neoCmd = arg("neo-cmd", `${process.execPath} ${join(import.meta.dir, "../../src/main.ts")}`).split(" ");
const only = arg("only", "").split(",").filter(Boolean);

const BLOCKS: Record<string, string> = {
  "MQTT over TLS (Mqtt.Tls)": 'Mqtt {\n  Tls {\n    Enabled = true\n    ClientAuth = "optional"\n  }\n}\n',
  "HTTPS (Http.Tls, EST)": 'Http {\n  Tls {\n    Enabled = true\n    ClientAuth = "optional"\n  }\n}\n',
  "gRPC (Grpc)": 'Grpc {\n  Listen = "127.0.0.1:0"\n  Tls {\n    Enabled = true\n    ClientAuth = "optional"\n  }\n}\n',
  "CoAP (Coap)": 'Coap {\n  Listen = "127.0.0.1:0"\n}\n',
  "Bridge (upstream down)":
    'Bridge "cloud" {\n  Address = "mqtt://127.0.0.1:9"\n  ClientId = "site-1"\n  Forward = ["sensors/#"]\n}\n',
  "Export (PostgreSQL down)":
    'Export "central" {\n  Postgres = "postgres://neo:neo@127.0.0.1:9/neo"\n  Tables = ["SENSORS"]\n  Gateway = "gw-1"\n}\n',
};
const variants: [string, string][] = [
  ["defaults (MQTT + HTTP, token auth)", ""],
  ...Object.entries(BLOCKS),
  ["every feature on", Object.values(BLOCKS).join("")],
];

const steps: string[] = [];
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

async function startOnce(dir: string, conf: string, settleMs: number) {
  const port = await freePort();
  const argv = [
    ...neoCmd,
    "serve",
    "--config",
    conf,
    "--data",
    join(dir, "data"),
    "--host",
    "127.0.0.1",
    "--http-port",
    "0",
    "--mqtt-port",
    String(port),
    "--mqtt-enable-token-auth",
    "true",
    "--log-level",
    "debug",
  ];
  const t0 = performance.now();
  const proc = Bun.spawn(argv, { cwd: dir, stdout: "pipe", stderr: "pipe" });
  const logs = Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  try {
    await waitForPort(port, 20_000);
    const ms = performance.now() - t0;
    const readyKb = procRssKb(proc.pid);
    let settledKb = Number.NaN;
    if (settleMs > 0) {
      await Bun.sleep(Math.max(0, settleMs - (performance.now() - t0)));
      settledKb = procRssKb(proc.pid);
    }
    await killProc(proc);
    // the gateway's own account of its start (gateway.ts, log level debug)
    const steps = (await logs).join("\n").match(/start: (.*)/)?.[1] ?? "";
    return { ms, readyKb, settledKb, steps };
  } finally {
    await killProc(proc);
  }
}

console.log(`neo: ${neoCmd.join(" ")}; ${runs} starts each (after a first one that makes the data dir)`);
console.log(`load average: ${(await Bun.file("/proc/loadavg").text()).trim()}`);
console.log("");
console.log(`| start | exec -> MQTT accepts, median (range) | RSS then | RSS ${settleSec} s after exec |`);
console.log("| --- | ---: | ---: | ---: |");
for (const [name, block] of variants) {
  if (only.length > 0 && !only.some((o) => name.toLowerCase().includes(o.toLowerCase()))) continue;
  const dir = mkdtempSync(join(tmpdir(), "neo-start-cost-"));
  try {
    const conf = join(dir, "neo.conf");
    writeFileSync(conf, block);
    // makes the data dir, CA, server certificate and the console's admin user (an argon2id
    // hash: a first start's cost, not measured below)
    await startOnce(dir, conf, 3000);
    const ms: number[] = [];
    let last = { readyKb: Number.NaN, settledKb: Number.NaN, steps: "" };
    for (let i = 0; i < runs; i++) {
      const r = await startOnce(dir, conf, i === runs - 1 ? settleSec * 1000 : 0);
      ms.push(r.ms);
      last = r;
    }
    const mb = (kb: number) => `${(kb / 1024).toFixed(1)} MB`;
    console.log(
      `| ${name} | ${median(ms).toFixed(1)} ms (${Math.min(...ms).toFixed(1)}-${Math.max(...ms).toFixed(1)}) | ${mb(last.readyKb)} | ${mb(last.settledKb)} |`,
    );
    steps.push(`- ${name} (last start): ${last.steps}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
console.log(`\nWhat each step took (the gateway's debug line):\n${steps.join("\n")}`);
console.log(`\nload average after: ${(await Bun.file("/proc/loadavg").text()).trim()}`);
