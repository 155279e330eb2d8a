// Real gRPC clients for the e2e tests: Debian's python3-grpcio with stubs generated at test
// time by python3-grpc-tools from neo's .proto files (test/e2e/grpc/neo_client.py), and
// @grpc/grpc-js under Node (test/e2e/grpc/node_client.mjs). Both use mutual TLS with the
// files `neo shell key gen` wrote. Missing tools fail the tests (scripts/setup.sh --test).
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import type { Key } from "./fixture.ts";
import { ROOT, run } from "./harness.ts";
import { requires, requiresTool } from "./requires.ts";

/** Debian's python3 (a pyenv python3 earlier on PATH does not see Debian's grpc packages) */
const PYTHON = existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
const PROTO_DIR = join(ROOT, "src/grpc/proto");

/** Debian's python3 with grpcio and grpc_tools (scripts/setup.sh --test installs them) */
export const needPython = requires(
  "python3 with grpcio and grpc_tools",
  Bun.spawnSync([PYTHON, "-c", "import grpc, grpc_tools"], { stdout: "ignore", stderr: "ignore" }).exitCode === 0
    ? undefined
    : "not installed",
  "apt-get install python3-grpcio python3-grpc-tools (scripts/setup.sh --test)",
);
export const needNode = requiresTool("node", "apt-get install nodejs (scripts/setup.sh --test)");
const CLIENT_PY = join(ROOT, "test/e2e/grpc/neo_client.py");
const CLIENT_MJS = join(ROOT, "test/e2e/grpc/node_client.mjs");

/** the Grpc block the tests serve with (mutual TLS, a free port) */
export const GRPC_CONFIG =
  'Grpc {\n  Listen = "127.0.0.1:0"\n  Tls {\n    Enabled = true\n    ClientAuth = "require"\n  }\n}\n';

/** python stubs for machrpc.proto and mgmt.proto, generated now into `dir` */
export async function pythonStubs(dir: string): Promise<string> {
  const out = join(dir, "stubs");
  mkdirSync(out, { recursive: true });
  const r = await run([
    PYTHON,
    "-m",
    "grpc_tools.protoc",
    `-I${PROTO_DIR}`,
    `--python_out=${out}`,
    `--grpc_python_out=${out}`,
    join(PROTO_DIR, "machrpc.proto"),
    join(PROTO_DIR, "mgmt.proto"),
  ]);
  if (r.code !== 0) throw new Error(`grpc_tools.protoc failed (install python3-grpc-tools): ${r.stderr}`);
  return out;
}

export interface PyReply {
  ok: boolean;
  reason?: string;
  code?: string;
  details?: string;
  /** the JSON line as printed (int64 values exact) */
  raw: string;
  [k: string]: unknown;
}

/** one neo_client.py command with a key's certificate; its JSON answer */
export async function py(
  stubs: string,
  addr: string,
  ca: string,
  key: Pick<Key, "cert" | "key"> & { token?: string },
  ...cmd: string[]
): Promise<PyReply> {
  const r = await run([PYTHON, CLIENT_PY, stubs, addr, ca, key.cert, key.key, ...cmd], {
    timeoutMs: 30_000,
    ...(key.token ? { env: { NEO_TOKEN: key.token } } : {}),
  });
  const line = r.stdout.trim().split("\n").at(-1) ?? "";
  try {
    return { ...(JSON.parse(line) as PyReply), raw: line };
  } catch {
    throw new Error(`neo_client.py ${cmd[0]}: no answer (exit ${r.code}): ${r.stderr}${r.stdout}`);
  }
}

/** node_client.mjs running (for streams the test watches): its JSON lines as they come */
export function nodeClient(addr: string, ca: string, key: Pick<Key, "cert" | "key">, ...cmd: string[]) {
  const proc: Subprocess<"ignore", "pipe", "pipe"> = Bun.spawn(
    ["node", CLIENT_MJS, addr, ca, key.cert, key.key, ...cmd],
    {
      cwd: ROOT,
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    },
  );
  const lines: Record<string, unknown>[] = [];
  const waiters: { pred: (l: Record<string, unknown>) => boolean; resolve: (l: Record<string, unknown>) => void }[] =
    [];
  void (async () => {
    let buf = "";
    for await (const chunk of proc.stdout) {
      buf += new TextDecoder().decode(chunk);
      let nl = buf.indexOf("\n");
      while (nl >= 0) {
        const l = JSON.parse(buf.slice(0, nl)) as Record<string, unknown>;
        buf = buf.slice(nl + 1);
        lines.push(l);
        for (const w of waiters.slice()) if (w.pred(l)) waiters.splice(waiters.indexOf(w), 1) && w.resolve(l);
        nl = buf.indexOf("\n");
      }
    }
  })();
  return {
    proc,
    /** the first line `pred` accepts (already printed or still to come) */
    line(pred: (l: Record<string, unknown>) => boolean, timeoutMs = 10_000): Promise<Record<string, unknown>> {
      const seen = lines.find(pred);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const w = { pred, resolve };
        waiters.push(w);
        setTimeout(() => {
          if (waiters.includes(w))
            reject(new Error(`node_client: no matching line in ${timeoutMs} ms: ${JSON.stringify(lines)}`));
        }, timeoutMs);
      });
    },
    stop: () => proc.kill("SIGKILL"),
  };
}
