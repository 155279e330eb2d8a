// citty ignores flags a command does not define, so `--htp-enable-token-auth true`
// would start an open gateway without a word. Before citty runs, walk the same
// subcommand path it will take and refuse any flag the chosen command does not know.
import type { ArgsDef, CommandDef } from "citty";
import { closest } from "../config/index.ts";
import { usageError } from "../lib/errors.ts";

type Resolvable<T> = T | Promise<T> | (() => T | Promise<T>);

async function resolve<T>(v: Resolvable<T> | undefined): Promise<T | undefined> {
  return typeof v === "function" ? await (v as () => T | Promise<T>)() : await v;
}

const ALWAYS = new Set(["help", "h", "version", "v"]);

/** Throws a usage error naming the first unknown flag, with a did-you-mean (`name`: how the message calls `root`). */
export async function checkFlags<T extends ArgsDef>(root: CommandDef<T>, argv: string[], name?: string): Promise<void> {
  let cmd = root as unknown as CommandDef<ArgsDef>;
  let rest = argv;
  let path = name ?? (root.meta ? ((await resolve(root.meta))?.name ?? "neo") : "neo");
  for (;;) {
    const subs = await resolve(
      cmd.subCommands as Resolvable<Record<string, Resolvable<CommandDef<ArgsDef>>>> | undefined,
    );
    if (!subs) break;
    const i = rest.findIndex((a) => !a.startsWith("-"));
    const name = i >= 0 ? rest[i] : undefined;
    const next = name !== undefined ? subs[name] : undefined;
    if (!next) return; // citty reports unknown or missing subcommands itself
    cmd = (await resolve(next)) as CommandDef<ArgsDef>;
    path += ` ${name}`;
    rest = rest.slice(i + 1);
  }
  const args = ((await resolve(cmd.args as Resolvable<ArgsDef> | undefined)) ?? {}) as ArgsDef;
  const known = new Map<string, string>(); // spelling -> canonical
  const booleans = new Set<string>();
  for (const [key, def] of Object.entries(args)) {
    if (def.type === "positional") continue;
    const kebab = key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    for (const n of [key, kebab]) known.set(n, key);
    const alias = (def as { alias?: string | string[] }).alias;
    for (const a of Array.isArray(alias) ? alias : alias ? [alias] : []) known.set(a, key);
    if (def.type === "boolean") booleans.add(key);
  }
  for (const tok of rest) {
    if (tok === "--") break;
    if (!tok.startsWith("-") || /^-\d/.test(tok)) continue; // values, negative numbers
    const name = tok.replace(/^--?/, "").split("=")[0] ?? "";
    if (ALWAYS.has(name) || known.has(name)) continue;
    if (name.startsWith("no-") && booleans.has(known.get(name.slice(3)) ?? "")) continue;
    const guess = closest(
      name,
      [...known.keys()].filter((k) => k.length > 1),
    );
    throw usageError(
      `unknown option ${tok.split("=")[0]} for \`${path}\`${guess ? `; did you mean --${guess}?` : ""} (see \`${path} --help\`)`,
    );
  }
}
