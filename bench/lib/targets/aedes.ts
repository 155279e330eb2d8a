// Aedes (npm) under Bun in its own process, with username/password authenticate.
import { join } from "node:path";
import { waitForLine, withNofile } from "../proc.ts";
import type { Identity, Mode, Running, Target } from "./types.ts";

const USER = "bench";
const PASS = "bench-secret-7f3a";

export function createAedesTarget(opts: { nofile: number }): Target {
  const script = join(import.meta.dir, "aedes-server.ts");
  const version = (require("aedes/package.json") as { version: string }).version;
  return {
    name: "aedes",
    describe: () => `aedes ${version} on Bun ${Bun.version} (net.createServer)`,
    unavailable: (mode) => (mode === "tls" ? "TLS is compared with Mosquitto only" : null),
    async start(_mode: Mode, needIds: number): Promise<Running> {
      const proc = Bun.spawn(withNofile([process.execPath, script, "0", USER, PASS], opts.nofile), {
        stdout: "pipe",
        stderr: "inherit",
      });
      let port = 0;
      try {
        const line = await waitForLine(proc, (l) => l.startsWith("{") && l.includes('"ready"'), 10_000);
        port = Number((JSON.parse(line) as { mqtt: string }).mqtt.split(":")[1]);
      } catch (e) {
        proc.kill("SIGKILL");
        throw e;
      }
      const ids: Identity[] = Array.from({ length: Math.max(1, needIds) }, (_, i) => ({
        clientId: `ae-${i}`,
        username: USER,
        password: PASS,
      }));
      return { proc, pid: proc.pid, host: "127.0.0.1", port, ids, fixedIds: false };
    },
    async cleanup() {},
  };
}
