// SuperMQ's domains API (domains/api/http/transport.go): POST /domains (201), GET /domains
// ({total,offset,limit,domains}), GET|PATCH /domains/<id> (200), POST /domains/<id>/
// enable|disable|freeze (200, empty body). Any credential of the API forms or the console's
// web session (its Domains page); the
// `domains:<op>:<id>` scope decides, with the domain itself as authorize()'s domain, so a
// PAT whose scopes name an optional_domain_id reaches that domain only. Errors are
// {"message"} (with neo's {"success":false,"reason"}): 400 bad input, 403, 404, 409.
import { badRequest, NeoError, notFound } from "../../lib/errors.ts";
import { readBody } from "../../lib/http/body.ts";
import { jsonResponse } from "../../lib/http/respond.ts";
import {
  type Domain,
  domainJson,
  principalName,
  type DomainInput,
  type Domains,
  type DomainState,
} from "../../auth/index.ts";
import type { Operation } from "../../lib/scopes.ts";
import type { DomainListView, DomainView } from "./console-views.ts";
import { API_SESSION, type RouteContext, type RouteSpec } from "../route.ts";

export async function readJson(req: Request): Promise<Record<string, unknown>> {
  const type = req.headers.get("content-type") ?? "";
  if (!type.toLowerCase().startsWith("application/json"))
    throw new NeoError("unsupported_media_type", "Content-Type must be application/json", 415);
  const text = new TextDecoder().decode(await readBody(req, 64 * 1024));
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw badRequest("invalid_json", "request body is not valid JSON");
  }
  if (typeof v !== "object" || v === null || Array.isArray(v))
    throw badRequest("invalid_json", "request body must be a JSON object");
  return v as Record<string, unknown>;
}

const input = (b: Record<string, unknown>): DomainInput & { id?: string } => {
  const out: DomainInput & { id?: string } = {};
  for (const k of ["id", "name", "route"] as const)
    if (b[k] !== undefined) {
      if (typeof b[k] !== "string") throw badRequest("invalid_domain", `${k} must be a string`);
      out[k] = b[k] as string;
    }
  if (b.tags !== undefined) out.tags = b.tags as string[];
  if (b.metadata !== undefined) out.metadata = b.metadata as Record<string, unknown>;
  return out;
};

const STATUS: Record<string, DomainState | undefined> = {
  enabled: "enabled",
  disabled: "disabled",
  frozen: "frozen",
  freezed: "frozen", // SuperMQ's spelling
};

const pageInt = (v: string | null, dflt: number, max: number, what: string) => {
  if (v === null) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > max) throw badRequest("invalid_query", `${what} must be 0..${max}`);
  return n;
};

/** what a listed domain's `actions` may name: what the console offers there (the API still decides) */
const ACTIONS: readonly Operation[] = [
  "domains:update",
  "domains:enable",
  "domains:disable",
  "domains:freeze",
  "domains:members",
  "keys:create",
  "keys:delete",
  "channels:create",
  "channels:delete",
  "channels:connect",
  "groups:create",
  "groups:delete",
];

/**
 * A domain as GET /domains lists it to the caller: SuperMQ's domain with the caller's role
 * there (`role_id`/`role_name`, as SuperMQ lists a user's domains) and `actions`, the
 * operations of ACTIONS the caller may do in it (its role or its own scopes).
 */
function listed(d: Domain, c: RouteContext): DomainView {
  const p = c.principal;
  const role = (p?.within ?? p)?.roles?.get(d.id);
  return {
    ...domainJson(d),
    ...(role ? { role_id: role, role_name: role } : {}),
    actions: ACTIONS.filter((op) => c.may(op, op.startsWith("domains:") ? d.id : "*", d.id)),
  };
}

/**
 * `creatorJoins`: a user who creates a domain becomes its admin (SuperMQ gives the creator the
 * built-in admin role), so it sees and manages what it made without global scopes.
 */
