// Records the profile build.ts lays the binary's bytecode out by (Bun's `--bytecode-order`,
// `compile.bytecodeOrder`): a freshly compiled neo is run the way users start it, with
// BUN_BYTECODE_ORDER_OUT set, and each run writes at its exit which functions it loaded.
//   1. `neo shell key gen` into a fresh data dir (the CLI's profile, and a key for step 3);
//   2. `neo serve` with every feature on (bench/lib/start-configs.ts EVERY_FEATURE: MQTT tcp,
//      tls and ws, HTTP and HTTPS, gRPC, CoAP, a bridge and an export whose peers are down),
//      stopped at its ready line: the first start's one-time work (CA, admin user) is not what
//      later starts run, so it is not recorded;
//   3. the same start again, recorded: one MQTT CONNECT with the key's token, its CONNACK, then
//      SIGTERM and a clean exit (code 0).
// The serve profile comes first (the most common start), then the CLI's. Every step is bounded
// in time and its process stopped by its PID; any failure is an Error whose message says which
// step, and build.ts then builds without a profile (a working binary that reads more of itself
// at start), saying so.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EVERY_FEATURE } from "../bench/lib/start-configs.ts";

const STEP_MS = 30_000;

/** the profiles (serve first, then the CLI's) written into `outDir`, recorded with `binary` */
export async function recordBytecodeOrder(binary: string, outDir: string): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), "neo-bytecode-order-"));
  const data = join(dir, "data");
  const conf = join(dir, "neo.conf");
  writeFileSync(conf, EVERY_FEATURE.replaceAll("%PORT%", "0"));
  const cliOrder = join(outDir, "cli.order");
  const serveOrder = join(outDir, "serve.order");
  try {
    await runToEnd(
      "key gen",
      [binary, "shell", "key", "gen", "order", "--output", join(dir, "order"), "--data", data],
      {
        BUN_BYTECODE_ORDER_OUT: cliOrder,
      },
    );
    const token = readFileSync(join(dir, "order_token"), "utf8").trim();
    const serve = [binary, "serve", "--config", conf, "--data", data, "--host", "127.0.0.1", "--http-port", "0"];
    const args = [...serve, "--mqtt-port", "0", "--mqtt-enable-token-auth", "true"];
    await startAndStop("first start", args, {}, async () => {});
    await startAndStop("recorded start", args, { BUN_BYTECODE_ORDER_OUT: serveOrder }, (port) =>
      connectOnce(port, token),
    );
    for (const f of [serveOrder, cliOrder]) {
      if (!existsSync(f) || statSync(f).size === 0) throw new Error(`no profile written to ${f}`);
      if (!readFileSync(f, "utf8").startsWith("v")) throw new Error(`${f} is not a bytecode-order profile`);
    }
    return [serveOrder, cliOrder];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function spawn(argv: string[], env: Record<string, string>) {
  return Bun.spawn(argv, { env: { ...process.env, ...env }, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
}

/** kill by PID if `p` is not done within STEP_MS; rejects with the step's name */
async function bounded<T>(step: string, proc: { pid: number; kill(s?: number | string): void }, p: Promise<T>) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      proc.kill("SIGKILL");
      reject(new Error(`${step}: no answer within ${STEP_MS / 1000} s (pid ${proc.pid} killed)`));
    }, STEP_MS);
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

async function runToEnd(step: string, argv: string[], env: Record<string, string>): Promise<void> {
  const proc = spawn(argv, env);
  const stderr = new Response(proc.stderr).text();
  const code = await bounded(step, proc, proc.exited);
  if (code !== 0) throw new Error(`${step}: exit ${code}: ${(await stderr).trim().slice(-400)}`);
}

/** start `neo serve`, wait for its ready line, run `then(mqttPort)`, SIGTERM, expect exit 0 */
async function startAndStop(
  step: string,
  argv: string[],
  env: Record<string, string>,
  then: (mqttPort: number) => Promise<void>,
): Promise<void> {
  const proc = spawn(argv, env);
  const stderr = new Response(proc.stderr).text();
  try {
    const port = await bounded(step, proc, mqttPortOfReadyLine(proc.stdout));
    await bounded(step, proc, then(port));
    proc.kill("SIGTERM");
    const code = await bounded(step, proc, proc.exited);
    if (code !== 0) throw new Error(`${step}: exit ${code} after SIGTERM: ${(await stderr).trim().slice(-400)}`);
  } catch (e) {
    proc.kill("SIGKILL");
    await proc.exited;
    const tail = (await stderr).trim().slice(-400);
    throw e instanceof Error && tail && !e.message.includes(tail) ? new Error(`${e.message}; stderr: ${tail}`) : e;
  }
}

/** the tcp:// MQTT listener's port, from the ready line (`{"event":"ready",...}`) */
async function mqttPortOfReadyLine(out: ReadableStream<Uint8Array>): Promise<number> {
  const decoder = new TextDecoder();
  let buf = "";
  for await (const chunk of out) {
    buf += decoder.decode(chunk, { stream: true });
    for (const line of buf.split("\n").slice(0, -1)) {
      if (!line.includes('"event":"ready"')) continue;
      const ready = JSON.parse(line) as { mqttListeners?: { transport: string; address: string }[] };
      const tcp = ready.mqttListeners?.find((l) => l.transport === "tcp");
      const port = Number(tcp?.address.split(":").pop());
      if (!Number.isInteger(port) || port <= 0) throw new Error(`ready line without a tcp MQTT listener: ${line}`);
      return port;
    }
  }
  throw new Error("exited before its ready line");
}

/** one MQTT 3.1.1 CONNECT (clean session, the token as user name) and its CONNACK 0 */
async function connectOnce(port: number, token: string): Promise<void> {
  const enc = new TextEncoder();
  const str = (s: string) => {
    const b = enc.encode(s);
    return [b.length >> 8, b.length & 0xff, ...b];
  };
  const body = [...str("MQTT"), 4, 0x82, 0, 30, ...str("bytecode-order"), ...str(token)];
  const len: number[] = [];
  for (let n = body.length; ; ) {
    const byte = n & 0x7f;
    n >>= 7;
    len.push(n > 0 ? byte | 0x80 : byte);
    if (n === 0) break;
  }
  const packet = new Uint8Array([0x10, ...len, ...body]);
  const { promise, resolve, reject } = Promise.withResolvers<void>();
  let got = new Uint8Array(0);
  await Bun.connect({
    hostname: "127.0.0.1",
    port,
    socket: {
      open: (s) => void s.write(packet),
      data: (s, chunk) => {
        got = new Uint8Array([...got, ...chunk]);
        if (got.length < 4) return;
        if (got[0] === 0x20 && got[3] === 0) resolve();
        else reject(new Error(`CONNECT refused: ${[...got.slice(0, 4)].join(" ")}`));
        s.end(); // (its close comes at once, after the answer above)
      },
      close: () => reject(new Error("closed before its CONNACK")),
      connectError: (_, e) => reject(e),
      error: (_, e) => reject(e),
    },
  });
  await promise;
}
