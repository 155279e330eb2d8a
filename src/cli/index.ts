import { runMain } from "citty";
import pkg from "../../package.json" with { type: "json" };
import { fail, command } from "./common.ts";
import { checkFlags } from "./flags.ts";

export const main = command({
  meta: {
    name: "neo",
    version: pkg.version,
    description: "IoT edge gateway: MQTT broker, HTTP API, time-series store",
  },
  subCommands: {
    serve: () => import("./serve.ts").then((m) => m.default),
    shell: () => import("./shell.ts").then((m) => m.default),
    config: () => import("./config.ts").then((m) => m.default),
    service: () => import("./service.ts").then((m) => m.default),
    bridge: () => import("./bridge.ts").then((m) => m.default),
    export: () => import("./export.ts").then((m) => m.default),
    version: () => import("./version.ts").then((m) => m.default),
  },
});

export async function runCli(argv: string[]): Promise<void> {
  try {
    await checkFlags(main, argv);
  } catch (err) {
    fail(err);
  }
  await runMain(main, { rawArgs: argv });
}
