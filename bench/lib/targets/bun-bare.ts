// A bare Bun.listen answering CONNECT/PINGREQ/SUBSCRIBE (bun-bare-server.ts), the floor under
// neo for the `storm` scenario: the same runtime's accept/read/write path with nothing of a broker.
import { join } from "node:path";
import { waitForLine, withNofile } from "../proc.ts";
import type { Identity, Mode, Running, Target } from "./types.ts";

const USER = "bench";
const PASS = "bench-secret-7f3a";

export function createBunBareTarget(opts: { nofile: number }): Target {
  const script = join(import.meta.dir, "bun-bare-server.ts");
  return {
    name: "bun-bare",
    describe: () => `bare Bun.listen on Bun ${Bun.version} (CONNACK/PINGRESP/SUBACK only: the storm scenario's floor)`,
    unavailable: (mode) => (mode === "tls" ? "no TLS" : null),
    async start(_mode: Mode, needIds: number): Promise<Running> {
      const proc = Bun.spawn(withNofile([process.execPath, script, USER, PASS], opts.nofile), {
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
        clientId: `bare-${i}`,
        username: USER,
        password: PASS,
      }));
      return { proc, pid: proc.pid, host: "127.0.0.1", port, ids, fixedIds: false };
    },
    async cleanup() {},
  };
}
