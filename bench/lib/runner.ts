// Runs one scenario against one target: fresh broker, one generator process, broker killed after.
import { join } from "node:path";
import { killProc, withNofile } from "./proc.ts";
import type { ScenarioDef } from "./scenario-defs.ts";
import type { GenResult, GenSpec } from "./spec.ts";
import type { Target } from "./targets/types.ts";

export type Outcome = { status: "ok"; result: GenResult } | { status: "skipped" | "failed"; reason: string };

const GEN = join(import.meta.dir, "gen.ts");

export async function runScenario(
  def: ScenarioDef,
  target: Target,
  nofile: number,
  timeoutMs = 90_000,
): Promise<Outcome> {
  if (def.targets && !def.targets.includes(target.name)) return { status: "skipped", reason: "not applicable" };
  const why = target.unavailable(def.mode);
  if (why) return { status: "skipped", reason: why };
  let broker: Awaited<ReturnType<Target["start"]>> | undefined;
  try {
    broker = await target.start(def.mode, def.needIds);
  } catch (e) {
    // start() may have learned the mode cannot run (e.g. neo without server-cert yet)
    const later = target.unavailable(def.mode);
    return later ? { status: "skipped", reason: later } : { status: "failed", reason: (e as Error).message };
  }
  try {
    const spec: GenSpec = {
      scenario: def.scenario,
      host: broker.host,
      port: broker.port,
      tls: def.mode === "tls",
      ids: broker.ids,
      fixedIds: broker.fixedIds,
      brokerPid: broker.pid,
      ...(broker.http ? { http: broker.http } : {}),
      params: def.params,
    };
    const gen = Bun.spawn(withNofile([process.execPath, GEN], nofile), {
      stdin: new Blob([JSON.stringify(spec)]),
      stdout: "pipe",
      stderr: "pipe",
    });
    const timer = setTimeout(() => gen.kill("SIGKILL"), timeoutMs);
    try {
      const [out, err, code] = await Promise.all([
        new Response(gen.stdout).text(),
        new Response(gen.stderr).text(),
        gen.exited,
      ]);
      if (code !== 0) {
        const msg =
          err
            .trim()
            .split("\n")
            .find((l) => l.trim()) ?? `exit ${code}`;
        return { status: "failed", reason: `generator: ${msg}${gen.signalCode ? ` (${gen.signalCode})` : ""}` };
      }
      const last = out.trim().split("\n").pop() ?? "";
      const result = JSON.parse(last) as GenResult;
      if (broker.proc.exitCode !== null || broker.proc.signalCode !== null) {
        result.notes.push(`broker exited during the run (code ${broker.proc.exitCode ?? broker.proc.signalCode})`);
      }
      return { status: "ok", result };
    } finally {
      clearTimeout(timer);
      if (gen.exitCode === null) {
        gen.kill("SIGKILL");
        await gen.exited;
      }
    }
  } catch (e) {
    return { status: "failed", reason: (e as Error).message };
  } finally {
    await killProc(broker.proc);
  }
}
