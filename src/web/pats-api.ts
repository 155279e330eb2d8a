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
import { parsePatScopes, type PatScope } from "../auth/index.ts";
import { parseDuration } from "../lib/duration.ts";
import { badRequest, notFound } from "../lib/errors.ts";
import { jsonResponse } from "../lib/http/respond.ts";
import type { AuditLog, PatRecord, Pats } from "../registry/index.ts";
import { type PeopleContext, type PeopleRoute, readJsonBody } from "./people-api.ts";

const MAX_NAME = 254;
const MAX_DESCRIPTION = 1024;

/** 32 hex digits as a UUID (SuperMQ's ids are UUIDs) */
export const asUuid = (hex: string) =>
  /^[0-9a-f]{32}$/.test(hex)
    ? `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
    : hex;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function patJson(p: PatRecord, now: number, secret?: string): Record<string, unknown> {
  const status = p.revoked ? "revoked" : p.expiresAt !== null && now >= p.expiresAt ? "expired" : "active";
  return {
    id: p.id,
    user_id: asUuid(p.userId),
    name: p.name,
    description: p.description,
    ...(secret !== undefined ? { secret } : {}),
    issued_at: iso(p.issuedAt),
    expires_at: iso(p.expiresAt),
    updated_at: iso(p.updatedAt),
    last_used_at: iso(p.lastUsedAt),
    revoked: p.revoked,
    revoked_at: iso(p.revokedAt),
    status,
  };
}

/** absent or null: never expires; anything else must be a duration ("24h", "720h", "30d") */
export function parseTtl(v: unknown): number | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== "string")
    throw badRequest("invalid_duration", 'duration must be a string like "24h", "720h" or "30d"');
  const d = parseDuration(v);
  if (!d.ok) throw badRequest("invalid_duration", d.error);
  return d.ms;
}

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

export function patRoutes(deps: { pats: Pats; audit: Pick<AuditLog, "record">; now?: () => number }): PeopleRoute[] {
  const { pats, audit } = deps;
  const now = deps.now ?? Date.now;
  const owner = (c: PeopleContext) => c.who!.user;
  const changed = (c: PeopleContext, action: string, target: string, detail?: unknown) =>
    audit.record({
      kind: "change",
      action,
      result: "ok",
      method: c.who?.key.kind === "session" ? "session" : "access_key",
      user: owner(c).name,
      address: c.ip,
      listener: c.listener,
      target,
      ...(detail !== undefined ? { detail: JSON.stringify(detail) } : {}),
    });
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

  const u = "user" as const;
  return [
    { method: "POST", path: "/pats", auth: u, handler: create },
    { method: "GET", path: "/pats", auth: u, handler: list },
    { method: "DELETE", path: "/pats", auth: u, handler: removeAll },
    { method: "GET", path: "/pats/:id", auth: u, handler: (_, c) => jsonResponse(patJson(mine(c), now())) },
    { method: "DELETE", path: "/pats/:id", auth: u, handler: remove },
    { method: "PATCH", path: "/pats/:id/name", auth: u, handler: rename("name") },
    { method: "PATCH", path: "/pats/:id/description", auth: u, handler: rename("description") },
    { method: "PATCH", path: "/pats/:id/scope/add", auth: u, handler: addScopes },
    { method: "PATCH", path: "/pats/:id/scope/remove", auth: u, handler: removeScopes },
    { method: "DELETE", path: "/pats/:id/scope", auth: u, handler: clearScopes },
    { method: "GET", path: "/pats/:id/scopes", auth: u, handler: (_, c) => scopesOf(c) },
    { method: "GET", path: "/pats/:id/scope", auth: u, handler: (_, c) => scopesOf(c) },
    { method: "PATCH", path: "/pats/:id/revoke", auth: u, handler: revoke },
    { method: "PATCH", path: "/pats/:id/secret/revoke", auth: u, handler: revoke },
    { method: "PATCH", path: "/pats/:id/reset", auth: u, handler: reset },
    { method: "PATCH", path: "/pats/:id/secret/reset", auth: u, handler: reset },
  ];
}
