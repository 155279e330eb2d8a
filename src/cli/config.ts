// `neo config init`: print (or write) the commented default config.
// `neo config check [FILE]`: validate a config file and print the resolved config
// (defaults < file < NEO_* env < --data), or every problem with file:line:col (exit 2).
import { defaultConfigText, formatConfig, loadConfig } from "../config/index.ts";
import { NeoError, usageError } from "../lib/errors.ts";
import { commonArgs, command } from "./common.ts";
import { writeNew } from "./shell-key-io.ts";

const init = command({
  meta: { name: "init", description: "Print a commented default config (or write it with --output)" },
  args: {
    output: { type: "string", alias: "o", description: "write to this file instead of stdout (never overwrites)" },
  },
  run({ args }) {
    if (args.output === undefined) {
      process.stdout.write(defaultConfigText());
      return;
    }
    writeNew(args.output, defaultConfigText(), 0o644);
    process.stdout.write(`Save config ${args.output}\n`);
  },
});

const check = command({
  meta: { name: "check", description: "Validate a config file and print the resolved config" },
  args: {
    ...commonArgs,
    file: { type: "positional", required: false, description: "config file (default: --config or NEO_CONFIG)" },
  },
  run({ args }) {
    try {
      const file = args.file ?? args.config ?? (process.env.NEO_CONFIG?.trim() || undefined);
      if (file === undefined) throw usageError("config check needs a FILE (or --config / NEO_CONFIG)");
      const cfg = loadConfig({ file, env: process.env, flags: { data: args.data } });
      process.stdout.write(formatConfig(cfg));
    } catch (err) {
      if (!(err instanceof NeoError && err.code === "config_invalid")) throw err;
      // one problem per line, each starting with its location; a header line for "neo: "
      const n = err.message.split("\n").length;
      throw new NeoError(err.code, `invalid config, ${n} problem${n === 1 ? "" : "s"}:\n${err.message}`, err.status);
    }
  },
});

export default command({
  meta: { name: "config", description: "Create and check configuration files" },
  subCommands: { init, check },
});
