// The shipped artefact: dist/neo (host) and dist/neo-linux-arm64 (under qemu-aarch64).
// Builds them with build.ts unless dist/ already holds binaries newer than every source
// file. Each binary runs copied alone into an empty directory, next to a stray .env and
// bunfig.toml that must change nothing. Every process is stopped by PID.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import type { Subprocess } from "bun";

const ROOT = resolve(import.meta.dir, "../..");
const DIST = join(ROOT, "dist");
const HOST_BIN = join(DIST, "neo");
const ARM_BIN = join(DIST, "neo-linux-arm64");
const QEMU = ["qemu-aarch64", "-L", "/usr/aarch64-linux-gnu"];
const SOURCE_INPUTS = ["src", "web", "systemd", "build.ts", "package.json", "bun.lock"];

const temps: string[] = [];
const live = new Set<Subprocess>();

function tempDir(prefix: string): string {
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
async function runCmd(cmd: string[], opts: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {}) {
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

interface Served {
  proc: Subprocess<"ignore", "pipe", "pipe">;
  ready: Ready;
  stderr: () => string;
  stop: () => Promise<number>;
}

/** Spawn `serve`, resolve on the JSON ready line on stdout (or throw with the logs). */
async function serve(cmd: string[], opts: { cwd: string; timeoutMs: number }): Promise<Served> {
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
function strayDir(bin: string): { dir: string; exe: string; marker: string } {
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
function neoWritesUnder(root: string, since: number): string[] {
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

async function query(
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
async function eventually<T>(fn: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error("condition not met in time");
    await Bun.sleep(50);
  }
}

beforeAll(async () => {
  if (isFresh(HOST_BIN) && isFresh(ARM_BIN)) return;
  const r = await runCmd([process.execPath, join(ROOT, "build.ts"), "--quiet"], { cwd: ROOT, timeoutMs: 170_000 });
  if (r.code !== 0) throw new Error(`bun build.ts failed:\n${r.stderr}`);
}, 180_000);

afterAll(() => {
  for (const p of live) p.kill("SIGKILL");
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

describe("dist/neo (host build)", () => {
  test("version prints version, commit, build date, Bun version and target, one per line", async () => {
    const r = await runCmd([HOST_BIN, "version"]);
    expect(r.code).toBe(0);
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string };
    const lines = r.stdout.trim().split("\n");
    expect(lines).toHaveLength(5);
    expect(lines[0]).toBe(`version    ${pkg.version}`);
    expect(lines[1]).toMatch(/^commit {5}([0-9a-f]{4,40}|unknown)$/);
    expect(lines[2]).toMatch(/^built {6}\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    expect(lines[3]).toBe(`bun        ${Bun.version}`);
    expect(lines[4]).toBe(`target     bun-linux-${process.arch}`);
    const json = JSON.parse((await runCmd([HOST_BIN, "version", "--json"])).stdout) as Record<string, string>;
    expect(json.target).toBe(`bun-linux-${process.arch}`);
  });

  test("copied alone next to a stray .env and bunfig.toml, version ignores both", async () => {
    const { dir, exe, marker } = strayDir(HOST_BIN);
    const r = await runCmd([exe, "version"], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain("EVIL");
    expect(existsSync(marker)).toBe(false);
  });

  test("copied alone, serve ignores the stray .env and bunfig.toml and writes nothing into the source tree or its own directory", async () => {
    const since = Date.now() - 1000;
    const { dir, exe, marker } = strayDir(HOST_BIN);
    const data = tempDir("neo-bin-data-");
    // ports come from the config file; a leaked .env would turn HTTP into port 1 and the log level invalid
    const conf = join(tempDir("neo-bin-conf-"), "neo.conf");
    writeFileSync(conf, 'Http { Listen = "127.0.0.1:0" }\nMqtt { Listen = "127.0.0.1:0" }\n');
    const before = readdirSync(dir).sort();
    const s = await serve([exe, "serve", "--config", conf, "--data", data], { cwd: dir, timeoutMs: 20_000 });
    try {
      expect(s.ready.http).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(s.ready.http.endsWith(":1")).toBe(false);
      const health = await fetch(`http://${s.ready.http}/health`);
      expect(health.status).toBe(200);
      // the web UI comes from inside the binary: no ui/ folder exists next to it
      const page = await fetch(`http://${s.ready.http}/web/`);
      expect(page.status).toBe(200);
      expect((await page.text()).toLowerCase()).toContain("<html");
      for (const asset of ["app.js", "style.css"])
        expect((await fetch(`http://${s.ready.http}/web/${asset}`)).status).toBe(200);
    } finally {
      expect(await s.stop()).toBe(0);
    }
    expect(existsSync(marker)).toBe(false);
    expect(readdirSync(dir).sort()).toEqual(before);
    expect(readdirSync(data).length).toBeGreaterThan(0);
    expect(neoWritesUnder(ROOT, since)).toEqual([]);
    expect(existsSync("/$bunfs")).toBe(false);
  }, 40_000);
});

describe("dist/neo-linux-arm64 under qemu-aarch64", () => {
  test("version reports the arm64 target", async () => {
    const r = await runCmd([...QEMU, ARM_BIN, "version"], { timeoutMs: 60_000 });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("target     bun-linux-arm64");
  }, 70_000);

  test("serve with token auth accepts an authenticated HTTP write and query and an MQTT publish with a token", async () => {
    const { dir, exe } = strayDir(ARM_BIN);
    const data = tempDir("neo-arm-data-");
    const s = await serve(
      [
        // no binfmt_misc here: the gateway starts its query processes through qemu too
        "env",
        `NEO_QUERY_LAUNCHER=${QEMU.join(" ")}`,
        ...QEMU,
        exe,
        "serve",
        "--data",
        data,
        "--host",
        "127.0.0.1",
        "--http-port",
        "0",
        "--mqtt-port",
        "0",
        "--http-enable-token-auth",
        "true",
        "--mqtt-enable-token-auth",
        "true",
      ],
      { cwd: dir, timeoutMs: 90_000 },
    );
    try {
      const base = `http://${s.ready.http}`;
      const keys = tempDir("neo-arm-keys-");
      const gen = await runCmd(
        [...QEMU, exe, "shell", "key", "gen", "dev1", "--output", join(keys, "dev1"), "--data", data],
        { cwd: dir, timeoutMs: 60_000 },
      );
      expect(gen.code).toBe(0);
      expect(gen.stdout).toContain(`Save token ${join(keys, "dev1")}_token`);
      const tokenFile = `${join(keys, "dev1")}_token`;
      const token = readFileSync(tokenFile, "utf8").trim();

      // no token: refused
      const anon = await runCmd([
        "curl",
        "-s",
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        `${base}/db/query?q=select%201`,
      ]);
      expect(anon.stdout).toBe("401");

      const body = JSON.stringify({
        data: { columns: ["NAME", "TIME", "VALUE"], rows: [["wave.http", 1675851592000000000, 1.5]] },
      });
      const w = await runCmd([
        "curl",
        "-s",
        "-X",
        "POST",
        "-H",
        `Authorization: Bearer ${token}`,
        "-H",
        "Content-Type: application/json",
        "--data-binary",
        body,
        `${base}/db/write/EXAMPLE`,
      ]);
      expect(JSON.parse(w.stdout)).toMatchObject({ success: true, reason: "success, 1 record(s) inserted" });
      const q = await query(base, token, "select NAME, VALUE from EXAMPLE where NAME = 'wave.http'");
      expect(q.success).toBe(true);
      expect(q.data?.rows).toEqual([["wave.http", 1.5]]);

      const [host, port] = s.ready.mqtt.split(/:(?=\d+$)/) as [string, string];
      const pub = await runCmd(
        [
          "mosquitto_pub",
          "-h",
          host,
          "-p",
          port,
          "--username",
          token,
          "-q",
          "1",
          "-t",
          "db/write/EXAMPLE",
          "-m",
          '[ "wave.pi", 1675851592000000000, 3.1415]',
        ],
        { timeoutMs: 30_000 },
      );
      expect(pub.code).toBe(0);
      const rows = await eventually(async () => {
        const r = await query(base, token, "select NAME, VALUE from EXAMPLE where NAME = 'wave.pi'");
        return r.data?.rows.length ? r.data.rows : undefined;
      }, 15_000);
      expect(rows).toEqual([["wave.pi", 3.1415]]);
    } finally {
      expect(await s.stop()).toBe(0);
    }
  }, 200_000);
});
