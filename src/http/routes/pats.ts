// Personal access tokens over HTTP, SuperMQ's API, its older and current spellings, for
// the owner (a login access key or web session; a PAT cannot manage PATs):
//
//   POST   /pats {"name","description","duration"}   201, the secret shown once
//   GET    /pats[?offset&limit]   GET /pats/<id>   DELETE /pats/<id> (204)   DELETE /pats (all)
//   PATCH  /pats/<id>/name | /description
//   PATCH  /pats/<id>/scope/add {"scopes":[{entity_type,operation,entity_id,optional_domain_id}]}
//   PATCH  /pats/<id>/scope/remove {"scopes_id":[...]} or {"scopes":[...]}   DELETE /pats/<id>/scope
//   GET    /pats/<id>/scopes  (also /scope)
//   PATCH  /pats/<id>/revoke  (also /secret/revoke)   204
//   PATCH  /pats/<id>/reset {"duration"}  (also /secret/reset)   a new secret; the old one is dead
// Each route is a PERSON route (the runner identifies the owner; a PAT gets 403); each
// change is audited by the runner with the route's `change` action.
import { parsePatScopes, parseTtl, patJson, type Pats, type PatScope, principalName } from "../../auth/index.ts";
import { badRequest, notFound } from "../../lib/errors.ts";
import { jsonResponse } from "../../lib/http/respond.ts";
import { readJsonBody } from "../json-body.ts";
import { PERSON, type RouteContext, type RouteSpec } from "../route.ts";

type PeopleContext = RouteContext;

const MAX_NAME = 254;
const MAX_DESCRIPTION = 1024;

function text(v: unknown, field: string, max: number, required: boolean): string | undefined {
  if (v === undefined || v === null) {
    if (required) throw badRequest(`missing_${field}`, `${field} is required`);
    return undefined;
  }
  if (typeof v !== "string") throw badRequest(`invalid_${field}`, `${field} must be a string`);
  if (required && v.trim() === "") throw badRequest(`missing_${field}`, `${field} is required`);
  if (v.length > max) throw badRequest(`invalid_${field}`, `${field} is longer than ${max} characters`);
  return v;
}

function page(url: URL): { offset: number; limit: number } {
  const num = (k: string, d: number, max: number) => {
    const s = url.searchParams.get(k);
    if (s === null || s === "") return d;
    const n = Number(s);
    if (!Number.isInteger(n) || n < 0 || n > max) throw badRequest("invalid_page", `${k} must be an integer 0-${max}`);
    return n;
  };
  return { offset: num("offset", 0, 1_000_000), limit: num("limit", 100, 1000) };
}

export interface PatsDeps {
  pats: Pats;
  /** the user record of a principal's name (the owner of the PATs) */
  user(name: string): { id: string; name: string } | null;
  now?: () => number;
}

