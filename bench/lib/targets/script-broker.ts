// A broker that is a script of the bench's own (aedes-server.ts, bun-bare-server.ts), run by
// this Bun in its own process: started, its port read from its ready line, the identities
// it takes (one user and password for every client id).
import { waitForLine, withNofile } from "../proc.ts";
import type { Identity, Running } from "./types.ts";

export const SCRIPT_USER = "bench";
export const SCRIPT_PASS = "bench-secret-7f3a";

export async function startScriptBroker(
  argv: string[],
  nofile: number,
  idPrefix: string,
  needIds: number,
): Promise<Running> {
  const proc = Bun.spawn(withNofile([process.execPath, ...argv], nofile), { stdout: "pipe", stderr: "inherit" });
  let port = 0;
  try {
    const line = await waitForLine(proc, (l) => l.startsWith("{") && l.includes('"ready"'), 10_000);
    port = Number((JSON.parse(line) as { mqtt: string }).mqtt.split(":")[1]);
  } catch (e) {
    proc.kill("SIGKILL");
    throw e;
  }
  const ids: Identity[] = Array.from({ length: Math.max(1, needIds) }, (_, i) => ({
    clientId: `${idPrefix}-${i}`,
    username: SCRIPT_USER,
    password: SCRIPT_PASS,
  }));
  return { proc, pid: proc.pid, host: "127.0.0.1", port, ids, fixedIds: false };
}
