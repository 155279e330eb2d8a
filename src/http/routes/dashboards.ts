// Dashboards per SuperMQ domain (issue 20): saved views of series data with several panels.
//   POST   /<domain>/dashboards {"name","description","panels","time_range","refresh"}  201
//   GET    /<domain>/dashboards                         {total,offset,limit,dashboards,can_create}
//          (the dashboards shown to the caller that it may list: dashboards:list or :read)
//   GET    /<domain>/dashboards/<id>                    200
//   PATCH  /<domain>/dashboards/<id> {fields to change} 200
//   DELETE /<domain>/dashboards/<id>                    204
//   POST   /<domain>/dashboards/<id>/share|unshare {"members":true,"users":["bob"]}  200
//   GET    /<domain>/dashboards/<id>/panels/<n>/data[?last=1h|?from=<ms>&to=<ms>]  /db/query's JSON
// and the same under /dashboards for the default domain. <domain> is an id or a route.
// authorize() decides everything: dashboards:<read|create|update|delete|share>:<id|*> asked in
// the dashboard's domain (so a PAT bound to another domain, or a key of another, gets 403);
// unshare takes dashboards:unshare or dashboards:share. The right is decided BEFORE anyone is
// told whether the dashboard exists; one not shown to the caller (not theirs, not shared
// with them) is "not found". A panel's data is read with the caller's own tables:read
// rights through the /db/query path: a dashboard never lets anyone read a table they cannot.
import { type Dashboard, type Dashboards, type Principal, principalName, shownTo } from "../../auth/index.ts";
import { DEFAULT_DOMAIN_ID } from "../../lib/domain-id.ts";
import { badRequest, notFound } from "../../lib/errors.ts";
import { checkShare } from "../../lib/dashboard-share.ts";
import { jsonResponse } from "../../lib/http/respond.ts";
import { ANY, type RouteContext, type RouteSpec } from "../route.ts";
import type { DashboardView, PanelView, TimeRangeView } from "./console-views.ts";
import { panelSql, parseDashboardBody, parseTimeRange, resolveRange } from "./dashboard-spec.ts";
import { byOf, domainOf as pathDomain, type DomainLookup } from "./domain-common.ts";
import { readJson } from "./domains.ts";

export interface DashboardRoutesDeps extends DomainLookup {
  dashboards: Dashboards;
  /** is there a user of this name (sharing names users) */
  userExists(name: string): boolean;
  /** run a read-only statement exactly as /db/query does, each table decided by `decide` */
  query(
    req: Request,
    url: URL,
    principal: Principal,
    decide: (table: string, domain?: string) => { allow: boolean; reason?: string },
  ): Promise<Response>;
}

const iso = (ms: number) => new Date(ms).toISOString();

function view(d: Dashboard, c: RouteContext): DashboardView {
  return {
    id: d.id,
    domain_id: d.domainId,
    name: d.name,
    description: d.description,
    owner: d.owner.startsWith("user:") ? d.owner.slice(5) : d.owner,
    panels: d.panels as PanelView[],
    time_range: d.timeRange as TimeRangeView,
    refresh: d.refresh,
    shared: { members: d.share.members, users: d.share.users },
    created_by: d.createdBy,
    created_at: iso(d.createdAt),
    ...(d.updatedAt !== d.createdAt ? { updated_by: d.updatedBy, updated_at: iso(d.updatedAt) } : {}),
    can: {
      read: c.may("dashboards:read", d.id, d.domainId),
      update: c.may("dashboards:update", d.id, d.domainId),
      delete: c.may("dashboards:delete", d.id, d.domainId),
      share: c.may("dashboards:share", d.id, d.domainId) || c.may("dashboards:unshare", d.id, d.domainId),
    },
  };
}

const pageInt = (v: string | null, dflt: number, max: number, what: string) => {
  if (v === null) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > max) throw badRequest("invalid_query", `${what} must be 0..${max}`);
  return n;
};

/** ?last=1h, or ?from=&to= (ms since the epoch or ISO 8601); undefined: the panel's own */
function rangeParam(q: URLSearchParams): TimeRangeView | undefined {
  const last = q.get("last");
  if (last !== null) return parseTimeRange({ last }, "last");
  const [f, t] = [q.get("from"), q.get("to")];
  if (f === null && t === null) return undefined;
  const ms = (s: string | null) => (s === null ? Number.NaN : /^\d+$/.test(s) ? Number(s) : Date.parse(s));
  return parseTimeRange({ from: ms(f), to: ms(t) }, "from/to");
}

