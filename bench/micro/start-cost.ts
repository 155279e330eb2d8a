// What each subsystem costs `neo serve` at start: time from exec to the first accepted
// TCP connect on the MQTT port (median of `runs`, a data dir made by a first start), RSS
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

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

async function startOnce(dir: string, conf: string, settle: boolean) {
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
  ];
  const t0 = performance.now();
  const proc = Bun.spawn(argv, { cwd: dir, stdout: "ignore", stderr: "ignore" });
  try {
    await waitForPort(port, 20_000);
    const ms = performance.now() - t0;
    const readyKb = procRssKb(proc.pid);
    let settledKb = Number.NaN;
    if (settle) {
      await Bun.sleep(Math.max(0, settleSec * 1000 - (performance.now() - t0)));
      settledKb = procRssKb(proc.pid);
    }
    return { ms, readyKb, settledKb };
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
    await startOnce(dir, conf, false); // makes the data dir, CA, server certificate
    const ms: number[] = [];
    let last = { readyKb: Number.NaN, settledKb: Number.NaN };
    for (let i = 0; i < runs; i++) {
      const r = await startOnce(dir, conf, i === runs - 1);
      ms.push(r.ms);
      last = r;
    }
    const mb = (kb: number) => `${(kb / 1024).toFixed(1)} MB`;
    console.log(
      `| ${name} | ${median(ms).toFixed(1)} ms (${Math.min(...ms).toFixed(1)}-${Math.max(...ms).toFixed(1)}) | ${mb(last.readyKb)} | ${mb(last.settledKb)} |`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
console.log(`\nload average after: ${(await Bun.file("/proc/loadavg").text()).trim()}`);
