// `neo serve`: start the gateway in the foreground. One JSON ready line goes to stdout
// for scripts and tests; logs go to stderr.
import { commonArgs, command } from "./common.ts";
import { loadConfig, parseBool, type ConfigFlags } from "../config/index.ts";
import { setLogLevel, createLogger, type LogLevel, writeLine } from "../lib/log.ts";
import { usageError } from "../lib/errors.ts";
import { lowerBackgroundThreadsSoon } from "../lib/background-threads.ts";
import { jitWhenBusy } from "../lib/jit-policy.ts";

function boolFlag(name: string, v: string | undefined): boolean | undefined {
  if (v === undefined) return undefined;
  const b = parseBool(v);
  if (b === undefined) throw usageError(`--${name} expects true or false, got "${v}"`);
  return b;
}

function portFlag(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!/^\d+$/.test(v) || n > 65535) throw usageError(`--${name} expects a port 0-65535, got "${v}"`);
  return n;
}

export default command({
  meta: { name: "serve", description: "run the gateway: MQTT broker, HTTP API, time-series store" },
  args: {
    ...commonArgs,
    host: { type: "string", description: "listen address for HTTP and MQTT (default 127.0.0.1)" },
    "http-port": { type: "string", description: "HTTP port (default 5654, 0 = any free port)" },
    "mqtt-port": { type: "string", description: "MQTT port (default 5653, 0 = any free port)" },
    "http-enable-token-auth": { type: "string", description: "require a client token on /db/* (true|false)" },
    "mqtt-enable-token-auth": {
      type: "string",
      description: "require a client token in CONNECT username (true|false)",
    },
    "mqtt-enable-tls": { type: "string", description: "MQTT over TLS with client certificates (true|false)" },
    "log-level": { type: "string", description: "debug|info|warn|error" },
  },
  async run({ args }) {
    let gateway: Awaited<ReturnType<typeof import("../app/index.ts").startGateway>>;
    let reloadConfig: () => ReturnType<typeof loadConfig>;
    const flags: ConfigFlags = {
      data: args.data,
      host: args.host,
      httpPort: portFlag("http-port", args["http-port"]),
      mqttPort: portFlag("mqtt-port", args["mqtt-port"]),
      httpEnableTokenAuth: boolFlag("http-enable-token-auth", args["http-enable-token-auth"]),
      mqttEnableTokenAuth: boolFlag("mqtt-enable-token-auth", args["mqtt-enable-token-auth"]),
      mqttEnableTls: boolFlag("mqtt-enable-tls", args["mqtt-enable-tls"]),
      logLevel: args["log-level"] as LogLevel | undefined,
    };
    // SIGHUP reads the same sources again: file, environment, flags
    reloadConfig = () => loadConfig({ file: args.config, env: process.env, flags });
    const config = reloadConfig();
    setLogLevel(config.log.level);
    const { startGateway } = await import("../app/index.ts");
    gateway = await startGateway(config);
    const log = createLogger("neosvr");
    const shutdown = (sig: string) => {
      log.info(`${sig} received, shutting down`);
      const force = setTimeout(() => {
        log.error("shutdown took longer than 5 s, exiting");
        process.exit(1);
      }, 5000);
      gateway.stop().then(
        () => {
          clearTimeout(force);
          process.exit(0);
        },
        (e) => {
          log.error("shutdown failed", e);
          process.exit(1);
        },
      );
    };
    process.on("SIGTERM", () => shutdown("SIGTERM"));
    process.on("SIGINT", () => shutdown("SIGINT"));
    process.on("SIGHUP", () => {
      log.info("SIGHUP received, reloading the config");
      let next: ReturnType<typeof loadConfig>;
      try {
        next = reloadConfig();
      } catch (e) {
        log.error(`reload refused, the running config stays: ${e instanceof Error ? e.message : String(e)}`);
        return;
      }
      gateway.reload(next).catch((e) => log.error("reload failed", e));
    });
    // signal handlers are in place before anyone is told we are ready (a direct write: the
    // stdout stream would stay resident, bench/RESULTS.md "Session 7: start")
    writeLine(1, JSON.stringify(gateway.ready));
    // the JIT's and the allocator's threads below the event loop (lib/background-threads.ts)
    lowerBackgroundThreadsSoon();
    // the binary starts with the JIT's thresholds raised (build.ts): normal once it is busy
    jitWhenBusy();
    // keep running until a signal arrives
    await new Promise(() => {});
  },
});
