// run.ts's `start` scenario (issue 24): a fresh `neo serve` with every feature on
// (start-configs.ts EVERY_FEATURE) beside Mosquitto with a password file, started
// alternately: spawn -> first CONNACK 0 (median), neo's spawn -> ready line, and the RSS
// 10 s after the spawn (median of the first three starts).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { coldCache } from "./cold-cache.ts";
import { run } from "./proc.ts";
import type { ExtraRow } from "./report.ts";
import { EVERY_FEATURE } from "./start-configs.ts";
import { preparePlan, type StartFigures, startOnce, timeStart } from "./start-probe.ts";

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function startScenario(o: {
  neoArgv: string[];
  mosquitto: string | null;
  runs: number;
  settleSec: number;
}): Promise<{ rows: ExtraRow[]; notes: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), "neo-bench-start-"));
  try {
    // neo's binary read from disk at its first start, as after boot (a fresh build counts ~5 MB more)
    await coldCache(o.neoArgv[0] ?? "");
    const plan = await preparePlan(o.neoArgv, join(dir, "neo"), EVERY_FEATURE);
    const passwd = join(dir, "passwd");
    writeFileSync(passwd, "");
    if (o.mosquitto) await run(["mosquitto_passwd", "-b", passwd, "bench", "bench-secret"]);
    const mosqArgv = async (port: number) => {
      const conf = join(dir, `m-${port}.conf`);
      const user = process.getuid?.() === 0 ? "user root\n" : "";
      const body = `listener ${port} 127.0.0.1\nallow_anonymous false\npassword_file ${passwd}\n`;
      writeFileSync(conf, `${body}persistence false\nlog_dest none\n${user}`);
      return [o.mosquitto ?? "", "-c", conf];
    };
    const got: Record<string, StartFigures[]> = { neo: [], mosquitto: [] };
    for (let i = 0; i < o.runs; i++) {
      const settleMs = i < 3 ? o.settleSec * 1000 : 0;
      got.neo?.push(await startOnce(plan, settleMs));
      if (o.mosquitto) {
        const creds = { username: "bench", password: "bench-secret" };
        got.mosquitto?.push(await timeStart(mosqArgv, { cwd: dir, creds, readyLine: false, settleMs }));
      }
    }
    const row = (label: string, unit: string, pick: (f: StartFigures) => number): ExtraRow => ({
      label,
      unit,
      higherIsBetter: false,
      digits: 1,
      values: Object.fromEntries(
        Object.entries(got)
          .filter(([, fs]) => fs.length > 0)
          .map(([k, fs]) => [k, median(fs.map(pick).filter((v) => !Number.isNaN(v)))]),
      ),
    });
    const range = (k: string) => {
      const ms = (got[k] ?? []).map((f) => f.connackMs);
      return ms.length ? `${Math.min(...ms).toFixed(1)}-${Math.max(...ms).toFixed(1)} ms` : "-";
    };
    return {
      rows: [
        row(`spawn -> first CONNACK, every feature on, median of ${o.runs} [start]`, "ms", (f) => f.connackMs),
        row("spawn -> ready line, every feature on [start]", "ms", (f) => f.readyMs),
        row(`RSS ${o.settleSec} s after spawn, every feature on [start]`, "MB", (f) => f.settledKb / 1024),
      ],
      notes: [
        `start: every feature on = MQTT tcp+tls+ws, HTTP+HTTPS, gRPC, CoAP, a bridge and an export (peers down), token auth; CONNACK range neo ${range("neo")}, mosquitto ${range("mosquitto")} (password file)`,
      ],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
