// `neo serve ...` without the command tree: main.ts comes here when the first argument is
// `serve` and no --help/-h asks for usage. The same steps citty's runMain takes for it, minus
// the root command (its definition, package.json, the sub-command resolution): the unknown-
// flag check (flags.ts), then citty's runCommand on the serve command, which parses the flags
// with the same parser and runs it; errors end as they do there (fail(): `neo: ...`, exit 2 for
// usage). bench/RESULTS.md "Session 7: start, the gate".
import { runCommand } from "citty";
import { fail } from "./common.ts";
import { checkFlags } from "./flags.ts";
import serve from "./serve.ts";

export async function serveDirect(rest: string[]): Promise<void> {
  try {
    await checkFlags(serve, rest, "neo serve");
  } catch (err) {
    fail(err);
  }
  await runCommand(serve, { rawArgs: rest });
}
