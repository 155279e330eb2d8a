// Arguments every command accepts, and the one place CLI errors become exit codes.
import type { ArgsDef } from "citty";
import { isNeoError } from "../lib/errors.ts";

export const commonArgs = {
  data: { type: "string", description: "data directory (env NEO_DATA, default ./neo-data)" },
  config: { type: "string", description: "config file (env NEO_CONFIG)" },
} as const satisfies ArgsDef;

/** Print a one-line error and exit: 2 for usage/config problems, 1 otherwise. */
export function fail(err: unknown): never {
  if (isNeoError(err)) {
    process.stderr.write(`neo: ${err.message}\n`);
    process.exit(err.code === "usage" || err.code === "config_invalid" ? 2 : 1);
  }
  process.stderr.write(`neo: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
