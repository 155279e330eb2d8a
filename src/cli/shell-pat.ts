// `neo shell pat create|list|scopes|revoke|reset|del --user <name>`: a user's personal
// access tokens from the operator's shell (the same store and checks as /pats). A
// running server sees every change on the next request; revoke, reset and del also end
// the PAT's live MQTT sessions within a second.
import { parsePatScopes } from "../app/index.ts";
import { loadConfig } from "../config/index.ts";
import { usageError } from "../lib/errors.ts";
import { openPats, openUsers, type Pats, type UserRecord } from "../registry/index.ts";
import { parseTtl, patJson } from "../registry/index.ts";
import { auditChange } from "./audit-cli.ts";
import { commonArgs, command } from "./common.ts";
import { repeatedOption } from "./shell-key-scope.ts";
import { plainTable, rfc3339 } from "./shell-key-format.ts";

const out = (s: string) => process.stdout.write(s);
const userArg = { type: "string", required: true, description: "the PAT owner's user name" } as const;
const idArg = { type: "positional", required: true, description: "PAT id" } as const;

function withPats<T>(
  args: { data?: string; config?: string; user: string },
  fn: (pats: Pats, owner: UserRecord) => T,
): T {
  const data = loadConfig({ file: args.config, env: process.env, flags: { data: args.data } }).data;
  const users = openUsers(data);
  const pats = openPats(data);
  try {
    const owner = users.get(args.user);
    if (!owner) throw usageError(`user ${JSON.stringify(args.user)} not found`);
    return fn(pats, owner);
  } finally {
    pats.close();
    users.close();
  }
}

/** `--scope channels:publish:plant` (entity_type:operation:entity_id[:domain]) as SuperMQ's scope object */
function cliScopes(rawArgs: readonly string[]) {
  return parsePatScopes(
    repeatedOption(rawArgs, "scope").map((t) => {
      const [entity_type = "", operation = "", entity_id = "*", optional_domain_id] = t.split(":");
      return { entity_type, operation, entity_id, ...(optional_domain_id ? { optional_domain_id } : {}) };
    }),
  );
}

const create = command({
  meta: { name: "create", description: "A new PAT for --user; its secret is printed once" },
  args: {
    ...commonArgs,
    user: userArg,
    name: { type: "string", required: true, description: "a name for it" },
    description: { type: "string", description: "what it is for" },
    duration: { type: "string", description: 'lifetime ("24h", "720h", "30d"); default: never expires' },
    scope: { type: "string", description: "entity_type:operation:entity_id (repeat), e.g. tables:read:*" },
  },
  run({ args, rawArgs }) {
    const ttl = parseTtl(args.duration);
    const scopes = repeatedOption(rawArgs, "scope").length ? cliScopes(rawArgs) : [];
    const r = withPats(args, (pats, owner) => {
      const c = pats.create(owner.id, { name: args.name, description: args.description ?? "", ttlMs: ttl });
      if (scopes.length) pats.addScopes(c.pat.id, scopes);
      return c;
    });
    auditChange(args, "pat.create", r.pat.id, { user: args.user, name: args.name });
    out(`${JSON.stringify(patJson(r.pat, Date.now(), r.secret), null, 2)}\n(the secret is shown once)\n`);
  },
});

const list = command({
  meta: { name: "list", description: "The PATs of --user" },
  args: { ...commonArgs, user: userArg, format: { type: "string", description: "plain (default) or json" } },
  run({ args }) {
    const format = args.format ?? "plain";
    if (format !== "plain" && format !== "json") throw usageError(`--format must be plain or json, got ${format}`);
    const all = withPats(args, (pats, owner) => pats.list(owner.id));
    const now = Date.now();
    if (format === "json") {
      out(
        `${JSON.stringify(
          all.map((p) => patJson(p, now)),
          null,
          2,
        )}\n`,
      );
      return;
    }
    const rows = all.map((p) => {
      const j = patJson(p, now);
      return [
        p.id,
        p.name,
        String(j.status),
        p.expiresAt === null ? "never" : rfc3339(p.expiresAt),
        p.lastUsedAt === null ? "-" : rfc3339(p.lastUsedAt),
      ];
    });
    out(
      rows.length ? plainTable(["ID", "NAME", "STATUS", "EXPIRES", "LAST USED"], rows) : `${args.user} has no PATs\n`,
    );
  },
});

const scopes = command({
  meta: { name: "scopes", description: "The scopes of a PAT (add more with --add entity_type:operation:entity_id)" },
  args: { ...commonArgs, user: userArg, id: idArg, add: { type: "string", description: "a scope to add (repeat)" } },
  run({ args, rawArgs }) {
    const adding = repeatedOption(rawArgs, "add").map((t) => `--scope=${t}`);
    const toAdd = adding.length ? cliScopes(adding) : [];
    const all = withPats(args, (pats, owner) => {
      if (!pats.get(owner.id, args.id)) throw usageError(`${args.user} has no PAT ${args.id}`);
      return toAdd.length ? pats.addScopes(args.id, toAdd) : pats.scopes(args.id);
    });
    if (toAdd.length) auditChange(args, "pat.scope_add", args.id, { scopes: toAdd });
    out(
      all
        .map(
          (s) =>
            `${s.entity_type}:${s.operation}:${s.entity_id}${s.optional_domain_id ? ` (domain ${s.optional_domain_id})` : ""}\n`,
        )
        .join("") || "(no scopes: this PAT may do nothing)\n",
    );
  },
});

const revoke = command({
  meta: { name: "revoke", description: "Revoke a PAT: refused at once, live MQTT sessions cut" },
  args: { ...commonArgs, user: userArg, id: idArg },
  run({ args }) {
    withPats(args, (pats, owner) => pats.revoke(owner.id, args.id, "operator"));
    auditChange(args, "pat.revoke", args.id);
    out("revoked\n");
  },
});

const reset = command({
  meta: { name: "reset", description: "A new secret for a PAT (the old one dies at once), printed once" },
  args: { ...commonArgs, user: userArg, id: idArg, duration: { type: "string", description: "new lifetime" } },
  run({ args }) {
    const ttl = parseTtl(args.duration);
    const r = withPats(args, (pats, owner) => pats.reset(owner.id, args.id, ttl, "operator"));
    auditChange(args, "pat.reset", args.id);
    out(`${JSON.stringify(patJson(r.pat, Date.now(), r.secret), null, 2)}\n(the secret is shown once)\n`);
  },
});

const del = command({
  meta: { name: "del", description: "Delete a PAT" },
  args: { ...commonArgs, user: userArg, id: idArg },
  run({ args }) {
    withPats(args, (pats, owner) => pats.remove(owner.id, args.id));
    auditChange(args, "pat.delete", args.id);
    out("deleted\n");
  },
});

export default command({
  meta: { name: "pat", description: "Personal access tokens of a user (--user NAME)" },
  subCommands: { create, list, scopes, revoke, reset, del },
});
