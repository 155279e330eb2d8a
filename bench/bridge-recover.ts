// `bun bench/bridge-recover.ts [--outage 20] [--keepalive 5] [--count 1000] [--only neo,mosquitto] [--neo-cmd "bun src/main.ts"]`
//
// How fast an uplink comes back, neo's Bridge beside Mosquitto's bridge, same upstream
// (Debian's mosquitto), both reaching it through bench/bridge/link.ts:
//   outage     the relay stops listening (connections refused) for `outage` s, one QoS 1
//              message is published locally meanwhile; then the relay listens again:
//              seconds until that message reaches the upstream (the reconnect back-off)
//   half-open  the relay stalls its open connections (no FIN, no RST, bytes dropped) and
//              `count` QoS 1 messages are published locally (acknowledged there): seconds
//              until the bridge closes the dead connection (keep-alive `keepalive` s), and
//              how many of the `count` reach the upstream once it reconnected
// Loopback only; every process is started and stopped by PID.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Subprocess } from "bun";
import mqtt from "mqtt";
import { mosquittoStarter, neoStarter } from "./bridge/brokers.ts";
import { createLink } from "./bridge/link.ts";
import { freePort, waitForPort } from "./lib/proc.ts";

const ROOT = resolve(import.meta.dir, "..");
const MOSQUITTO = "/usr/sbin/mosquitto";
const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? (process.argv[i + 1] ?? def) : def;
};
const OUTAGE_S = Number(arg("outage", "20"));
const KEEPALIVE_S = Number(arg("keepalive", "5"));
const COUNT = Number(arg("count", "1000"));
const TARGETS = arg("only", "neo,mosquitto").split(",");
const NEO_CMD = arg("neo-cmd", "bun src/main.ts").split(" ");
const asRoot = process.getuid?.() === 0 ? ["user root"] : [];

const work = mkdtempSync(join(tmpdir(), "neo-bench-recover-"));
const procs = new Set<Subprocess>();
const spawn = (cmd: string[]) => {
  const p = Bun.spawn(cmd, { cwd: ROOT, stdout: "pipe", stderr: "ignore", env: { ...process.env, NO_COLOR: "1" } });
  procs.add(p);
  return p;
};
async function stop(p: Subprocess): Promise<void> {
  procs.delete(p);
  if (p.exitCode === null && p.signalCode === null) p.kill("SIGTERM");
  const t = setTimeout(() => p.kill("SIGKILL"), 5000);
  await p.exited;
  clearTimeout(t);
}
async function waitFor(pred: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end && !pred()) await Bun.sleep(10);
  return pred();
}

const upPort = await freePort();
writeFileSync(
  join(work, "up.conf"),
  [
    `listener ${upPort} 127.0.0.1`,
    "allow_anonymous true",
    "max_queued_messages 0",
    "log_dest none",
    ...asRoot,
    "",
  ].join("\n"),
);
const upstream = spawn([MOSQUITTO, "-c", join(work, "up.conf")]);
await waitForPort(upPort, 5000);
const got = new Map<string, number>(); // payload -> arrival time
const sink = await mqtt.connectAsync(`mqtt://127.0.0.1:${upPort}`, {
  clientId: "sink",
  clean: false,
  reconnectPeriod: 0,
});
sink.on("message", (_t, p) => {
  const k = p.toString();
  if (!got.has(k)) got.set(k, Date.now());
});
await sink.subscribeAsync("sites/#", { qos: 1 });
const linkPort = await freePort();
const link = createLink(linkPort, upPort);
link.up();

const bridge = {
  linkPort,
  neo: [`KeepAlive = ${KEEPALIVE_S}`],
  neoCmd: NEO_CMD,
  mosquitto: ["max_queued_messages 100000"],
  mosquittoBridge: [`keepalive_interval ${KEEPALIVE_S}`],
};
const startLocal = (target: string, dir: string) =>
  target === "neo"
    ? neoStarter(dir, spawn, { ...bridge, clientId: "neo-recover" })()
    : mosquittoStarter(dir, spawn, { ...bridge, clientId: "mosquitto-recover" })();

async function publish(port: number, payloads: string[]): Promise<void> {
  const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { clientId: `gen-${payloads[0]}`, reconnectPeriod: 0 });
  await Promise.all(payloads.map((p) => c.publishAsync("bench/recover", p, { qos: 1 })));
  await c.endAsync();
}

interface Row {
  target: string;
  reconnectS: number;
  detectS: number;
  lost: number;
}
const rows: Row[] = [];
for (const target of TARGETS) {
  const dir = join(work, target);
  await Bun.$`mkdir -p ${dir}`;
  const local = await startLocal(target, dir);
  try {
    const hello = `${target}-hello`;
    await publish(local.port, [hello]);
    if (!(await waitFor(() => got.has(hello), 30_000))) throw new Error(`${target}: the bridge never delivered`);
    // outage
    link.down();
    const marker = `${target}-outage`;
    await publish(local.port, [marker]);
    await Bun.sleep(OUTAGE_S * 1000);
    link.up();
    const back = Date.now();
    await waitFor(() => got.has(marker), 120_000);
    const reconnectS = ((got.get(marker) ?? Number.NaN) - back) / 1000;
    // half-open (after the bridge is surely settled on its new connection)
    await Bun.sleep(1000);
    const t0 = Date.now();
    const detected = link.stall();
    const payloads = Array.from({ length: COUNT }, (_, i) => `${target}-h${i}`);
    await publish(local.port, payloads);
    const at = await Promise.race([detected, Bun.sleep(KEEPALIVE_S * 10_000).then(() => Number.NaN)]);
    await waitFor(() => payloads.every((p) => got.has(p)), 60_000);
    const lost = payloads.filter((p) => !got.has(p)).length;
    rows.push({ target, reconnectS, detectS: (at - t0) / 1000, lost });
    console.error(
      `${target}: reconnect ${reconnectS.toFixed(2)} s, half-open detected ${((at - t0) / 1000).toFixed(2)} s, lost ${lost}`,
    );
  } finally {
    await stop(local.proc);
  }
}
link.down();
await sink.endAsync(true);
await stop(upstream);
for (const p of procs) await stop(p);
rmSync(work, { recursive: true, force: true });

const cmd = `bun bench/bridge-recover.ts --outage ${OUTAGE_S} --keepalive ${KEEPALIVE_S} --count ${COUNT}`;
console.log(`\`${cmd}\` (load average ${loadavg()[0]?.toFixed(1)})\n`);
console.log(
  `| bridge | reconnect after a ${OUTAGE_S} s outage | half-open detected (keep-alive ${KEEPALIVE_S} s) | QoS 1 lost of ${COUNT} |`,
);
console.log("|---|---:|---:|---:|");
for (const r of rows)
  console.log(`| ${r.target} | ${r.reconnectS.toFixed(2)} s | ${r.detectS.toFixed(2)} s | ${r.lost} |`);