export function patRoutes(deps: PatsDeps): RouteSpec[] {
  const { pats } = deps;
  const now = deps.now ?? Date.now;
  const owner = (c: PeopleContext) => {
    const u = c.principal ? deps.user(principalName(c.principal)) : null;
    if (!u) throw notFound("user_not_found", "no such user");
    return u;
  };
  /** what the runner's change row names: the PAT and what was changed */
  const changed = (c: PeopleContext, _action: string, target: string, detail?: unknown) => {
    c.changed = { target, ...(detail !== undefined ? { detail } : {}) };
  };
  const mine = (c: PeopleContext) => {
    const p = pats.get(owner(c).id, c.params.id!);
    if (!p) throw notFound("pat_not_found", `no PAT ${c.params.id}`);
    return p;
  };

  const create = async (req: Request, c: PeopleContext) => {
    const b = await readJsonBody(req);
    const name = text(b.name, "name", MAX_NAME, true)!;
    const description = text(b.description, "description", MAX_DESCRIPTION, false) ?? "";
    const ttlMs = parseTtl(b.duration);
    const scopes = b.scopes === undefined ? [] : parsePatScopes(b.scopes);
    const r = pats.create(owner(c).id, { name, description, ttlMs });
    if (scopes.length) pats.addScopes(r.pat.id, scopes);
    changed(c, "pat.create", r.pat.id, { name, duration: b.duration ?? null });
    return jsonResponse(patJson(r.pat, now(), r.secret), 201);
  };

  const list = (_: Request, c: PeopleContext) => {
    const all = pats.list(owner(c).id);
    const { offset, limit } = page(c.url);
    const t = now();
    return jsonResponse({
      total: all.length,
      offset,
      limit,
      pats: all.slice(offset, offset + limit).map((p) => patJson(p, t)),
    });
  };

  const scopesOf = (c: PeopleContext) => {
    const p = mine(c);
    const all = pats.scopes(p.id);
    const { offset, limit } = page(c.url);
    return jsonResponse({ total: all.length, offset, limit, scopes: all.slice(offset, offset + limit) });
  };

  const addScopes = async (req: Request, c: PeopleContext) => {
    const p = mine(c);
    const scopes = parsePatScopes((await readJsonBody(req)).scopes);
    const all = pats.addScopes(p.id, scopes);
    changed(c, "pat.scope_add", p.id, scopes);
    return jsonResponse({ total: all.length, scopes: all });
  };

  const removeScopes = async (req: Request, c: PeopleContext) => {
    const p = mine(c);
    const b = await readJsonBody(req);
    const current = pats.scopes(p.id);
    let ids: string[];
    if (Array.isArray(b.scopes_id) && b.scopes_id.every((x) => typeof x === "string")) ids = b.scopes_id as string[];
    else if (b.scopes !== undefined) {
      const same = (a: PatScope, s: PatScope) =>
        a.entity_type === s.entity_type && a.operation === s.operation && a.entity_id === s.entity_id;
      const given = parsePatScopes(b.scopes);
      ids = current.filter((s) => given.some((g) => same(g, s))).map((s) => s.id);
    } else throw badRequest("invalid_scopes", "give scopes_id (the scope ids) or scopes (as added)");
    const missing = ids.filter((id) => !current.some((s) => s.id === id));
    if (missing.length) throw badRequest("invalid_scopes", `this PAT has no scope ${missing.join(", ")}`);
    const all = pats.removeScopes(p.id, ids);
    changed(c, "pat.scope_remove", p.id, ids);
    return jsonResponse({ total: all.length, scopes: all });
  };

  const revoke = (_: Request, c: PeopleContext) => {
    const p = mine(c);
    pats.revoke(owner(c).id, p.id);
    changed(c, "pat.revoke", p.id);
    return new Response(null, { status: 204 });
  };

  const reset = async (req: Request, c: PeopleContext) => {
    const p = mine(c);
    const ttlMs = parseTtl((await readJsonBody(req)).duration);
    const r = pats.reset(owner(c).id, p.id, ttlMs);
    changed(c, "pat.reset", p.id);
    return jsonResponse(patJson(r.pat, now(), r.secret));
  };

  const rename = (field: "name" | "description") => async (req: Request, c: PeopleContext) => {
    const p = mine(c);
    const v = text(
      (await readJsonBody(req))[field],
      field,
      field === "name" ? MAX_NAME : MAX_DESCRIPTION,
      field === "name",
    );
    const r = pats.update(owner(c).id, p.id, { [field]: v ?? "" });
    changed(c, `pat.${field}`, p.id);
    return jsonResponse(patJson(r, now()), 202);
  };

  const remove = (_: Request, c: PeopleContext) => {
    const p = mine(c);
    pats.remove(owner(c).id, p.id);
    changed(c, "pat.delete", p.id);
    return new Response(null, { status: 204 });
  };

  const removeAll = (_: Request, c: PeopleContext) => {
    for (const p of pats.list(owner(c).id)) pats.remove(owner(c).id, p.id);
    changed(c, "pat.delete", "*");
    return new Response(null, { status: 200 });
  };

  const clearScopes = (_: Request, c: PeopleContext) => {
    const p = mine(c);
    pats.clearScopes(p.id);
    changed(c, "pat.scope_remove", p.id, "*");
    return jsonResponse({ total: 0, scopes: [] });
  };

  const u = PERSON;
  return [
    { method: "POST", path: "/pats", who: u, change: "pat.create", handler: create },
    { method: "GET", path: "/pats", who: u, handler: list },
    { method: "DELETE", path: "/pats", who: u, change: "pat.delete", handler: removeAll },
    { method: "GET", path: "/pats/:id", who: u, handler: (_, c) => jsonResponse(patJson(mine(c), now())) },
    { method: "DELETE", path: "/pats/:id", who: u, change: "pat.delete", handler: remove },
    { method: "PATCH", path: "/pats/:id/name", who: u, change: "pat.name", handler: rename("name") },
    {
      method: "PATCH",
      path: "/pats/:id/description",
      who: u,
      change: "pat.description",
      handler: rename("description"),
    },
    { method: "PATCH", path: "/pats/:id/scope/add", who: u, change: "pat.scope_add", handler: addScopes },
    { method: "PATCH", path: "/pats/:id/scope/remove", who: u, change: "pat.scope_remove", handler: removeScopes },
    { method: "DELETE", path: "/pats/:id/scope", who: u, change: "pat.scope_remove", handler: clearScopes },
    { method: "GET", path: "/pats/:id/scopes", who: u, handler: (_, c) => scopesOf(c) },
    { method: "GET", path: "/pats/:id/scope", who: u, handler: (_, c) => scopesOf(c) },
    { method: "PATCH", path: "/pats/:id/revoke", who: u, change: "pat.revoke", handler: revoke },
    { method: "PATCH", path: "/pats/:id/secret/revoke", who: u, change: "pat.revoke", handler: revoke },
    { method: "PATCH", path: "/pats/:id/reset", who: u, change: "pat.reset", handler: reset },
    { method: "PATCH", path: "/pats/:id/secret/reset", who: u, change: "pat.reset", handler: reset },
  ];
}
