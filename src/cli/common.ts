// Arguments every command accepts, and the one place CLI errors become exit codes:
// every command is made with command(), whose run hands anything thrown to fail().
import { type ArgsDef, type CommandDef, defineCommand } from "citty";
import { isNeoError } from "../lib/errors.ts";
import { isDiskFull } from "../lib/disk-full.ts";

export const commonArgs = {
  data: { type: "string", description: "data directory (env NEO_DATA, default ./neo-data)" },
  config: { type: "string", description: "config file (env NEO_CONFIG)" },
} as const satisfies ArgsDef;

/** A full disk in words an operator acts on, or null when `err` is something else. */
function diskFullMessage(err: unknown): string | null {
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e?.code === "string" ? e.code : "";
  const msg = typeof e?.message === "string" ? e.message : String(err);
  if (isDiskFull(err))
    return `cannot write to the data directory: the disk is full (${msg}); free some space and try again`;
  if (code.startsWith("SQLITE_IOERR") || /disk I\/O error/i.test(msg))
    return `cannot write to the data directory: ${msg} (is the disk full? check free space with df)`;
  return null;
}

/** Print a one-line error and exit: 2 for usage/config problems, 1 otherwise. */
export function fail(err: unknown): never {
  const full = diskFullMessage(err);
  if (full) {
    process.stderr.write(`neo: ${full}\n`);
    process.exit(1);
  }
  if (isNeoError(err)) {
    process.stderr.write(`neo: ${err.message}\n`);
    process.exit(err.code === "usage" || err.code === "config_invalid" ? 2 : 1);
  }
  process.stderr.write(`neo: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}

/**
 * citty's defineCommand with the one error wrapper: whatever `run` throws (a NeoError, a
 * full disk, anything) becomes one line `neo: ...` and an exit code (fail). Commands just throw.
 */
export function command<const T extends ArgsDef = ArgsDef>(def: CommandDef<T>): CommandDef<T> {
  const run = def.run;
  if (!run) return defineCommand(def);
  return defineCommand({
    ...def,
    async run(ctx) {
      try {
        return await run(ctx);
      } catch (err) {
        fail(err);
      }
    },
  });
}
