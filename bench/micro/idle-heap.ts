// Where the bytes of an idle authenticated MQTT connection go:
// `bun bench/micro/idle-heap.ts [connections=5000]`.
// Starts the gateway in this process (token auth on, a temp data dir), opens `connections`
// idle MQTT 3.1.1 connections with one key's token from a child process (keepalive 0), and
// prints the JS heap (bun:jsc heapStats after a full GC) before and after: size, and the
// object types whose counts grew, per connection. RSS per connection is printed too (the
// JS heap is only part of it: sockets, TLS-less uSockets buffers, mimalloc pages).
import { heapStats } from "bun:jsc";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { startGateway } from "../../src/app/gateway.ts";
import { loadConfig } from "../../src/config/load.ts";
import { setLogLevel } from "../../src/lib/log.ts";

const N = Number(process.argv[2] ?? 5000);
const ROOT = resolve(import.meta.dir, "../..");
const dir = mkdtempSync(join(tmpdir(), "neo-idle-heap-"));
setLogLevel("warn");
const gen = Bun.spawnSync([
  "bun",
  join(ROOT, "src/main.ts"),
  "shell",
  "key",
  "gen",
  "idle",
  "--output",
  join(dir, "k"),
  "--data",
  join(dir, "d"),
]);
if (gen.exitCode !== 0) throw new Error(gen.stderr.toString());
const token = (await Bun.file(join(dir, "k_token")).text()).trim();
const cfg = loadConfig({
  env: {
    NEO_DATA: join(dir, "d"),
    NEO_HOST: "127.0.0.1",
    NEO_HTTP_PORT: "0",
    NEO_MQTT_PORT: "0",
    NEO_HTTP_ENABLE_TOKEN_AUTH: "true",
  },
});
// no per-key / per-address caps in the way of N connections from one key on loopback
cfg.mqtt.maxConnectionsPerClient = N * 2;
cfg.mqtt.maxConnectionsPerAddress = N * 2;
const gw = await startGateway(cfg);
const port = Number(gw.ready.mqtt.split(":").at(-1));

const rssKb = async () => Number(/VmRSS:\s+(\d+)/.exec(await Bun.file("/proc/self/status").text())?.[1] ?? 0);
const settle = () => {
  Bun.gc(true);
  Bun.gc(true);
  return heapStats();
};
await Bun.sleep(500);
const before = settle();
const rss0 = await rssKb();

const child = Bun.spawn(["bun", join(import.meta.dir, "idle-heap-clients.ts"), String(port), token, String(N)], {
  stdout: "pipe",
  stderr: "inherit",
});
const reader = (child.stdout as ReadableStream<Uint8Array>).getReader();
let out = "";
while (!out.includes("\n")) {
  const { value, done } = await reader.read();
  if (done) break;
  out += new TextDecoder().decode(value);
}
console.log(`clients: ${out.trim()}`);
await Bun.sleep(1500);
const after = settle();
const rss1 = await rssKb();
const per = (x: number) => (x / N).toFixed(1);
console.log(
  `${N} idle authenticated connections: JS heap ${per(after.heapSize - before.heapSize)} B/conn (objects ${per(after.objectCount - before.objectCount)}/conn), RSS ${((rss1 - rss0) / N).toFixed(2)} KB/conn`,
);
const grew = Object.entries(after.objectTypeCounts)
  .map(([k, v]) => [k, v - (before.objectTypeCounts[k] ?? 0)] as const)
  .filter(([, d]) => d >= N / 2)
  .sort((a, b) => b[1] - a[1]);
for (const [k, d] of grew) console.log(`  ${k.padEnd(32)} +${d} (${per(d)}/conn)`);
child.kill();
await child.exited;
await gw.stop();
rmSync(dir, { recursive: true, force: true });
