// `neo shell dashboard list|show|del|share|unshare`: a domain's dashboards on the data dir
// directly, server running or not, through the store the HTTP API uses (registry/
// dashboards.ts) and the same share check (lib/dashboard-share.ts). The operator sees
// every dashboard of the domain (`--domain <id|route>`, else the default domain); a
// dashboard of another domain is "not found" there, as over HTTP.
import { DEFAULT_DOMAIN_ID } from "../lib/domain-id.ts";
import { usageError } from "../lib/errors.ts";
import { setLogLevel } from "../lib/log.ts";
import { checkShare } from "../lib/dashboard-share.ts";
import { type Dashboard, type Dashboards, openDashboards, openUsers } from "../registry/index.ts";
import { auditChange } from "./audit-cli.ts";
import { commonArgs, command } from "./common.ts";
import { domainIdArg } from "./shell-args.ts";
import { repeatedOption } from "./shell-key-scope.ts";
import { formatTime, renderBox, rfc3339 } from "./shell-key-format.ts";
import { resolveDataDir } from "./shell-key-io.ts";

const out = (s: string) => process.stdout.write(s);
const BY = "operator";
const idArg = { type: "positional", required: true, description: "dashboard id" } as const;
const domainArg = { type: "string", description: "domain id or route (default: the default domain)" } as const;
type Args = { data?: string; config?: string; domain?: string };

function withDashboards<T>(args: Args, fn: (d: Dashboards, domain: string) => T): T {
  setLogLevel("warn");
  const domain = args.domain === undefined ? DEFAULT_DOMAIN_ID : domainIdArg(args, args.domain);
  const dashboards = openDashboards(resolveDataDir(args));
  try {
    return fn(dashboards, domain);
  } finally {
    dashboards.close();
  }
}

/** the dashboard of this id in this domain, or a usage error naming where to look */
function mustGet(ds: Dashboards, domain: string, id: string, args: Args): Dashboard {
  const d = ds.get(id.toLowerCase());
  if (d && d.domainId === domain) return d;
  const where = args.domain === undefined ? "the default domain" : `domain ${JSON.stringify(args.domain)}`;
  throw usageError(`no dashboard ${JSON.stringify(id)} in ${where} (see neo shell dashboard list)`);
}

const owner = (d: Dashboard) => (d.owner.startsWith("user:") ? d.owner.slice(5) : d.owner);
const sharedText = (d: Dashboard) => [...(d.share.members ? ["(members)"] : []), ...d.share.users].join(",") || "-";

/** the HTTP API's shape (docs/supermq.md#dashboards), without `can` (the operator may do all) */
const json = (d: Dashboard) => ({
  id: d.id,
  domain_id: d.domainId,
  name: d.name,
  description: d.description,
  owner: owner(d),
  panels: d.panels,
  time_range: d.timeRange,
  refresh: d.refresh,
  shared: { members: d.share.members, users: d.share.users },
  created_by: d.createdBy,
  created_at: rfc3339(d.createdAt),
  ...(d.updatedAt !== d.createdAt ? { updated_by: d.updatedBy, updated_at: rfc3339(d.updatedAt) } : {}),
});

const list = command({
  meta: { name: "list", description: "List a domain's dashboards (every one, whoever owns it)" },
  args: { ...commonArgs, domain: domainArg, format: { type: "string", description: "box (default) or json" } },
  run({ args }) {
    const format = args.format ?? "box";
    if (format !== "box" && format !== "json")
      throw usageError(`--format must be box or json, got ${JSON.stringify(format)}`);
    const all = withDashboards(args, (ds, domain) => ds.list(domain, null, { limit: 1_000_000 }).dashboards);
    if (format === "json") return void out(`${JSON.stringify(all.map(json), null, 2)}\n`);
    const cols = [
      { title: "ID", min: 36 },
      { title: "NAME", min: 10 },
      { title: "OWNER", min: 8 },
      { title: "PANELS", min: 6 },
      { title: "SHARED WITH", min: 11 },
      { title: "CREATED", min: 29 },
    ];
    const rows = all.map((d) => [
      d.id,
      d.name,
      owner(d),
      String(d.panels.length),
      sharedText(d),
      formatTime(d.createdAt),
    ]);
    out(renderBox(cols, rows));
  },
});

const show = command({
  meta: { name: "show", description: "Show one dashboard (JSON, the HTTP API's shape)" },
  args: { ...commonArgs, id: idArg, domain: domainArg },
  run({ args }) {
    const d = withDashboards(args, (ds, domain) => mustGet(ds, domain, args.id, args));
    out(`${JSON.stringify(json(d), null, 2)}\n`);
  },
});

const del = command({
  meta: { name: "del", description: "Delete a dashboard" },
  args: { ...commonArgs, id: idArg, domain: domainArg },
  run({ args }) {
    const d = withDashboards(args, (ds, domain) => {
      const found = mustGet(ds, domain, args.id, args);
      ds.delete(found.id);
      return found;
    });
    auditChange(args, "dashboard.delete", d.id, { domain: d.domainId, name: d.name });
    out("deleted\n");
  },
});

const sharing = (on: boolean) =>
  command({
    meta: {
      name: on ? "share" : "unshare",
      description: on
        ? "Show a dashboard to every member of its domain (--members) and/or named users (--user, repeat)"
        : "Stop showing a dashboard to the domain's members (--members) and/or named users (--user, repeat)",
    },
    args: {
      ...commonArgs,
      id: idArg,
      domain: domainArg,
      members: { type: "boolean", description: "every member of the dashboard's domain" },
      user: { type: "string", description: "a user's name (repeat for more)" },
    },
    run({ args, rawArgs }) {
      const names = repeatedOption(rawArgs, "user");
      const d = withDashboards(args, (ds, domain) => {
        const found = mustGet(ds, domain, args.id, args);
        const users = openUsers(resolveDataDir(args));
        try {
          const change = checkShare({ members: args.members === true, users: names }, (u) => users.exists(u));
          return ds.share(found.id, change, on, BY);
        } finally {
          users.close();
        }
      });
      auditChange(args, on ? "dashboard.share" : "dashboard.unshare", d.id, {
        members: args.members === true,
        users: names,
      });
      out(`${d.id} is shown to: ${sharedText(d) === "-" ? "its owner only" : sharedText(d)}\n`);
    },
  });

export default command({
  meta: { name: "dashboard", description: "Manage a domain's dashboards (saved views of series data)" },
  subCommands: { list, show, del, share: sharing(true), unshare: sharing(false) },
});
