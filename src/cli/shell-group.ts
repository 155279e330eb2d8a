// `neo shell group ...`: SuperMQ groups of a domain on the data dir directly, server running
// or not. A scope naming a group covers its members (docs/scopes.md): adding or removing a
// channel or client changes live rights within a second (the registry's data_version moves).
import { auditChange } from "./audit-cli.ts";
import { setLogLevel } from "../lib/log.ts";
import { usageError } from "../lib/errors.ts";
import { groupJson, openGroups, type Group, type Groups } from "../registry/index.ts";
import { commonArgs, command } from "./common.ts";
import { domainIdArg, jsonObjectArg, listArg } from "./shell-args.ts";
import { formatTime, renderBox } from "./shell-key-format.ts";
import { resolveDataDir } from "./shell-key-io.ts";

const out = (s: string) => process.stdout.write(s);
const idArg = { type: "positional", required: true, description: "group id" } as const;
const BY = "operator";

function withGroups<T>(args: { data?: string; config?: string }, fn: (g: Groups) => T): T {
  setLogLevel("warn");
  const groups = openGroups(resolveDataDir(args));
  try {
    return fn(groups);
  } finally {
    groups.close();
  }
}

const mustGet = (g: Groups, id: string) => {
  const found = g.get(id);
  if (!found) throw usageError(`no group ${JSON.stringify(id)} (see neo shell group list <domain>)`);
  return found;
};

const box = (list: readonly Group[]) =>
  renderBox(
    [
      { title: "ID", min: 36 },
      { title: "NAME", min: 10 },
      { title: "PARENT", min: 8 },
      { title: "STATUS", min: 8 },
      { title: "TAGS", min: 6 },
      { title: "CREATED", min: 29 },
    ],
    list.map((g) => [g.id, g.name, g.parentId ?? "-", g.status, g.tags.join(",") || "-", formatTime(g.createdAt)]),
  );

const fields = {
  description: { type: "string", description: "what the group is" },
  tags: { type: "string", description: "comma-separated tags" },
  metadata: { type: "string", description: "metadata as a JSON object" },
} as const;
const fieldsOf = (args: { description?: string; tags?: string; metadata?: string }) => {
  const metadata = jsonObjectArg(args.metadata, "--metadata");
  const tags = listArg(args.tags);
  return {
    ...(args.description !== undefined ? { description: args.description } : {}),
    ...(tags ? { tags } : {}),
    ...(metadata ? { metadata } : {}),
  };
};

const create = command({
  meta: { name: "create", description: "Create a group in a domain (optionally under a parent group)" },
  args: {
    ...commonArgs,
    domain: { type: "positional", required: true, description: "domain id or route" },
    name: { type: "positional", required: true, description: "group name" },
    parent: { type: "string", description: "parent group id (same domain)" },
    ...fields,
  },
  run({ args }) {
    const d = domainIdArg(args, args.domain);
    const g = withGroups(args, (gs) =>
      gs.create(
        { name: args.name, domainId: d, ...fieldsOf(args), ...(args.parent ? { parentId: args.parent } : {}) },
        BY,
      ),
    );
    auditChange(args, "group.create", g.id, { domain: d });
    out(`created group ${g.id}\n`);
  },
});

const list = command({
  meta: { name: "list", description: "List a domain's groups" },
  args: {
    ...commonArgs,
    domain: { type: "positional", required: true, description: "domain id or route" },
    format: { type: "string", description: "box (default) or json" },
  },
  run({ args }) {
    const format = args.format ?? "box";
    if (format !== "box" && format !== "json")
      throw usageError(`--format must be box or json, got ${JSON.stringify(format)}`);
    const d = domainIdArg(args, args.domain);
    const all = withGroups(args, (gs) => gs.list(d));
    out(format === "json" ? `${JSON.stringify(all.map(groupJson), null, 2)}\n` : box(all));
  },
});

