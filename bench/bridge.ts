// `bun bench/bridge.ts [--outage 60] [--count 100000] [--queued 1000000] [--loss 10000] [--publishers 4] [--only neo,mosquitto]`
//
// neo's Bridge beside Mosquitto's own bridge (`connection` block), same upstream (Debian's
// mosquitto, persistence on), same generator (bench/bridge/gen.ts: QoS 1, 100-byte
// payloads, `publishers` connections with 512 in flight each) and the same sink (bench/bridge/sink.ts: a persistent QoS 1
// subscriber on the upstream). Per target, in one run:
//   sustained  messages/s delivered upstream while the generator publishes `count`
//   catch-up   the uplink is cut (the bridges reach the upstream through a relay in this
//              process, bench/bridge/link.ts; the upstream and the sink stay up), `count`
//              messages are published (acknowledged by the local broker), the outage lasts
//              `outage` s, the link comes back: time to the first message (reconnect
//              back-off) and messages/s while the backlog drains
//   loss       link cut, `loss` messages published and acknowledged, the local broker is
//              kill -9'ed and restarted, link back: how many reach the upstream
//   rss        link cut, `queued` messages published: the local broker's VmRSS
// Loopback only; every process is started and stopped by PID.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Subprocess } from "bun";
import { createLink } from "./bridge/link.ts";
import { bridgeReport, type Row } from "./bridge/report.ts";
import { mosquittoStarter, neoStarter, type Starter } from "./bridge/brokers.ts";
import { freePort, fsyncLatency, procCpuSeconds, procRssKb, waitForPort } from "./lib/proc.ts";

const ROOT = resolve(import.meta.dir, "..");
const MOSQUITTO = "/usr/sbin/mosquitto";
const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const OUTAGE_S = arg("outage", 60);
const COUNT = arg("count", 100_000);
const QUEUED = arg("queued", 1_000_000);
const LOSS = arg("loss", 10_000);
/** generator connections publishing at once, each with 512 QoS 1 messages in flight */
const PUBLISHERS = arg("publishers", 4);
const onlyIdx = process.argv.indexOf("--only");
const TARGETS = (onlyIdx > 0 ? (process.argv[onlyIdx + 1] ?? "") : "neo,mosquitto").split(",");
const asRoot = process.getuid?.() === 0 ? ["user root"] : [];

const work = mkdtempSync(join(tmpdir(), "neo-bench-bridge-"));
const procs = new Set<Subprocess>();
const spawn = (cmd: string[], stdout: "pipe" | "ignore" = "ignore") => {
  const p = Bun.spawn(cmd, { cwd: ROOT, stdout, stderr: "ignore", env: { ...process.env, NO_COLOR: "1" } });
  procs.add(p);
  return p;
};
async function stop(p: Subprocess | null, signal: "SIGTERM" | "SIGKILL" = "SIGTERM"): Promise<void> {
  if (!p) return;
  procs.delete(p);
  if (p.exitCode === null && p.signalCode === null) p.kill(signal);
  const t = setTimeout(() => p.kill("SIGKILL"), 5000);
  await p.exited;
  clearTimeout(t);
}

// ---- upstream and sink ----
const upPort = await freePort();
const upDir = join(work, "upstream");
await Bun.$`mkdir -p ${upDir}`;
writeFileSync(
  join(upDir, "mosquitto.conf"),
  [
    `listener ${upPort} 127.0.0.1`,
    "allow_anonymous true",
    "persistence true",
    `persistence_location ${upDir}/`,
    "max_queued_messages 0",
    // the sink must not be what limits the rates: 1000 QoS 1 messages in flight to it
    "max_inflight_messages 1000",
    "set_tcp_nodelay true",
    "log_dest none",
    ...asRoot,
    "",
  ].join("\n"),
);
let upstream: Subprocess | null = null;
const startUpstream = async () => {
  upstream = spawn([MOSQUITTO, "-c", join(upDir, "mosquitto.conf")]);
  await waitForPort(upPort, 5000);
};
// the bridges reach the upstream through a relay the bench cuts for an outage
const linkPort = await freePort();
const link = createLink(linkPort, upPort);
let linkUp = false;
const cutLink = () => {
  link.down();
  linkUp = false;
};
const restoreLink = () => {
  link.up();
  linkUp = true;
};

type Counts = Record<string, { n: number; unique: number; first: number; last: number }>;
let counts: Counts = {};
async function startSink() {
  const p = spawn(["bun", "bench/bridge/sink.ts", String(upPort)], "pipe");
  (async () => {
    const dec = new TextDecoder();
    let buf = "";
    for await (const chunk of p.stdout as ReadableStream<Uint8Array>) {
      buf += dec.decode(chunk);
      const lines = buf.split("\n");
      buf = lines.pop() ?? "";
      const last = lines.at(-1);
      if (last) counts = JSON.parse(last) as Counts;
    }
  })();
  return p;
}
const group = (target: string, phase: string) => counts[`sites/${target}/bench/${phase}`];
async function waitFor(pred: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (pred()) return true;
    await Bun.sleep(20);
  }
  return pred();
}

async function generate(
  port: number,
  phase: string,
  count: number,
  root = "bench",
): Promise<{ acked: number; seconds: number }> {
  const lanes = Math.max(1, Math.min(PUBLISHERS, count));
  const per = Math.ceil(count / lanes);
  const t0 = performance.now();
  const results = await Promise.all(
    Array.from({ length: lanes }, async (_, i) => {
      const n = Math.min(per, count - i * per);
      const p = spawn(
        ["bun", "bench/bridge/gen.ts", JSON.stringify({ port, count: n, phase, first: i * per, root })],
        "pipe",
      );
      const out = await new Response(p.stdout as ReadableStream<Uint8Array>).text();
      await p.exited;
      procs.delete(p);
      return JSON.parse(out.trim().split("\n").at(-1) ?? "{}") as { acked: number };
    }),
  );
  return { acked: results.reduce((a, r) => a + (r.acked ?? 0), 0), seconds: (performance.now() - t0) / 1000 };
}

