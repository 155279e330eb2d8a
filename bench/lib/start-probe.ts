// One start of `neo serve`, timed from the spawn: to the first CONNACK 0 on the MQTT port
// (an authenticated CONNECT retried every millisecond until the broker answers), to the
// ready line on stdout, and its RSS then and `settleMs` after the spawn. Used by
// bench/micro/start-cost.ts and run.ts's `start` scenario.
import { join } from "node:path";
import { MqttConn } from "./client.ts";
import type { Credentials } from "./packets.ts";
import { freePort, killProc, procRssKb, run } from "./proc.ts";

export interface StartFigures {
  /** spawn -> first CONNACK 0 */
  connackMs: number;
  /** spawn -> the `{"event":"ready"...}` line */
  readyMs: number;
  rssAtConnackKb: number;
  /** RSS `settleMs` after the spawn (NaN when not asked) */
  settledKb: number;
  /** neo's own account of its start (`--log-level debug`: `exec -> gateway ..., pki ..., ...`) */
  steps: string;
}

/** What a start needs: the argv prefix before `serve`, a config file, a data dir, a token. */
export interface StartPlan {
  argv: string[];
  cwd: string;
  conf: string;
  data: string;
  token: string;
}

/** `Mqtt { Listener ... }` blocks name the MQTT port themselves: %PORT% in the config is replaced. */
export async function startOnce(
  plan: StartPlan,
  settleMs: number,
  settled?: (pid: number) => void | Promise<void>,
): Promise<StartFigures> {
  const text = await Bun.file(plan.conf).text();
  const conf = text.includes("%PORT%") ? `${plan.conf}.run` : plan.conf;
  return await timeStart(
    async (port) => {
      if (conf !== plan.conf) await Bun.write(conf, text.replaceAll("%PORT%", String(port)));
      return [
        ...plan.argv,
        "serve",
        "--config",
        conf,
        "--data",
        plan.data,
        "--host",
        "127.0.0.1",
        "--http-port",
        "0",
      ].concat(["--mqtt-port", String(port), "--mqtt-enable-token-auth", "true", "--log-level", "debug"]);
    },
    { cwd: plan.cwd, creds: { username: plan.token }, readyLine: true, settleMs, ...(settled ? { settled } : {}) },
  );
}

/** Any broker: `argv(port)` is spawned, CONNECT with `creds` retried until CONNACK 0. */
export async function timeStart(
  argv: (port: number) => Promise<string[]>,
  o: {
    cwd: string;
    creds: Credentials;
    readyLine: boolean;
    settleMs: number;
    /** called with the pid `settleMs` after the spawn, before the process is stopped */
    settled?: (pid: number) => void | Promise<void>;
  },
): Promise<StartFigures> {
  const port = await freePort();
  const cmd = await argv(port);
  const t0 = performance.now();
  const pipe = o.readyLine ? "pipe" : "ignore";
  const proc = Bun.spawn(cmd, { cwd: o.cwd, stdout: pipe, stderr: pipe });
  const logs = proc.stderr instanceof ReadableStream ? new Response(proc.stderr).text() : Promise.resolve("");
  try {
    const ready = o.readyLine && proc.stdout instanceof ReadableStream ? readyAt(proc.stdout, t0) : undefined;
    let connackMs = Number.NaN;
    const deadline = t0 + 20_000;
    while (performance.now() < deadline && proc.exitCode === null) {
      try {
        const c = await MqttConn.open(
          { host: "127.0.0.1", port },
          { clientId: "start-probe", ...o.creds, timeoutMs: 5000 },
        );
        connackMs = performance.now() - t0;
        c.destroy();
        break;
      } catch {
        await Bun.sleep(1);
      }
    }
    if (Number.isNaN(connackMs)) throw new Error(`no CONNACK 0 on ${port} within 20 s (exit ${proc.exitCode})`);
    const rssAtConnackKb = procRssKb(proc.pid);
    const readyMs = ready ? await ready : Number.NaN;
    let settledKb = Number.NaN;
    if (o.settleMs > 0) {
      await Bun.sleep(Math.max(0, o.settleMs - (performance.now() - t0)));
      settledKb = procRssKb(proc.pid);
      await o.settled?.(proc.pid);
    }
    await killProc(proc);
    const steps = (await logs).match(/start: (.*)/)?.[1] ?? "";
    return { connackMs, readyMs, rssAtConnackKb, settledKb, steps };
  } finally {
    await killProc(proc);
  }
}

/** ms from t0 to the ready line; the rest of stdout is drained so the child never blocks */
async function readyAt(out: ReadableStream<Uint8Array>, t0: number): Promise<number> {
  const decoder = new TextDecoder();
  let buf = "";
  let at = Number.NaN;
  const reader = out.getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += decoder.decode(value, { stream: true });
    if (Number.isNaN(at) && buf.includes('"event":"ready"')) {
      at = performance.now() - t0;
      void (async () => {
        while (!(await reader.read()).done) {}
      })().catch(() => {});
      return at;
    }
    if (buf.length > 65536) buf = buf.slice(-4096);
  }
  return at;
}

/** A data dir made by a first start (CA, server certificate, stores) and a bench key's token. */
export async function preparePlan(argv: string[], dir: string, confText: string): Promise<StartPlan> {
  const conf = join(dir, "neo.conf");
  await Bun.write(conf, confText);
  const data = join(dir, "data");
  await run([...argv, "shell", "key", "gen", "start-probe", "--output", join(dir, "probe"), "--data", data], {
    cwd: dir,
  });
  const token = (await Bun.file(join(dir, "probe_token")).text()).trim();
  const plan = { argv, cwd: dir, conf, data, token };
  // the first start makes the data dir's stores, CA, server certificate and the console's
  // admin user (an argon2id hash: a first start's cost, not measured): let it finish
  await startOnce(plan, 3000);
  return plan;
}
