// Process helpers for the bench: spawn brokers, wait for readiness, read CPU and RSS from /proc.
import { closeSync, fdatasyncSync, openSync, readdirSync, readFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { createServer } from "node:net";
import type { Subprocess } from "bun";

const CLK_TCK = 100; // Linux USER_HZ; /proc/<pid>/stat counts in these ticks

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat. */
export function procCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // the command name may contain spaces: fields start after the last ')'
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return (utime + stime) / CLK_TCK;
}

/** CPU seconds of the live processes whose parent is `pid` (e.g. a gateway's query processes). */
export function childrenCpuSeconds(pid: number): number {
  let sum = 0;
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[1]) === pid) sum += (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
    } catch {
      // gone between the listing and the read
    }
  }
  return sum;
}

/** Resident set size in KiB from /proc/<pid>/status (VmRSS). */
export function procRssKb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const m = /VmRSS:\s+(\d+)\s+kB/.exec(status);
  if (!m?.[1]) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]);
}

/** A free TCP port on 127.0.0.1 (bind port 0, read it, close). */
export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Resolve with the first stdout line matching `pred`, or reject on exit/timeout.
 * Keeps draining stdout afterwards so the child never blocks on a full pipe.
 */
export async function waitForLine(
  proc: { stdout: ReadableStream<Uint8Array>; exitCode: number | null },
  pred: (line: string) => boolean,
  timeoutMs: number,
): Promise<string> {
  const decoder = new TextDecoder();
  let buf = "";
  let found = false;
  return await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`timed out after ${timeoutMs} ms waiting for ready line; output: ${buf.slice(-500)}`)),
      timeoutMs,
    );
    (async () => {
      for await (const chunk of proc.stdout) {
        if (found) continue;
        buf += decoder.decode(chunk, { stream: true });
        let nl: number;
        while ((nl = buf.indexOf("\n")) >= 0) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          if (pred(line)) {
            found = true;
            clearTimeout(timer);
            resolve(line);
            break;
          }
        }
      }
      if (!found) {
        clearTimeout(timer);
        reject(new Error(`process exited (code ${proc.exitCode ?? "?"}) before ready; output: ${buf.slice(-500)}`));
      }
    })().catch((e: unknown) => {
      if (!found) {
        clearTimeout(timer);
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    });
  });
}

/** Poll a TCP connect to host:port until it is accepted. Returns ms waited. */
export async function waitForPort(port: number, timeoutMs: number, host = "127.0.0.1"): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      Bun.connect({
        hostname: host,
        port,
        socket: {
          open(s) {
            s.end();
            resolve(true);
          },
          connectError() {
            resolve(false);
          },
          data() {},
          close() {},
          error() {
            resolve(false);
          },
        },
      }).catch(() => resolve(false));
    });
    if (ok) return;
    await Bun.sleep(2);
  }
  throw new Error(`port ${port} not accepting after ${timeoutMs} ms`);
}

/** Kill a process by PID (SIGTERM, then SIGKILL after graceMs) and wait for it. */
export async function killProc(proc: Subprocess, graceMs = 2000): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  proc.kill("SIGTERM");
  const t = setTimeout(() => {
    try {
      proc.kill("SIGKILL");
    } catch {
      /* gone */
    }
  }, graceMs);
  await proc.exited;
  clearTimeout(t);
}

/** Run a command to completion; throw with its stderr if it fails. */
export async function run(cmd: string[], opts: { cwd?: string; stdin?: string } = {}): Promise<string> {
  const p = Bun.spawn(cmd, {
    cwd: opts.cwd,
    stdin: opts.stdin ? new Blob([opts.stdin]) : "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  if (code !== 0) throw new Error(`${cmd.join(" ")} exited ${code}: ${err.trim() || out.trim()}`);
  return out;
}

/** Wrap a command so it runs with a raised open-files limit (exec keeps the PID). */
export function withNofile(cmd: string[], nofile: number): string[] {
  return [
    "sh",
    "-c",
    `ulimit -n ${nofile} 2>/dev/null || ulimit -n $(ulimit -Hn) 2>/dev/null; exec "$@"`,
    "sh",
    ...cmd,
  ];
}

/** The open-files limit a child started through withNofile gets. */
export async function effectiveNofile(nofile: number): Promise<number> {
  const out = await run(withNofile(["sh", "-c", "ulimit -n"], nofile));
  return Number(out.trim());
}

/** what one durable commit costs on this disk now: 4 KB appended + fdatasync, 40 times */
export function fsyncLatency(dir: string): { median: number; p90: number } {
  const fd = openSync(join(dir, "fsync-probe"), "a");
  const ms: number[] = [];
  try {
    for (let i = 0; i < 40; i++) {
      const t = performance.now();
      writeSync(fd, Buffer.alloc(4096, i));
      fdatasyncSync(fd);
      ms.push(performance.now() - t);
    }
  } finally {
    closeSync(fd);
  }
  ms.sort((a, b) => a - b);
  return { median: ms[20] ?? 0, p90: ms[36] ?? 0 };
}