// ---- the local brokers ----
/** the bridge as this bench runs it: big buffers, persistence, Mosquitto's queue and window raised */
const bridgeOf = (t: string) => ({
  linkPort,
  clientId: `${t}-bench`,
  neo: ['Buffer { MaxMessages = 2000000, MaxBytes = "1GB" }'],
  mosquitto: [
    "persistence true",
    `persistence_location ${join(work, t)}/`,
    "set_tcp_nodelay true",
    // Mosquitto's default (1000) would drop everything past 1000 queued messages
    "max_queued_messages 2000000",
    // the bridge's window: neo keeps up to 1000 in flight, Mosquitto's default is 20
    "max_inflight_messages 1000",
  ],
});

async function runTarget(target: string, start: Starter): Promise<Row> {
  const row: Row = {
    target,
    sustained: 0,
    cpu: 0,
    catchupCpu: 0,
    localAck: 0,
    genAck: 0,
    reconnectS: 0,
    catchup: 0,
    catchupLost: 0,
    lossSent: 0,
    lossGot: 0,
    rssMb: 0,
    rssIdleMb: 0,
  };
  let local = await start();
  try {
    // the link is up when a probe arrives
    const probe = await generate(local.port, "probe", 1);
    if (!(await waitFor(() => (group(target, "probe")?.n ?? 0) >= 1, 30_000)))
      throw new Error(`${target}: the bridge never delivered a probe (${JSON.stringify(probe)})`);

    // the same generator on a topic no bridge forwards: what the broker alone acknowledges
    const plain = await generate(local.port, "plain", COUNT, "local");
    row.localAck = plain.acked / plain.seconds;

    // sustained
    const t0 = Date.now();
    const cpu0 = procCpuSeconds(local.proc.pid);
    const g = await generate(local.port, "sustained", COUNT);
    row.genAck = g.acked / g.seconds;
    await waitFor(() => (group(target, "sustained")?.unique ?? 0) >= COUNT, 120_000);
    const s = group(target, "sustained");
    const wall = ((s?.last ?? Date.now()) - t0) / 1000;
    row.cpu = (procCpuSeconds(local.proc.pid) - cpu0) / wall;
    row.sustained = (s?.unique ?? 0) / wall;

    // catch-up after an outage
    cutLink();
    const outageStart = Date.now();
    await generate(local.port, "catchup", COUNT);
    await Bun.sleep(Math.max(0, OUTAGE_S * 1000 - (Date.now() - outageStart)));
    restoreLink();
    const back = Date.now();
    await waitFor(() => (group(target, "catchup")?.n ?? 0) > 0, 120_000);
    const ccpu0 = procCpuSeconds(local.proc.pid);
    const cwall0 = Date.now();
    await waitFor(() => (group(target, "catchup")?.unique ?? 0) >= COUNT, 180_000);
    row.catchupCpu = (procCpuSeconds(local.proc.pid) - ccpu0) / ((Date.now() - cwall0) / 1000);
    const c = group(target, "catchup");
    row.reconnectS = ((c?.first ?? Date.now()) - back) / 1000;
    row.catchup = (c?.unique ?? 0) / (((c?.last ?? Date.now()) - (c?.first ?? back)) / 1000);
    row.catchupLost = COUNT - (c?.unique ?? 0);

    // loss across a kill -9 during an outage
    cutLink();
    const l = await generate(local.port, "loss", LOSS);
    row.lossSent = l.acked;
    await stop(local.proc, "SIGKILL");
    local = await start();
    restoreLink();
    // neo resends everything; Mosquitto's queue is gone, so 30 s is plenty to see that
    await waitFor(() => (group(target, "loss")?.unique ?? 0) >= LOSS, 30_000);
    row.lossGot = group(target, "loss")?.unique ?? 0;

    // RSS with QUEUED messages waiting
    cutLink();
    await generate(local.port, "rss", QUEUED);
    row.rssMb = procRssKb(local.proc.pid) / 1024;
    await Bun.sleep(3000);
    row.rssIdleMb = procRssKb(local.proc.pid) / 1024;
    return row;
  } finally {
    await stop(local.proc, "SIGKILL");
    if (!linkUp) restoreLink();
  }
}

const load0 = loadavg();
const fsync0 = fsyncLatency(work);
const rows: Row[] = [];
try {
  await startUpstream();
  restoreLink();
  await startSink();
  for (const t of TARGETS) {
    const dir = join(work, t);
    await Bun.$`mkdir -p ${dir}`;
    const started = Date.now();
    const row = await runTarget(
      t,
      t === "neo" ? neoStarter(dir, spawn, bridgeOf("neo")) : mosquittoStarter(dir, spawn, bridgeOf("mosquitto")),
    );
    rows.push(row);
    console.error(`${t} done in ${((Date.now() - started) / 1000).toFixed(0)} s: ${JSON.stringify(row)}`);
  }
} finally {
  link.down();
  await stop(upstream);
  for (const p of [...procs]) await stop(p, "SIGKILL");
  rmSync(work, { recursive: true, force: true });
}

console.log(
  bridgeReport(rows, {
    command: `bun bench/bridge.ts --outage ${OUTAGE_S} --count ${COUNT} --queued ${QUEUED} --loss ${LOSS} --publishers ${PUBLISHERS}`,
    load: load0,
    fsync: fsync0,
  }),
);