export function domainRoutes(domains: Domains, creatorJoins?: (domainId: string, user: string) => void): RouteSpec[] {
  const by = (c: RouteContext) => (c.principal ? principalName(c.principal) : "");
  const mustGet = (id: string) => {
    const d = domains.get(id.toLowerCase());
    if (!d) throw notFound("domain_not_found", `domain ${JSON.stringify(id)} not found`);
    return d;
  };
  const status = (to: DomainState, op: "enable" | "disable" | "freeze"): RouteSpec => ({
    method: "POST",
    path: `/domains/:id/${op}`,
    who: API_SESSION,
    change: `domain.${op}`,
    handler: (_, c) => {
      const id = c.params.id ?? "";
      c.need(`domains:${op}`, id, id.toLowerCase());
      const d = mustGet(id);
      // a frozen domain is the operator's to release: its own admins (domain role) cannot
      if (d.status === "frozen") c.need("domains:freeze", id, d.id);
      domains.setStatus(d.id, to, by(c));
      return new Response(null, { status: 200 });
    },
  });
  return [
    {
      method: "POST",
      path: "/domains",
      who: API_SESSION,
      scope: { op: "domains:create", target: "*" },
      change: "domain.create",
      handler: async (req, c) => {
        const d = domains.create(input(await readJson(req)), by(c));
        if (c.principal?.kind === "user") creatorJoins?.(d.id, principalName(c.principal));
        c.changed = { target: d.id, detail: { route: d.route } };
        return jsonResponse(domainJson(d), 201);
      },
    },
    {
      method: "GET",
      path: "/domains",
      // the console's domain switcher asks with its web session too
      who: API_SESSION,
      handler: (_, c) => {
        const q = c.url.searchParams;
        const offset = pageInt(q.get("offset"), 0, 1_000_000, "offset");
        const limit = pageInt(q.get("limit"), 10, 100, "limit");
        const s = q.get("status");
        const st = s === null || s === "all" ? undefined : STATUS[s];
        if (s !== null && s !== "all" && !st) throw badRequest("invalid_query", `unknown status ${JSON.stringify(s)}`);
        // every domain the caller may read: a user's own domains (its roles), all of them for a
        // global operator (domains:read:*); a PAT's domain-bound scopes: those domains only
        const all = domains.list({
          limit: 1_000_000,
          ...(st ? { status: st } : {}),
          ...(q.get("name") ? { name: q.get("name")! } : {}),
        });
        const mine = all.domains.filter((d) => c.may("domains:read", d.id, d.id) || c.may("domains:list", d.id, d.id));
        // a user in no domain sees an empty list (SuperMQ's); a key that may see none is told why
        if (mine.length === 0 && all.total > 0 && c.principal?.kind !== "user") c.need("domains:list", "*");
        const answer: DomainListView = {
          total: mine.length,
          offset,
          limit,
          domains: mine.slice(offset, offset + limit).map((d) => listed(d, c)),
          can_create: c.may("domains:create", "*"),
        };
        return jsonResponse(answer);
      },
    },
    {
      method: "GET",
      path: "/domains/:id",
      who: API_SESSION,
      handler: (_, c) => {
        const id = c.params.id ?? "";
        c.need("domains:read", id, id.toLowerCase());
        return jsonResponse(domainJson(mustGet(id)));
      },
    },
    {
      method: "PATCH",
      path: "/domains/:id",
      who: API_SESSION,
      change: "domain.update",
      handler: async (req, c) => {
        const id = c.params.id ?? "";
        c.need("domains:update", id, id.toLowerCase());
        const b = input(await readJson(req));
        if (b.id !== undefined) throw badRequest("invalid_domain", "a domain's id cannot be changed");
        return jsonResponse(domainJson(domains.update(mustGet(id).id, b, by(c))));
      },
    },
    status("enabled", "enable"),
    status("disabled", "disable"),
    status("frozen", "freeze"),
  ];
}
