// What the appliance tests share: the dist/ binaries (built with build.ts unless newer than
// every source file), a clean environment, `serve` to its JSON ready line, stray-file
// directories and the processes and temp dirs to clean up (stopped by PID).
import { afterAll, beforeAll } from "bun:test";
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import type { Subprocess } from "bun";

export const ROOT = resolve(import.meta.dir, "../..");
const DIST = join(ROOT, "dist");
export const HOST_BIN = join(DIST, "neo");
export const ARM_BIN = join(DIST, "neo-linux-arm64");
export const QEMU = ["qemu-aarch64", "-L", "/usr/aarch64-linux-gnu"];
const SOURCE_INPUTS = ["src", "web", "systemd", "build.ts", "package.json", "bun.lock"];

const temps: string[] = [];
const live = new Set<Subprocess>();

export function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  temps.push(d);
  return d;
}

/** An environment without NEO_* variables, so only what the test sets reaches neo. */
function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith("NEO_")) env[k] = v;
  return { ...env, NO_COLOR: "1", TZ: "UTC", ...extra };
}

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const e of readdirSync(path))
    if (e !== "node_modules" && e !== "dist") newest = Math.max(newest, newestMtime(join(path, e)));
  return newest;
}

function isFresh(bin: string): boolean {
  if (!existsSync(bin)) return false;
  const built = statSync(bin).mtimeMs;
  return SOURCE_INPUTS.every((p) => newestMtime(join(ROOT, p)) <= built);
}

/** Run to completion with a hard deadline; returns exit code and output. */
export async function runCmd(
  cmd: string[],
  opts: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {},
) {
  const proc = Bun.spawn(cmd, {
    cwd: opts.cwd ?? tmpdir(),
    env: opts.env ?? cleanEnv(),
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  live.add(proc);
  const timer = setTimeout(() => proc.kill("SIGKILL"), opts.timeoutMs ?? 30_000);
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  clearTimeout(timer);
  live.delete(proc);
  return { stdout, stderr, code };
}

interface Ready {
  event: "ready";
  http: string;
  mqtt: string;
}

export interface Served {
  proc: Subprocess<"ignore", "pipe", "pipe">;
  ready: Ready;
  stderr: () => string;
  stop: () => Promise<number>;
}

/** Spawn `serve`, resolve on the JSON ready line on stdout (or throw with the logs). */
export async function serve(cmd: string[], opts: { cwd: string; timeoutMs: number }): Promise<Served> {
  const proc = Bun.spawn(cmd, { cwd: opts.cwd, env: cleanEnv(), stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  live.add(proc);
  let stderr = "";
  void (async () => {
    const dec = new TextDecoder();
    for await (const chunk of proc.stderr) stderr += dec.decode(chunk);
  })();
  const deadline = setTimeout(() => proc.kill("SIGKILL"), opts.timeoutMs);
  const reader = proc.stdout.getReader();
  const dec = new TextDecoder();
  let buf = "";
  let ready: Ready | undefined;
  while (!ready) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += dec.decode(value);
    for (let nl = buf.indexOf("\n"); nl >= 0 && !ready; nl = buf.indexOf("\n")) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (line.startsWith("{")) {
        const obj = JSON.parse(line) as Partial<Ready>;
        if (obj.event === "ready") ready = obj as Ready;
      }
    }
  }
  clearTimeout(deadline);
  reader.releaseLock();
  if (!ready) {
    await proc.exited;
    live.delete(proc);
    throw new Error(`serve did not become ready (exit ${proc.exitCode}):\n${stderr}`);
  }
  return {
    proc,
    ready,
    stderr: () => stderr,
    async stop() {
      if (proc.exitCode === null) proc.kill("SIGTERM");
      const t = setTimeout(() => proc.kill("SIGKILL"), 10_000);
      const code = await proc.exited;
      clearTimeout(t);
      live.delete(proc);
      return code;
    },
  };
}

/** Copy `bin` alone into an empty dir that also holds a hostile .env and bunfig.toml. */
export function strayDir(bin: string): { dir: string; exe: string; marker: string } {
  const dir = tempDir("neo-bin-");
  const exe = join(dir, "neo");
  copyFileSync(bin, exe);
  const marker = join(dir, "PRELOAD-RAN");
  writeFileSync(join(dir, ".env"), "NEO_HTTP_PORT=1\nNEO_LOG_LEVEL=not-a-level\n");
  writeFileSync(
    join(dir, "evil.ts"),
    `require("node:fs").writeFileSync(${JSON.stringify(marker)}, "x"); console.log("EVIL PRELOAD");\n`,
  );
  writeFileSync(join(dir, "bunfig.toml"), 'preload = ["./evil.ts"]\n');
  return { dir, exe, marker };
}

/** Files neo would write (data, db, keys) that appeared under the source tree after `since`. */
export function neoWritesUnder(root: string, since: number): string[] {
  const found: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.name === "node_modules" || e.name === ".git" || e.name === "dist") continue;
      const p = join(d, e.name);
      if (e.isDirectory()) {
        // a ./neo-data left by the README's serve command predates this test: only a new one counts
        if (e.name === "$bunfs" || (e.name === "neo-data" && statSync(p).mtimeMs >= since))
          found.push(relative(root, p));
        else walk(p);
      } else if (/\.(db|db-wal|db-shm|sqlite3?|pem)$|_token$/.test(e.name) && statSync(p).mtimeMs >= since) {
        found.push(relative(root, p));
      }
    }
  };
  walk(root);
  return found;
}

export async function query(
  base: string,
  token: string,
  sql: string,
): Promise<{ success: boolean; data?: { rows: unknown[][] } }> {
  const r = await fetch(`${base}/db/query?q=${encodeURIComponent(sql)}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return (await r.json()) as { success: boolean; data?: { rows: unknown[][] } };
}

/** Poll `fn` until it returns a value, with a deadline (no fixed sleeps as the assertion). */
export async function eventually<T>(fn: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error("condition not met in time");
    await Bun.sleep(50);
  }
}

/** Build dist/ once if stale; kill what a test left running and remove its temp dirs. */
export function useDist(): void {
  beforeAll(async () => {
    if (isFresh(HOST_BIN) && isFresh(ARM_BIN)) return;
    const r = await runCmd([process.execPath, join(ROOT, "build.ts"), "--quiet"], { cwd: ROOT, timeoutMs: 170_000 });
    if (r.code !== 0) throw new Error(`bun build.ts failed:\n${r.stderr}`);
  }, 180_000);

  afterAll(() => {
    for (const p of live) p.kill("SIGKILL");
    for (const d of temps) rmSync(d, { recursive: true, force: true });
  });
}
