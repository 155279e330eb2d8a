// What the `neo shell` entity commands (domain, channel, group) read from their arguments the
// same way: a JSON object (--metadata), a comma-separated list (--tags, --channel), a domain
// named by id or route.
import { usageError } from "../lib/errors.ts";
import { openDomains } from "../registry/index.ts";
import { resolveDataDir } from "./shell-key-io.ts";

/** `--metadata '{"site":"north"}'`: undefined when not given, a usage error when not an object */
export function jsonObjectArg(text: string | undefined, what: string): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  try {
    const v: unknown = JSON.parse(text);
    if (typeof v === "object" && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw usageError(`${what} must be a JSON object, e.g. '{"site":"north"}'`);
}

/** `--tags a,b`: undefined when not given; empty items dropped */
export const listArg = (t: string | undefined) => (t === undefined ? undefined : t.split(",").filter((x) => x !== ""));

/** a domain's id from its id or route (a usage error naming it when there is none) */
export function domainIdArg(args: { data?: string; config?: string }, idOrRoute: string): string {
  const domains = openDomains(resolveDataDir(args));
  try {
    const d = domains.resolve(idOrRoute);
    if (!d) throw usageError(`no domain ${JSON.stringify(idOrRoute)} (see neo shell domain list)`);
    return d.id;
  } finally {
    domains.close();
  }
}
