// `neo shell user add|del|list|scope|role|recover`: who the users are and what they may do.
import { recoverUser } from "../app/index.ts";
import { loadConfig } from "../config/index.ts";
import { badRequest, usageError } from "../lib/errors.ts";
import { parseScopes } from "../lib/scopes.ts";
import { generatePassword, openUsers, type Role, type Users } from "../registry/index.ts";
import { auditChange } from "./audit-cli.ts";
import { commonArgs, command } from "./common.ts";
import { repeatedOption } from "./shell-key-scope.ts";
import { plainTable, rfc3339 } from "./shell-key-format.ts";

export const dataDir = (args: { data?: string; config?: string }) =>
  loadConfig({ file: args.config, env: process.env, flags: { data: args.data } }).data;

/** The password piped on stdin: one line, the trailing newline is not part of it. */
export async function readPasswordFromStdin(): Promise<string> {
  const text = await Bun.stdin.text();
  const pw = text.replace(/\r?\n$/, "");
  if (pw.includes("\n")) throw badRequest("password_multiline", "the password on stdin must be a single line");
  return pw;
}

const out = (s: string) => process.stdout.write(s);
const nameArg = { type: "positional", required: true, description: "user name" } as const;

async function withUsers<T>(args: { data?: string; config?: string }, fn: (u: Users) => Promise<T> | T): Promise<T> {
  const users = openUsers(dataDir(args));
  try {
    return await fn(users);
  } finally {
    users.close();
  }
}

const parseRole = (v: string | undefined): Role => {
  if (v === undefined || v === "user") return "user";
  if (v === "admin") return "admin";
  throw usageError(`--role must be admin or user, got ${JSON.stringify(v)}`);
};

export const add = command({
  meta: { name: "add", description: "Add a user: role admin (everything) or user (its --scope list)" },
  args: {
    ...commonArgs,
    name: nameArg,
    role: { type: "string", description: "admin or user (default user)" },
    scope: { type: "string", description: "a scope for a user (repeat for more), e.g. tables:read:*" },
    "password-stdin": { type: "boolean", description: "read the password from stdin (one line); else generated" },
  },
  async run({ args, rawArgs }) {
    const role = parseRole(args.role);
    const scopes = parseScopes(repeatedOption(rawArgs, "scope")).map((s) => s.text);
    if (role === "admin" && scopes.length) throw usageError("an admin may do everything: give --scope to users only");
    const fromStdin = args["password-stdin"] === true;
    const password = fromStdin ? await readPasswordFromStdin() : generatePassword();
    const u = await withUsers(args, (users) => users.add(args.name, password, { role, scopes }));
    auditChange(args, "user.create", u.name, { role, scopes });
    out(`added ${u.role} ${u.name}\n`);
    if (!fromStdin) out(`password: ${password}\n(shown once; it is stored only as a hash)\n`);
  },
});

export const del = command({
  meta: {
    name: "del",
    description: "Delete a user: its sessions, keys and PATs stop at once; its dashboards and shares go with it",
  },
  args: { ...commonArgs, name: nameArg },
  async run({ args }) {
    await withUsers(args, (users) => users.remove(args.name));
    auditChange(args, "user.delete", args.name);
    out("deleted\n");
  },
});

export const list = command({
  meta: { name: "list", description: "List users, their roles and scopes" },
  args: { ...commonArgs, format: { type: "string", description: "plain (default) or json" } },
  async run({ args }) {
    const format = args.format ?? "plain";
    if (format !== "plain" && format !== "json") throw usageError(`--format must be plain or json, got ${format}`);
    const all = await withUsers(args, (users) => users.list());
    if (format === "json") {
      const rows = all.map((u) => ({
        id: u.id,
        name: u.name,
        role: u.role,
        scopes: u.scopes,
        created_at: rfc3339(u.createdAt),
      }));
      out(`${JSON.stringify(rows, null, 2)}\n`);
      return;
    }
    out(
      plainTable(
        ["NAME", "ROLE", "SCOPES"],
        all.map((u) => [u.name, u.role, u.role === "admin" ? "(everything)" : u.scopes.join(" ") || "(none)"]),
      ),
    );
  },
});

const scopeChange = (verb: "add" | "remove") =>
  command({
    meta: { name: verb, description: `${verb === "add" ? "Add" : "Remove"} scopes of a user` },
    args: { ...commonArgs, name: nameArg, scopes: { type: "positional", required: false, description: "scopes" } },
    async run({ args }) {
      const given = parseScopes(args._.slice(1).map(String)).map((s) => s.text);
      if (given.length === 0) throw usageError(`give at least one scope to ${verb}, e.g. tables:read:*`);
      const next = await withUsers(args, (users) => {
        const u = users.get(args.name);
        if (!u) throw usageError(`user ${JSON.stringify(args.name)} not found`);
        const missing = given.filter((s) => !u.scopes.includes(s));
        if (verb === "remove" && missing.length)
          throw usageError(`${args.name} has no scope ${missing.map((s) => JSON.stringify(s)).join(", ")}`);
        const scopes = verb === "add" ? [...u.scopes, ...missing] : u.scopes.filter((s) => !given.includes(s));
        users.setScopes(args.name, scopes);
        return scopes;
      });
      auditChange(args, `user.scope_${verb}`, args.name, { scopes: given });
      out(next.map((s) => `${s}\n`).join("") || "(no scopes: this user may do nothing)\n");
    },
  });

export const scope = command({
  meta: { name: "scope", description: "A user's scopes (used when its role is user)" },
  subCommands: {
    list: command({
      meta: { name: "list", description: "Print a user's scopes, one a line" },
      args: { ...commonArgs, name: nameArg },
      async run({ args }) {
        const u = await withUsers(args, (users) => users.get(args.name));
        if (!u) throw usageError(`user ${JSON.stringify(args.name)} not found`);
        out(u.role === "admin" ? "(admin: everything)\n" : u.scopes.map((s) => `${s}\n`).join(""));
      },
    }),
    add: scopeChange("add"),
    remove: scopeChange("remove"),
  },
});

export const role = command({
  meta: { name: "role", description: "Make a user an admin or a user (its scopes)" },
  args: { ...commonArgs, name: nameArg, role: { type: "positional", required: true, description: "admin or user" } },
  async run({ args }) {
    const r = parseRole(String(args.role));
    await withUsers(args, (users) => users.setRole(args.name, r));
    auditChange(args, "user.role", args.name, { role: r });
    out(`${args.name} is now ${r === "admin" ? "an admin" : "a user"}\n`);
  },
});

export const recover = command({
  meta: { name: "recover", description: "A one-time recovery key (15 min) for POST /users/password/reset" },
  args: { ...commonArgs, name: nameArg },
  async run({ args }) {
    const cfg = loadConfig({ file: args.config, env: process.env, flags: { data: args.data } });
    const r = recoverUser(cfg.data, cfg.login, args.name);
    if (!r) throw usageError(`user ${JSON.stringify(args.name)} not found`);
    auditChange(args, "user.recover", r.user);
    out(`recovery key for ${r.user} (one use, until ${rfc3339(r.expiresAt)}):\n${r.token}\n`);
    out(
      `set a new password: curl -X POST http://<gateway>/users/password/reset -H 'content-type: application/json' -d '{"token":"<key>","password":"<new password>"}'\n`,
    );
  },
});
