// A bare Bun.listen answering CONNECT/PINGREQ/SUBSCRIBE (bun-bare-server.ts), the floor under
// neo for the `storm` scenario: the same runtime's accept/read/write path with nothing of a broker.
import { join } from "node:path";
import { SCRIPT_PASS, SCRIPT_USER, startScriptBroker } from "./script-broker.ts";
import type { Mode, Running, Target } from "./types.ts";

export function createBunBareTarget(opts: { nofile: number }): Target {
  const script = join(import.meta.dir, "bun-bare-server.ts");
  return {
    name: "bun-bare",
    describe: () => `bare Bun.listen on Bun ${Bun.version} (CONNACK/PINGRESP/SUBACK only: the storm scenario's floor)`,
    unavailable: (mode) => (mode === "tls" ? "no TLS" : null),
    start: (_mode: Mode, needIds: number): Promise<Running> =>
      startScriptBroker([script, SCRIPT_USER, SCRIPT_PASS], opts.nofile, "bare", needIds),
    async cleanup() {},
  };
}