export function dashboardRoutes(deps: DashboardRoutesDeps): RouteSpec[] {
  const { dashboards } = deps;
  const who = byOf;
  /** the caller as sharing sees it: its principal id, and a user's (or its PAT's) name */
  const viewer = (c: RouteContext) => {
    const p = c.principal;
    return p ? { id: p.id, ...(p.kind === "user" ? { user: principalName(p) } : {}) } : { id: "" };
  };
  /** the path's domain (the default one under /dashboards); changes need it enabled */
  const domainOf = (c: RouteContext, change: boolean) =>
    c.params.domain === undefined ? DEFAULT_DOMAIN_ID : pathDomain(deps, c, change);
  /** decide the right first, then the dashboard: in this domain and shown to the caller */
  const dashboardOf = (c: RouteContext, op: "read" | "update" | "delete" | "share", change = false) => {
    const domain = domainOf(c, change);
    const id = (c.params.id ?? "").toLowerCase();
    c.need(`dashboards:${op}`, id, domain);
    const d = dashboards.get(id);
    if (!d || d.domainId !== domain || !shownTo(d, viewer(c)))
      throw notFound("dashboard_not_found", `dashboard ${JSON.stringify(c.params.id)} not found`);
    return d;
  };
  const sharing = async (req: Request, c: RouteContext, on: boolean) => {
    const domain = domainOf(c, true);
    const id = (c.params.id ?? "").toLowerCase();
    if (on || !c.may("dashboards:unshare", id, domain)) c.need("dashboards:share", id, domain);
    const d = dashboards.get(id);
    if (!d || d.domainId !== domain || !shownTo(d, viewer(c)))
      throw notFound("dashboard_not_found", `dashboard ${JSON.stringify(c.params.id)} not found`);
    const { members, users } = checkShare(await readJson(req), deps.userExists);
    c.changed = { target: d.id, detail: { members, users } };
    return jsonResponse(view(dashboards.share(d.id, { members, users }, on, who(c)), c));
  };

  const routes = (at: string): RouteSpec[] => [
    {
      method: "POST",
      path: at,
      who: ANY,
      change: "dashboard.create",
      handler: async (req, c) => {
        const domain = domainOf(c, true);
        c.need("dashboards:create", "*", domain);
        const b = await readJson(req);
        if (b.id !== undefined) throw badRequest("invalid_dashboard", "neo makes the id itself: leave id out");
        const f = parseDashboardBody(b, true);
        const d = dashboards.create({ ...f, name: f.name ?? "", domainId: domain, owner: viewer(c).id }, who(c));
        c.changed = { target: d.id, detail: { domain, name: d.name } };
        return jsonResponse(view(d, c), 201);
      },
    },
    {
      method: "GET",
      path: at,
      who: ANY,
      handler: (_, c) => {
        const domain = domainOf(c, false);
        const q = c.url.searchParams;
        const offset = pageInt(q.get("offset"), 0, 1_000_000, "offset");
        const limit = pageInt(q.get("limit"), 10, 100, "limit");
        const name = q.get("name");
        const all = dashboards.list(domain, viewer(c), { limit: 1_000_000, ...(name ? { name } : {}) });
        // SuperMQ's list: the dashboards the caller is shown that it may list (or read)
        const listed = (id: string) => c.may("dashboards:list", id, domain) || c.may("dashboards:read", id, domain);
        const mine = all.dashboards.filter((d) => listed(d.id));
        // a caller who may list no dashboard here is refused (another domain's PAT or key: 403)
        if (mine.length === 0 && !listed("*")) c.need("dashboards:list", "*", domain);
        return jsonResponse({
          total: mine.length,
          offset,
          limit,
          dashboards: mine.slice(offset, offset + limit).map((d) => view(d, c)),
          can_create: c.may("dashboards:create", "*", domain),
        });
      },
    },
    {
      method: "GET",
      path: `${at}/:id`,
      who: ANY,
      handler: (_, c) => jsonResponse(view(dashboardOf(c, "read"), c)),
    },
    {
      method: "PATCH",
      path: `${at}/:id`,
      who: ANY,
      change: "dashboard.update",
      handler: async (req, c) => {
        const d = dashboardOf(c, "update", true);
        const b = await readJson(req);
        if (b.id !== undefined || b.owner !== undefined || b.domain_id !== undefined)
          throw badRequest("invalid_dashboard", "a dashboard's id, owner and domain cannot be changed");
        if (b.shared !== undefined)
          throw badRequest("invalid_dashboard", "sharing changes through POST .../share and .../unshare");
        const f = parseDashboardBody(b, false);
        return jsonResponse(view(dashboards.update(d.id, f, who(c)), c));
      },
    },
    {
      method: "DELETE",
      path: `${at}/:id`,
      who: ANY,
      change: "dashboard.delete",
      handler: (_, c) => {
        dashboards.delete(dashboardOf(c, "delete", true).id);
        return new Response(null, { status: 204 });
      },
    },
    {
      method: "POST",
      path: `${at}/:id/share`,
      who: ANY,
      change: "dashboard.share",
      handler: (r, c) => sharing(r, c, true),
    },
    {
      method: "POST",
      path: `${at}/:id/unshare`,
      who: ANY,
      change: "dashboard.unshare",
      handler: (r, c) => sharing(r, c, false),
    },
    {
      method: "GET",
      path: `${at}/:id/panels/:n/data`,
      who: ANY,
      handler: (_, c) => {
        const d = dashboardOf(c, "read");
        const n = Number(c.params.n);
        const panel = Number.isInteger(n) && n >= 0 ? (d.panels[n] as PanelView | undefined) : undefined;
        if (!panel) throw notFound("panel_not_found", `dashboard ${d.id} has no panel ${JSON.stringify(c.params.n)}`);
        const range = resolveRange(
          rangeParam(c.url.searchParams) ?? panel.time_range ?? (d.timeRange as TimeRangeView),
          Date.now(),
        );
        const sql = panelSql(panel.query, range);
        const req = new Request(c.url.href, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ q: sql, timeformat: "ms" }),
        });
        // the viewer's rights, never the owner's: each table in the table's own domain
        return deps.query(req, new URL(c.url.origin), c.principal!, (t, dom) => c.check("tables:read", t, dom));
      },
    },
  ];
  // the default domain's shorthand first: /dashboards/<id> is never read as a domain named "dashboards"
  return [...routes("/dashboards"), ...routes("/:domain/dashboards")];
}
