// `neo shell domain ...`: SuperMQ domains (tenants) on the data dir directly, server running
// or not. A disable or freeze stops the domain's keys: a running server cuts their live
// sessions within a second (the registry's data_version moves) and refuses new ones.
import { auditChange } from "./audit-cli.ts";
import { setLogLevel } from "../lib/log.ts";
import { usageError } from "../lib/errors.ts";
import { domainJson, openDomains, type Domain, type Domains, type DomainState } from "../registry/index.ts";
import { commonArgs, command } from "./common.ts";
import { jsonObjectArg, listArg } from "./shell-args.ts";
import { accept, invitations, invite, member, reject } from "./shell-domain-members.ts";
import { formatTime, renderBox } from "./shell-key-format.ts";
import { resolveDataDir } from "./shell-key-io.ts";

const out = (s: string) => process.stdout.write(s);
const idArg = { type: "positional", required: true, description: "domain id or route" } as const;
const BY = "operator";

function withDomains<T>(args: { data?: string; config?: string }, fn: (d: Domains) => T): T {
  setLogLevel("warn");
  const domains = openDomains(resolveDataDir(args));
  try {
    return fn(domains);
  } finally {
    domains.close();
  }
}

const mustResolve = (d: Domains, idOrRoute: string) => {
  const found = d.resolve(idOrRoute);
  if (!found) throw usageError(`no domain ${JSON.stringify(idOrRoute)} (see neo shell domain list)`);
  return found;
};

const box = (list: readonly Domain[]) =>
  renderBox(
    [
      { title: "ID", min: 36 },
      { title: "NAME", min: 10 },
      { title: "ROUTE", min: 10 },
      { title: "STATUS", min: 8 },
      { title: "TAGS", min: 6 },
      { title: "CREATED", min: 29 },
    ],
    list.map((d) => [d.id, d.name, d.route, d.status, d.tags.join(",") || "-", formatTime(d.createdAt)]),
  );

const fields = {
  name: { type: "string", description: "display name" },
  tags: { type: "string", description: "comma-separated tags" },
  metadata: { type: "string", description: "metadata as a JSON object" },
} as const;

const create = command({
  meta: { name: "create", description: "Create a domain with a unique route (used in m/<route>/c/<channel> topics)" },
  args: { ...commonArgs, route: { type: "positional", required: true, description: "unique route" }, ...fields },
  run({ args }) {
    const metadata = jsonObjectArg(args.metadata, "--metadata");
    const tags = listArg(args.tags);
    const d = withDomains(args, (ds) =>
      ds.create(
        {
          name: args.name ?? args.route,
          route: args.route,
          ...(tags ? { tags } : {}),
          ...(metadata ? { metadata } : {}),
        },
        BY,
      ),
    );
    auditChange(args, "domain.create", d.id, { route: d.route });
    out(`created domain ${d.id} (route ${d.route})\n`);
  },
});

const list = command({
  meta: { name: "list", description: "List domains" },
  args: { ...commonArgs, format: { type: "string", description: "box (default) or json" } },
  run({ args }) {
    const format = args.format ?? "box";
    if (format !== "box" && format !== "json")
      throw usageError(`--format must be box or json, got ${JSON.stringify(format)}`);
    const all = withDomains(args, (ds) => ds.list({ limit: 1_000_000 }).domains);
    out(format === "json" ? `${JSON.stringify(all.map(domainJson), null, 2)}\n` : box(all));
  },
});

const show = command({
  meta: { name: "show", description: "Show one domain (JSON, SuperMQ's shape)" },
  args: { ...commonArgs, id: idArg },
  run({ args }) {
    out(`${JSON.stringify(domainJson(withDomains(args, (ds) => mustResolve(ds, args.id))), null, 2)}\n`);
  },
});

const update = command({
  meta: { name: "update", description: "Change a domain's name, tags or metadata (the route stays)" },
  args: { ...commonArgs, id: idArg, ...fields },
  run({ args }) {
    const metadata = jsonObjectArg(args.metadata, "--metadata");
    const tags = listArg(args.tags);
    const d = withDomains(args, (ds) =>
      ds.update(
        mustResolve(ds, args.id).id,
        { ...(args.name ? { name: args.name } : {}), ...(tags ? { tags } : {}), ...(metadata ? { metadata } : {}) },
        BY,
      ),
    );
    auditChange(args, "domain.update", d.id);
    out(`updated domain ${d.id}\n`);
  },
});

const setStatus = (name: "enable" | "disable" | "freeze", to: DomainState, what: string) =>
  command({
    meta: { name, description: what },
    args: { ...commonArgs, id: idArg },
    run({ args }) {
      const d = withDomains(args, (ds) => ds.setStatus(mustResolve(ds, args.id).id, to, BY));
      auditChange(args, `domain.${name}`, d.id);
      out(`domain ${d.id} is ${d.status}\n`);
    },
  });

const del = command({
  meta: { name: "del", description: "Delete an empty domain (the default domain stays)" },
  args: { ...commonArgs, id: idArg },
  run({ args }) {
    const id = withDomains(args, (ds) => {
      const d = mustResolve(ds, args.id);
      ds.delete(d.id);
      return d.id;
    });
    auditChange(args, "domain.delete", id);
    out("deleted\n");
  },
});

export default command({
  meta: { name: "domain", description: "Manage SuperMQ domains (tenants): their clients, channels and topics" },
  subCommands: {
    create,
    list,
    show,
    update,
    enable: setStatus("enable", "enabled", "Enable a domain: its keys work again"),
    disable: setStatus("disable", "disabled", "Disable a domain: its keys stop (live sessions within a second)"),
    freeze: setStatus("freeze", "frozen", "Freeze a domain: like disable, kept for an operator's review"),
    del,
    member,
    invite,
    invitations,
    accept,
    reject,
  },
});
