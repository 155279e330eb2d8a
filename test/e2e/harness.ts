// Spawn the real `neo serve` (from source, or $NEO_BIN) on free ports in a temp data dir,
// wait for its JSON ready line, and stop it by PID.
import { mkdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Subprocess } from "bun";
import type { ReadyInfo } from "../../src/app/index.ts";
import { tempDir as madeTempDir } from "../support/temp-dirs.ts";

export const ROOT = resolve(import.meta.dir, "../..");
export const NEO = process.env.NEO_BIN ? [process.env.NEO_BIN] : [process.execPath, join(ROOT, "src/main.ts")];

type Ready = ReadyInfo;

/** a temp dir, removed after the whole test run (test/support/temp-dirs.ts) */
export function tempDir(prefix = "neo-e2e-"): string {
  return madeTempDir(prefix);
}

/** run a neo CLI command to completion */
export async function neo(args: string[], opts: { cwd?: string; env?: Record<string, string>; stdin?: string } = {}) {
  const proc = Bun.spawn([...NEO, ...args], {
    cwd: opts.cwd ?? ROOT,
    env: { ...process.env, NO_COLOR: "1", TZ: "UTC", ...opts.env },
    stdin: opts.stdin !== undefined ? new TextEncoder().encode(opts.stdin) : "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { stdout, stderr, code };
}

/** run any command (curl, mosquitto_pub, openssl) to completion */
export async function run(
  cmd: string[],
  opts: { cwd?: string; timeoutMs?: number; stdin?: string; env?: Record<string, string> } = {},
) {
  const proc = Bun.spawn(cmd, {
    cwd: opts.cwd,
    stdin: opts.stdin !== undefined ? new TextEncoder().encode(opts.stdin) : "ignore",
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, TZ: "UTC", ...opts.env },
  });
  const timer = setTimeout(() => proc.kill("SIGKILL"), opts.timeoutMs ?? 15000);
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  clearTimeout(timer);
  return { stdout, stderr, code };
}

export interface Server {
  ready: Ready;
  data: string;
  proc: Subprocess<"ignore", "pipe", "pipe">;
  httpUrl: string;
  mqttHost: string;
  mqttPort: number;
  /** stderr collected so far */
  logs(): string;
  /** resolves when a log line matching re has been written */
  waitForLog(re: RegExp, timeoutMs?: number): Promise<string>;
  stop(signal?: NodeJS.Signals): Promise<number>;
}

export async function startServer(
  extraArgs: string[] = [],
  opts: {
    data?: string;
    env?: Record<string, string>;
    cwd?: string;
    noPortFlags?: boolean;
    /** run neo under another command, e.g. ["strace", "-f", "-o", file] (stop() then signals ready.pid) */
    wrap?: string[];
  } = {},
): Promise<Server> {
  const data = opts.data ?? tempDir();
  const ports = opts.noPortFlags ? [] : ["--host", "127.0.0.1", "--http-port", "0", "--mqtt-port", "0"];
  const proc = Bun.spawn([...(opts.wrap ?? []), ...NEO, "serve", "--data", data, ...ports, ...extraArgs], {
    cwd: opts.cwd ?? ROOT,
    env: { ...process.env, NO_COLOR: "1", TZ: "UTC", ...opts.env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  let stderr = "";
  const waiters: { re: RegExp; resolve: (s: string) => void }[] = [];
  (async () => {
    const dec = new TextDecoder();
    for await (const chunk of proc.stderr) {
      stderr += dec.decode(chunk);
      for (const w of waiters.slice()) {
        const m = stderr.match(w.re);
        if (m) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(m[0]);
        }
      }
    }
  })();
  const reader = proc.stdout.getReader();
  let buf = "";
  const deadline = setTimeout(() => proc.kill("SIGKILL"), 20000);
  let ready: Ready | undefined;
  while (!ready) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += new TextDecoder().decode(value);
    const nl = buf.indexOf("\n");
    if (nl >= 0) ready = JSON.parse(buf.slice(0, nl)) as Ready;
  }
  clearTimeout(deadline);
  reader.releaseLock();
  if (!ready) {
    await proc.exited;
    throw new Error(`neo serve did not become ready (exit ${proc.exitCode}):\n${stderr}`);
  }
  const readyPid = ready.pid;
  const [mqttHost = "127.0.0.1", mqttPort = "0"] = ready.mqtt.split(/:(?=\d+$)/);
  return {
    ready,
    data,
    proc,
    httpUrl: `${ready.httpTls ? "https" : "http"}://${ready.http}`,
    mqttHost,
    mqttPort: Number(mqttPort),
    logs: () => stderr,
    waitForLog(re, timeoutMs = 5000) {
      const m = stderr.match(re);
      if (m) return Promise.resolve(m[0]);
      return new Promise((resolve, reject) => {
        const w = { re, resolve };
        waiters.push(w);
        setTimeout(() => {
          const i = waiters.indexOf(w);
          if (i >= 0) {
            waiters.splice(i, 1);
            reject(new Error(`log ${re} not seen within ${timeoutMs} ms:\n${stderr}`));
          }
        }, timeoutMs);
      });
    },
    async stop(signal = "SIGTERM") {
      if (proc.exitCode === null) {
        if (opts.wrap) {
          try {
            process.kill(readyPid, signal);
          } catch {}
        } else proc.kill(signal);
      }
      const t = setTimeout(() => proc.kill("SIGKILL"), 8000);
      const code = await proc.exited;
      clearTimeout(t);
      return code;
    },
  };
}

/** `neo shell key gen <id> --output <dir>/<id>` against the server's data dir; returns paths and token */
export async function genKey(data: string, id: string, extra: string[] = []) {
  const outDir = `${data}-keys`;
  mkdirSync(outDir, { recursive: true });
  const prefix = join(outDir, `${id}-${Math.random().toString(36).slice(2, 8)}`);
  const r = await neo(["shell", "key", "gen", id, "--output", prefix, "--data", data, ...extra]);
  if (r.code !== 0) throw new Error(`key gen failed: ${r.stderr}`);
  const token = (await Bun.file(`${prefix}_token`).text()).trim();
  return { prefix, cert: `${prefix}_cert.pem`, key: `${prefix}_key.pem`, tokenFile: `${prefix}_token`, token };
}

export function cleanup(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  rmSync(`${dir}-keys`, { recursive: true, force: true });
}

/** poll until fn returns a truthy value, awaiting between tries (no fixed sleeps in tests) */
export async function eventually<T>(
  fn: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 5000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error("condition not met in time");
    await Bun.sleep(25);
  }
}
