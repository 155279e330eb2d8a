// Printing configs in the file syntax: the resolved config (`neo config check`) and the
// commented default (`neo config init`). Both parse back to the config they describe;
// each section prints itself (schema/<section>.ts), in the order of schema/sections.ts.
import { SECTIONS } from "./schema/index.ts";
import type { NeoConfig } from "./types.ts";

/** The resolved config in file syntax (absolute paths), e.g. for `neo config check`. */
export function formatConfig(cfg: NeoConfig): string {
  const out: string[] = [];
  if (cfg.file !== undefined) out.push(`# resolved from ${cfg.file}, NEO_* environment and flags`);
  else out.push("# resolved from defaults, NEO_* environment and flags");
  const blocks = SECTIONS.map((s) => s.format(cfg)).filter((lines) => lines.length > 0);
  out.push(...blocks.flatMap((lines, i) => (i === 0 ? lines : ["", ...lines])));
  return `${out.join("\n")}\n`;
}

const HEADER = `# neo configuration (HCL-like).
#
# Syntax: \`Key = value\` and \`Block { ... }\` (or \`Block = { ... }\`), one entry per
# line (or separated by commas); \`Tls.Enabled = true\` is short for \`Tls { Enabled = true }\`.
# Values: "strings" (with \\n \\t \\" \\\\ \\uXXXX escapes), numbers (1048576 or
# 1_048_576), true/false, lists [a, b]. Comments: #, // and /* ... */. Keys are
# case-sensitive. \`neo config check FILE\` validates a file and prints the result.
#
# Precedence: built-in defaults < this file < NEO_* environment < command-line flags.
# Relative paths in this file are relative to the directory this file is in.`;

/** A commented config holding every default; loading it gives exactly the defaults. */
export function defaultConfigText(): string {
  return `${[HEADER, ...SECTIONS.map((s) => s.sample())].join("\n\n")}\n`;
}
