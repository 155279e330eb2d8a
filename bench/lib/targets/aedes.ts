// Aedes (npm) under Bun in its own process, with username/password authenticate.
import { join } from "node:path";
import { SCRIPT_PASS, SCRIPT_USER, startScriptBroker } from "./script-broker.ts";
import type { Mode, Running, Target } from "./types.ts";

export function createAedesTarget(opts: { nofile: number }): Target {
  const script = join(import.meta.dir, "aedes-server.ts");
  const version = (require("aedes/package.json") as { version: string }).version;
  return {
    name: "aedes",
    describe: () => `aedes ${version} on Bun ${Bun.version} (net.createServer)`,
    unavailable: (mode) => (mode === "tls" ? "TLS is compared with Mosquitto only" : null),
    start: (_mode: Mode, needIds: number): Promise<Running> =>
      startScriptBroker([script, "0", SCRIPT_USER, SCRIPT_PASS], opts.nofile, "ae", needIds),
    async cleanup() {},
  };
}
