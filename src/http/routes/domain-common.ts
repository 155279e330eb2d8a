// What SuperMQ's entity routes under a domain share (/<domain>/clients, /channels, /groups):
// the path's domain (changes need it enabled), an entity that must live in it (another
// domain's id is 404 here), paging, and the checks of SuperMQ's body fields.
import { knowsAll, principalName, seesDomain } from "../../auth/index.ts";
import { badRequest, forbidden, notFound } from "../../lib/errors.ts";
import { API_SESSION, type RouteContext, type RouteSpec } from "../route.ts";

export interface DomainLookup {
  /** a domain by id or route */
  domain(idOrRoute: string): { id: string; status: string } | null;
}

/**
 * the path's domain id; a change needs it enabled (403 while disabled or frozen). A domain the
 * caller may not see (auth/domain-view.ts) answers as one that does not exist: the same 403,
 * audited, naming only what the path said; only a global operator hears "not found" (404).
 */
export function domainOf(store: DomainLookup, c: RouteContext, change: boolean): string {
  const asked = c.params.domain ?? "";
  const d = store.domain(asked);
  const p = c.principal;
  if (!d || (p && !seesDomain(p, d.id))) {
    if (!d && (!p || knowsAll(p, asked)))
      throw notFound("domain_not_found", `domain ${JSON.stringify(asked)} not found`);
    c.check("domains:read", d?.id ?? asked, d?.id ?? asked); // audited: a deny row
    throw forbidden("domain_forbidden", `domain ${JSON.stringify(asked)}: not found or not allowed`);
  }
  if (change && d.status !== "enabled") throw forbidden("domain_disabled", `domain ${d.id} is ${d.status}`);
  return d.id;
}

/** the entity, when it lives in `domain` (another domain's is not found here) */
export function inDomain<T extends { domainId: string }>(
  found: T | null | undefined,
  domain: string,
  what: "client" | "channel" | "group",
  id: string,
): T {
  if (!found || found.domainId !== domain)
    throw notFound(`${what}_not_found`, `${what} ${JSON.stringify(id)} not found`);
  return found;
}

/** `?offset&limit` (limit 1..100, default 10) */
function pageOf(c: RouteContext): { offset: number; limit: number } {
  const q = c.url.searchParams;
  return {
    offset: Math.max(0, Number(q.get("offset") ?? 0) || 0),
    limit: Math.min(100, Math.max(1, Number(q.get("limit") ?? 10) || 10)),
  };
}

/** SuperMQ's page answer over the entities the caller may see */
export function page<T>(c: RouteContext, key: string, all: readonly T[], json: (t: T) => unknown) {
  const { offset, limit } = pageOf(c);
  return { total: all.length, offset, limit, [key]: all.slice(offset, offset + limit).map(json) };
}

export const strings = (v: unknown, what: string, code: string): string[] => {
  if (!Array.isArray(v) || v.some((t) => typeof t !== "string") || v.length > 256)
    throw badRequest(code, `${what} must be an array of strings`);
  return v as string[];
};

const object = (v: unknown, what: string, code: string): Record<string, unknown> => {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw badRequest(code, `${what} must be an object`);
  return v as Record<string, unknown>;
};

/** a non-empty array of ids (at most 1000) */
export const ids = (v: unknown, what: string): string[] => {
  if (!Array.isArray(v) || v.length === 0 || v.some((x) => typeof x !== "string") || v.length > 1000)
    throw badRequest("invalid_request", `${what} must be a non-empty array of ids`);
  return v as string[];
};

/** `name`, `tags`, `metadata` (and `description`) of a body, each when present and well-formed */
export function fieldsOf(b: Record<string, unknown>, code: string, description = false) {
  if (b.name !== undefined && typeof b.name !== "string") throw badRequest(code, "name must be a string");
  if (description && b.description !== undefined && typeof b.description !== "string")
    throw badRequest(code, "description must be a string");
  return {
    ...(typeof b.name === "string" ? { name: b.name } : {}),
    ...(description && typeof b.description === "string" ? { description: b.description } : {}),
    ...(b.tags !== undefined ? { tags: strings(b.tags, "tags", code) } : {}),
    ...(b.metadata !== undefined ? { metadata: object(b.metadata, "metadata", code) } : {}),
  };
}

/** SuperMQ's `status` on create: enabled (default) or disabled */
export function statusOf(v: unknown, code: string): "enabled" | "disabled" {
  const s = v ?? "enabled";
  if (s !== "enabled" && s !== "disabled") throw badRequest(code, 'status must be "enabled" or "disabled"');
  return s;
}

/** who made a change, for created_by / updated_by */
export const byOf = (c: RouteContext) => (c.principal ? principalName(c.principal) : "");

/** one API route (the runner identifies, authorizes the handler's c.need() and audits `change`) */
export const apiRoute = (
  method: RouteSpec["method"],
  path: string,
  change: string | undefined,
  handler: RouteSpec["handler"],
): RouteSpec => ({ method, path, who: API_SESSION, ...(change ? { change } : {}), handler });
