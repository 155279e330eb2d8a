// neo itself: dist/neo when built, else `bun src/main.ts`. Pluggable: `--neo-cmd` overrides.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { run, waitForLine, withNofile } from "../proc.ts";
import type { Identity, Mode, Running, Target } from "./types.ts";

const ROOT = resolve(import.meta.dir, "../../..");

export interface NeoCommand {
  argv: string[];
  label: string;
}

/** Ways to invoke neo, preferred first: `--neo-cmd`, else dist/neo (if built), else source. */
export function neoCandidates(override?: string): NeoCommand[] {
  if (override) return [{ argv: override.split(" ").filter(Boolean), label: override }];
  const out: NeoCommand[] = [];
  const dist = join(ROOT, "dist/neo");
  if (existsSync(dist)) out.push({ argv: [dist], label: "dist/neo (compiled)" });
  out.push({ argv: [process.execPath, join(ROOT, "src/main.ts")], label: "bun src/main.ts (source)" });
  return out;
}

/** Null when `neo serve` starts and prints its ready line, else the reason it cannot be benchmarked. */
export async function probeNeo(argv: string[]): Promise<string | null> {
  const dir = mkdtempSync(join(tmpdir(), "neo-bench-probe-"));
  const p = Bun.spawn(
    [...argv, "serve", "--data", join(dir, "data"), "--host", "127.0.0.1", "--http-port", "0", "--mqtt-port", "0"],
    {
      cwd: dir,
      stdout: "pipe",
      stderr: Bun.file(join(dir, "serve.log")),
    },
  );
  try {
    await waitForLine(p, (l) => l.startsWith("{") && l.includes('"ready"'), 20_000);
    return null;
  } catch (e) {
    const log = existsSync(join(dir, "serve.log"))
      ? (readFileSync(join(dir, "serve.log"), "utf8").trim().split("\n").slice(-1)[0] ?? "")
      : "";
    return `\`neo serve\` did not start: ${log || (e as Error).message.split("\n")[0]}`;
  } finally {
    p.kill("SIGKILL");
    await p.exited;
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The first candidate that starts; the reasons the others were passed over go in `skipped`. */
export async function pickNeo(
  override?: string,
): Promise<{ cmd: NeoCommand; problem: string | null; skipped: string[] }> {
  const cands = neoCandidates(override);
  const skipped: string[] = [];
  for (const cmd of cands) {
    const problem = await probeNeo(cmd.argv);
    if (!problem) return { cmd, problem: null, skipped };
    skipped.push(`${cmd.label}: ${problem}`);
  }
  return { cmd: cands[cands.length - 1]!, problem: skipped[skipped.length - 1] ?? "no way to run neo", skipped };
}

/**
 * 20 scopes with `%c` and denies, the bench topic among them but not first: what a
 * least-privilege fleet key looks like (see docs/scopes.md).
 */
export const BENCH_SCOPES = [
  "clients:connect:nb-*",
  "topics:publish:devices/%c/#",
  "topics:subscribe:devices/%c/#",
  "topics:subscribe:commands/%c/#",
  "topics:publish:sensors/+/temperature",
  "topics:publish:sensors/+/humidity",
  "topics:subscribe:alerts/#",
  "!topics:subscribe:alerts/internal/#",
  "!topics:publish:bench/forbidden",
  "!topics:subscribe:bench/forbidden",
  "topics:publish:status/%c",
  "topics:subscribe:status/+",
  "topics:publish:db/append/BENCH",
  "tables:write:BENCH",
  "tables:read:BENCH",
  "!tables:read:AUDIT",
  "keys:rotate:%c",
  "metrics:read:*",
  "topics:publish:bench/#",
  "topics:subscribe:bench/#",
];

export function createNeoTarget(opts: {
  argv: string[];
  label: string;
  nofile: number;
  unavailable: string | null;
  /** target name (default "neo") */
  name?: string;
  /** GET /metrics this often while the broker runs (the cost of being scraped) */
  scrapeMs?: number;
  /** scopes for the bench keys (default: the all-access set) */
  scopes?: readonly string[];
}): Target {
  const dir = mkdtempSync(join(tmpdir(), "neo-bench-neo-"));
  const data = join(dir, "data");
  const keys: string[] = []; // client ids generated so far
  let serverCert: string | null = null;
  let tlsProblem: string | null | undefined;
  // until `shell key gen` works, plain-TCP runs go without token auth and say so
  let keyProblem: string | null = null;
  const neo = (args: string[]) => run([...opts.argv, ...args], { cwd: dir });

  async function ensureKeys(n: number): Promise<void> {
    while (keys.length < n) {
      const id = `bench${String(keys.length + 1).padStart(2, "0")}`;
      const scoped = (opts.scopes ?? []).flatMap((s) => ["--scope", s]);
      await neo(["shell", "key", "gen", id, "--output", join(dir, id), "--data", data, ...scoped]);
      keys.push(id);
    }
  }
  const token = (id: string) => readFileSync(join(dir, `${id}_token`), "utf8").trim();
  // the bench holds up to 10,000 connections of one key from one address: past neo's
  // per-key and per-address connection caps (issue 25), so they are lifted here, for a
  // build that knows them (an older one given to --neo-cmd does not: no config then)
  let conf: string[] | undefined;
  const benchConfig = (): string[] => {
    if (conf) return conf;
    const file = join(dir, "bench.conf");
    writeFileSync(file, "Mqtt {\n  MaxConnectionsPerClient = 100000000\n  MaxConnectionsPerAddress = 100000000\n}\n");
    const check = Bun.spawnSync([...opts.argv, "config", "check", "--config", file], { cwd: dir });
    conf = check.exitCode === 0 ? ["--config", file] : [];
    return conf;
  };

  return {
    name: opts.name ?? "neo",
    describe: () =>
      (opts.scopes ? `${opts.scopes.length} scopes per key, ` : "") +
      (keyProblem ? `${opts.label}, WITHOUT token auth (${keyProblem})` : opts.label),
    unavailable(mode) {
      if (opts.unavailable) return opts.unavailable;
      if (mode === "tls" && tlsProblem) return tlsProblem;
      if (mode === "tls" && keyProblem) return keyProblem;
      return null;
    },
    async start(mode: Mode, needIds: number): Promise<Running> {
      if (!keyProblem) {
        try {
          await ensureKeys(mode === "tls" ? Math.max(1, needIds) : 1);
        } catch (e) {
          if (keys.length > 0) throw e;
          keyProblem = `\`neo shell key gen\` failed: ${(e as Error).message.split("\n")[0]?.split(": ").slice(-1)[0]?.slice(0, 160)}`;
          if (mode === "tls") throw new Error(keyProblem);
        }
      }
      const auth = !keyProblem;
      if (mode === "tls" && !serverCert) {
        try {
          await neo(["shell", "key", "server-cert", "--output", join(dir, "neo.crt"), "--data", data]);
          serverCert = join(dir, "neo.crt");
        } catch (e) {
          tlsProblem = `\`neo shell key server-cert\` failed: ${(e as Error).message.split("\n")[0]}`;
          throw new Error(tlsProblem);
        }
      }
      const args = [
        "serve",
        ...benchConfig(),
        "--data",
        data,
        "--host",
        "127.0.0.1",
        "--http-port",
        "0",
        "--mqtt-port",
        "0",
        "--mqtt-enable-token-auth",
        String(auth),
        ...(mode === "tls" ? ["--mqtt-enable-tls", "true"] : []),
      ];
      const proc = Bun.spawn(withNofile([...opts.argv, ...args], opts.nofile), {
        cwd: dir,
        stdout: "pipe",
        stderr: Bun.file(join(dir, `serve-${mode}.log`)),
      });
      let ready: { http?: string; mqtt?: string };
      try {
        const line = await waitForLine(proc, (l) => l.startsWith("{") && l.includes('"ready"'), 20_000);
        ready = JSON.parse(line) as { http?: string; mqtt?: string };
        if (!ready.mqtt) throw new Error(`ready line has no mqtt address: ${line}`);
      } catch (e) {
        proc.kill("SIGKILL");
        await proc.exited;
        const log = existsSync(join(dir, `serve-${mode}.log`))
          ? readFileSync(join(dir, `serve-${mode}.log`), "utf8")
              .trim()
              .split("\n")
              .slice(-3)
              .join(" | ")
          : "";
        throw new Error(`neo serve did not become ready: ${(e as Error).message} ${log}`);
      }
      if (opts.scrapeMs && ready.http) {
        const url = `http://${ready.http}/metrics`;
        const timer = setInterval(() => {
          fetch(url)
            .then((r) => r.arrayBuffer())
            .catch(() => {});
        }, opts.scrapeMs);
        void proc.exited.then(() => clearInterval(timer));
      }
      const [host, portStr] = ready.mqtt.split(":");
      const first = keys[0];
      const tok = first ? token(first) : "";
      let ids: Identity[];
      if (mode === "tcp") {
        ids = Array.from({ length: Math.max(1, needIds) }, (_, i) => ({
          clientId: `nb-${i}`,
          ...(auth ? { username: tok } : {}),
        }));
      } else {
        ids = keys.slice(0, Math.max(1, needIds)).map((id) => ({
          clientId: id,
          tls: { ca: serverCert!, cert: join(dir, `${id}_cert.pem`), key: join(dir, `${id}_key.pem`) },
        }));
      }
      return {
        proc,
        pid: proc.pid,
        host: host ?? "127.0.0.1",
        port: Number(portStr),
        ids,
        fixedIds: mode === "tls",
        ...(ready.http ? { http: { base: `http://${ready.http}`, token: tok } } : {}),
      };
    },
    async cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
