// Issue 5 footprint: binary size (raw, gzip -6), exec -> accepting MQTT connections (median),
// idle RSS. For dist/neo and, as the reference, mosquitto.
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, killProc, procRssKb, run, waitForPort } from "./proc.ts";

export interface Footprint {
  sizeMb?: number;
  gzipMb?: number;
  startupMs: number; // median
  startupRangeMs: [number, number];
  firstStartMs?: number; // neo: first start creates data dir, DB and CA
  idleRssMb: number;
  runs: number;
}

async function gzipSize(file: string): Promise<number> {
  const out = await run(["sh", "-c", `gzip -6 -c "$1" | wc -c`, "sh", file]);
  return Number(out.trim());
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

/** Spawn `argv(port)` `runs` times; time from spawn to an accepted TCP connect on port. */
async function startupRuns(
  argv: (port: number) => string[],
  runs: number,
  cwd: string,
): Promise<{ times: number[]; rssKb: number }> {
  const times: number[] = [];
  let rssKb = 0;
  for (let i = 0; i < runs; i++) {
    const port = await freePort();
    const t0 = performance.now();
    const proc = Bun.spawn(argv(port), { cwd, stdout: "ignore", stderr: "ignore" });
    try {
      await waitForPort(port, 10_000);
      times.push(performance.now() - t0);
      if (i === runs - 1) {
        await Bun.sleep(500);
        rssKb = procRssKb(proc.pid);
      }
    } finally {
      await killProc(proc);
    }
  }
  return { times, rssKb };
}

export async function neoFootprint(bin: string, runs: number): Promise<Footprint> {
  const dir = mkdtempSync(join(tmpdir(), "neo-bench-fp-"));
  try {
    const data = join(dir, "data");
    const argv = (port: number) => [
      bin,
      "serve",
      "--data",
      data,
      "--host",
      "127.0.0.1",
      "--http-port",
      "0",
      "--mqtt-port",
      String(port),
      "--mqtt-enable-token-auth",
      "true",
    ];
    const first = await startupRuns(argv, 1, dir);
    const warm = await startupRuns(argv, runs, dir);
    return {
      sizeMb: statSync(bin).size / 1048576,
      gzipMb: (await gzipSize(bin)) / 1048576,
      startupMs: median(warm.times),
      startupRangeMs: [Math.min(...warm.times), Math.max(...warm.times)],
      firstStartMs: first.times[0]!,
      idleRssMb: warm.rssKb / 1024,
      runs,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function mosquittoFootprint(bin: string, runs: number): Promise<Footprint> {
  const dir = mkdtempSync(join(tmpdir(), "neo-bench-fp-mq-"));
  try {
    const passwd = join(dir, "passwd");
    writeFileSync(passwd, "");
    await run(["mosquitto_passwd", "-b", passwd, "bench", "bench-secret"]);
    const argv = (port: number) => {
      const conf = join(dir, `m-${port}.conf`);
      const user = process.getuid?.() === 0 ? "user root\n" : "";
      writeFileSync(
        conf,
        `listener ${port} 127.0.0.1\nallow_anonymous false\npassword_file ${passwd}\npersistence false\nlog_dest none\n${user}`,
      );
      return [bin, "-c", conf];
    };
    const r = await startupRuns(argv, runs, dir);
    return {
      sizeMb: statSync(bin).size / 1048576,
      gzipMb: (await gzipSize(bin)) / 1048576,
      startupMs: median(r.times),
      startupRangeMs: [Math.min(...r.times), Math.max(...r.times)],
      idleRssMb: r.rssKb / 1024,
      runs,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