const show = command({
  meta: { name: "show", description: "Show one group with its members (JSON, SuperMQ's shape)" },
  args: { ...commonArgs, id: idArg },
  run({ args }) {
    const shown = withGroups(args, (gs) => {
      const g = mustGet(gs, args.id);
      const m = gs.members(g.id);
      const of = (k: "channel" | "client") => m.filter((x) => x.kind === k).map((x) => x.id);
      const children = gs
        .list(g.domainId)
        .filter((x) => x.parentId === g.id)
        .map((x) => x.id);
      return { ...groupJson(g), channels: of("channel"), clients: of("client"), children };
    });
    out(`${JSON.stringify(shown, null, 2)}\n`);
  },
});

const update = command({
  meta: { name: "update", description: "Change a group's name, description, tags, metadata or parent" },
  args: {
    ...commonArgs,
    id: idArg,
    name: { type: "string", description: "new name" },
    parent: { type: "string", description: 'new parent group id ("none": top-level)' },
    ...fields,
  },
  run({ args }) {
    withGroups(args, (gs) => {
      const g = mustGet(gs, args.id);
      gs.update(g.id, { ...(args.name ? { name: args.name } : {}), ...fieldsOf(args) }, BY);
      if (args.parent !== undefined) gs.setParent(g.id, args.parent === "none" ? null : args.parent, BY);
    });
    auditChange(args, "group.update", args.id);
    out(`updated group ${args.id}\n`);
  },
});

const setStatus = (name: "enable" | "disable", what: string) =>
  command({
    meta: { name, description: what },
    args: { ...commonArgs, id: idArg },
    run({ args }) {
      const g = withGroups(args, (gs) =>
        gs.setStatus(mustGet(gs, args.id).id, name === "enable" ? "enabled" : "disabled", BY),
      );
      auditChange(args, `group.${name}`, g.id);
      out(`group ${g.id} is ${g.status}\n`);
    },
  });

const del = command({
  meta: { name: "del", description: "Delete a group: its members leave it, its subgroups become top-level" },
  args: { ...commonArgs, id: idArg },
  run({ args }) {
    withGroups(args, (gs) => gs.delete(mustGet(gs, args.id).id));
    auditChange(args, "group.delete", args.id);
    out("deleted\n");
  },
});

const members = {
  channel: { type: "string", description: "comma-separated channel ids" },
  client: { type: "string", description: "comma-separated client (key) ids" },
} as const;
/** each named channel and client joins (or leaves) the group */
const membership = (name: "add" | "remove", what: string) =>
  command({
    meta: { name, description: what },
    args: { ...commonArgs, id: idArg, ...members },
    run({ args }) {
      const items = [
        ...(listArg(args.channel) ?? []).map((id) => ({ kind: "channel" as const, id })),
        ...(listArg(args.client) ?? []).map((id) => ({ kind: "client" as const, id })),
      ];
      if (items.length === 0) throw usageError("name at least one --channel or --client");
      withGroups(args, (gs) => {
        const g = mustGet(gs, args.id);
        // all checked before any change
        for (const m of items)
          if (name === "add" && gs.domainOf(m.kind, m.id) !== g.domainId)
            throw usageError(`no ${m.kind} ${JSON.stringify(m.id)} in the group's domain`);
        for (const m of items) {
          if (name === "add") gs.assign(m.kind, m.id, g.id);
          else if (gs.groupOf(m.kind, m.id) !== g.id) throw usageError(`${m.kind} ${m.id} is not in group ${g.id}`);
          else gs.unassign(m.kind, m.id);
        }
      });
      auditChange(args, name === "add" ? "group.add" : "group.remove", args.id, { members: items });
      out(`${name === "add" ? "added" : "removed"} ${items.length}\n`);
    },
  });

export default command({
  meta: { name: "group", description: "Manage SuperMQ groups: a scope naming a group covers its channels and clients" },
  subCommands: {
    create,
    list,
    show,
    update,
    enable: setStatus("enable", "Enable a group: scopes naming it cover its members again"),
    disable: setStatus("disable", "Disable a group: scopes naming it cover nothing (live rights within a second)"),
    del,
    add: membership("add", "Add channels and clients (of the group's domain) to a group"),
    remove: membership("remove", "Remove channels and clients from a group"),
  },
});
