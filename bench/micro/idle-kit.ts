// What the idle-memory programs share (idle-heap.ts, idle-snapshot.ts, idle-floor.ts): the
// gateway started in this process with token auth on and one key, the idle clients in a
// child process (idle-heap-clients.ts: MQTT 3.1.1, the key's token as username, keepalive 0),
// a settled heap and this process's RSS.
import { heapStats } from "bun:jsc";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { startGateway } from "../../src/app/gateway.ts";
import { loadConfig } from "../../src/config/load.ts";
import { setLogLevel } from "../../src/lib/log.ts";

const ROOT = resolve(import.meta.dir, "../..");

export interface IdleGateway {
  port: number;
  token: string;
  stop(): Promise<void>;
}

/** the gateway in this process: token auth on, one key, no per-key / per-address caps below `n` */
export async function startIdleGateway(n: number): Promise<IdleGateway> {
  const dir = mkdtempSync(join(tmpdir(), "neo-idle-"));
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
  cfg.mqtt.maxConnectionsPerClient = n * 2;
  cfg.mqtt.maxConnectionsPerAddress = n * 2;
  const gw = await startGateway(cfg);
  return {
    port: Number(gw.ready.mqtt.split(":").at(-1)),
    token,
    stop: async () => {
      await gw.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface IdleClients {
  connected: number;
  stop(): Promise<void>;
}

/** `n` idle MQTT connections from a child process; resolves once all have their CONNACK */
export async function openIdleClients(port: number, token: string, n: number, from = 0): Promise<IdleClients> {
  const child = Bun.spawn(
    ["bun", join(import.meta.dir, "idle-heap-clients.ts"), String(port), token, String(n), String(from)],
    { stdout: "pipe", stderr: "inherit" },
  );
  const reader = (child.stdout as ReadableStream<Uint8Array>).getReader();
  let out = "";
  while (!out.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    out += new TextDecoder().decode(value);
  }
  const connected = Number.parseInt(out, 10) || 0;
  if (connected !== n) throw new Error(`idle clients: ${out.trim() || "none connected"} of ${n}`);
  return {
    connected,
    stop: async () => {
      child.kill();
      await child.exited;
    },
  };
}

/**
 * 1,000 connections opened and closed first (as bench/run.ts's idle figures are "warm"):
 * what a server pays once, on its first clients (code compiled, tables grown), is then not
 * counted per connection. Their client ids (idle-1000000...) are never used again.
 */
export async function warmUp(port: number, token: string): Promise<void> {
  const warm = await openIdleClients(port, token, 1000, 1_000_000);
  await warm.stop();
  await Bun.sleep(500);
}

/**
 * Wait until the clock minute after now has begun, and 3 s more: the audit trail keeps each
 * successful CONNECT's group (registry/audit-aggregate.ts) until its minute ends and it
 * flushes; after this, what is left is what an idle connection keeps for good.
 */
export async function pastAuditMinute(): Promise<void> {
  const now = Date.now();
  await Bun.sleep(60_000 - (now % 60_000) + 3_000);
}

/** a full collection twice, then the heap's figures */
export function settle() {
  Bun.gc(true);
  Bun.gc(true);
  return heapStats();
}

export async function rssKb(): Promise<number> {
  return Number(/VmRSS:\s+(\d+)/.exec(await Bun.file("/proc/self/status").text())?.[1] ?? 0);
}

/** RSS once it held still (ten readings over a second within 0.5 %, at most 10 s), as bench/run.ts waits */
export async function stillRssKb(): Promise<number> {
  const w: number[] = [];
  const end = performance.now() + 10_000;
  for (;;) {
    w.push(await rssKb());
    if (w.length > 10) w.shift();
    const lo = Math.min(...w);
    if ((w.length === 10 && Math.max(...w) - lo <= lo * 0.005) || performance.now() > end) return w.at(-1) as number;
    await Bun.sleep(100);
  }
}
