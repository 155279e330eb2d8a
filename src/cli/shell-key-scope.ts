// `neo shell key scope list|add|remove <id> ...`: what a client key may do. Like `key del`,
// a change is written to the registry and a running server sees it within a second,
// live sessions included.
import { usageError } from "../lib/errors.ts";
import { parseScopes } from "../lib/scopes.ts";
import { commonArgs, command } from "./common.ts";
import { withRegistry } from "./shell-key-io.ts";

const out = (s: string) => process.stdout.write(s);

/** every value of a repeatable `--name X` / `--name=X` option, in order */
export function repeatedOption(rawArgs: readonly string[], name: string): string[] {
  const values: string[] = [];
  for (let i = 0; i < rawArgs.length; i++) {
    const a = rawArgs[i]!;
    if (a === "--") break;
    if (a === `--${name}`) {
      const v = rawArgs[i + 1];
      if (v === undefined) throw usageError(`--${name} needs a value`);
      values.push(v);
      i++;
    } else if (a.startsWith(`--${name}=`)) values.push(a.slice(name.length + 3));
  }
  return values;
}

/** the positionals after the id (citty keeps them in `_`) */
function scopeArgs(rest: readonly unknown[], verb: string): string[] {
  const scopes = rest.slice(1).map(String);
  if (scopes.length === 0) throw usageError(`give at least one scope to ${verb}, e.g. topics:publish:devices/%c/#`);
  return scopes;
}

const idArg = { type: "positional", required: true, description: "client id" } as const;
const scopesArg = { type: "positional", required: false, description: "scopes, e.g. tables:read:TAG" } as const;

const list = command({
  meta: { name: "list", description: "Print a client's scopes, one a line" },
  args: { ...commonArgs, id: idArg, format: { type: "string", description: "lines (default) or json" } },
  run: async ({ args }) => {
    const format = args.format ?? "lines";
    if (format !== "lines" && format !== "json")
      throw usageError(`--format must be lines or json, got ${JSON.stringify(format)}`);
    const scopes = await withRegistry(
      args,
      (r) => {
        const rec = r.get(args.id);
        if (!rec) throw usageError(`client ${JSON.stringify(args.id)} not found`);
        return rec.scopes;
      },
      { readOnly: true },
    );
    out(format === "json" ? `${JSON.stringify(scopes)}\n` : scopes.map((s) => `${s}\n`).join(""));
  },
});

const change = (name: "add" | "remove", description: string) =>
  command({
    meta: { name, description },
    args: { ...commonArgs, id: idArg, scopes: scopesArg },
    run: async ({ args }) => {
      const given = parseScopes(scopeArgs(args._, name)).map((s) => s.text);
      const next = await withRegistry(args, (r) =>
        r.updateScopes(args.id, (current) => {
          if (name === "add") return [...current, ...given.filter((s) => !current.includes(s))];
          const missing = given.filter((s) => !current.includes(s));
          if (missing.length)
            throw usageError(`${args.id} has no scope ${missing.map((s) => JSON.stringify(s)).join(", ")}`);
          return current.filter((s) => !given.includes(s));
        }),
      );
      out(next.map((s) => `${s}\n`).join("") || "(no scopes: this key may do nothing)\n");
    },
  });

export default command({
  meta: { name: "scope", description: "List or change what a client key may do (scopes)" },
  subCommands: {
    list,
    add: change("add", "Give a client more scopes (a leading ! adds a deny)"),
    remove: change("remove", "Take scopes away from a client; live sessions lose them within a second"),
  },
});
