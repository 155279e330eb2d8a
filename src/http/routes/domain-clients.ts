// SuperMQ's clients under a domain (clients/api/http/transport.go): a SuperMQ client IS a
// neo key living in that domain (token + certificate, `neo shell key list` shows it).
//   POST   /<domain>/clients {"name","tags","metadata","status"}   201 + client (the secret once)
//   GET    /<domain>/clients                                       {total,offset,limit,clients}
//   GET    /<domain>/clients/<id>                                  200
//   PATCH  /<domain>/clients/<id> {"name","metadata"}, .../tags {"tags"}   200
//   PATCH  /<domain>/clients/<id>/secret                          200 + client with a new secret
//   POST   /<domain>/clients/<id>/enable|disable                   200 + client
//   DELETE /<domain>/clients/<id>                                  204
// <domain> is the domain's id (or route). The decision is authorize() with the domain as
// its `domain`: keys:create:* (PAT clients create), keys:list:<id> (read/list),
// keys:rotate:<id> (update), keys:revoke:<id> (enable/disable), keys:delete:<id>.
import { badRequest, conflict, forbidden, notFound } from "../../lib/errors.ts";
import { jsonResponse } from "../../lib/http/respond.ts";
import type { ClientProfile } from "../../auth/index.ts";
import { API, type RouteContext, type RouteSpec } from "../route.ts";
import { readJson } from "./domains.ts";

export interface DomainClientStore {
  /** a domain by id or route */
  domain(idOrRoute: string): { id: string; status: string } | null;
  /** a new key in the domain (no scopes: rights come from channel connections); its token once */
  create(o: {
    id: string;
    domainId: string;
    name: string;
    tags: string[];
    metadata: Record<string, unknown>;
    disabled: boolean;
  }): Promise<{ token: string }>;
  list(domainId: string): ClientProfile[];
  get(id: string): ClientProfile | null;
  update(id: string, p: { name?: string; tags?: string[]; metadata?: Record<string, unknown> }): ClientProfile;
  setDisabled(id: string, disabled: boolean): ClientProfile;
  /** a new secret (and certificate): the old one is dead at once */
  rotate(id: string): Promise<{ token: string }>;
  delete(id: string): void;
}

const iso = (ms: number) => new Date(ms).toISOString();
const clientJson = (p: ClientProfile, secret?: string) => ({
  id: p.id,
  name: p.name,
  tags: p.tags,
  domain_id: p.domainId,
  credentials: { identity: p.id, ...(secret ? { secret } : {}) },
  metadata: p.metadata,
  status: p.disabled ? "disabled" : "enabled",
  created_at: iso(p.createdAt),
  ...(p.updatedAt !== null ? { updated_at: iso(p.updatedAt) } : {}),
});

const strings = (v: unknown, what: string) => {
  if (!Array.isArray(v) || v.some((t) => typeof t !== "string") || v.length > 256)
    throw badRequest("invalid_client", `${what} must be an array of strings`);
  return v as string[];
};
const object = (v: unknown) => {
  if (typeof v !== "object" || v === null || Array.isArray(v))
    throw badRequest("invalid_client", "metadata must be an object");
  return v as Record<string, unknown>;
};

export function domainClientRoutes(store: DomainClientStore): RouteSpec[] {
  /** the path's domain; changes need it enabled */
  const domainOf = (c: RouteContext, change: boolean) => {
    const d = store.domain(c.params.domain ?? "");
    if (!d) throw notFound("domain_not_found", `domain ${JSON.stringify(c.params.domain)} not found`);
    if (change && d.status !== "enabled") throw forbidden("domain_disabled", `domain ${d.id} is ${d.status}`);
    return d.id;
  };
  /** the client, in this domain (another domain's id is not found here) */
  const clientOf = (c: RouteContext, domain: string) => {
    const p = store.get(c.params.id ?? "");
    if (!p || p.domainId !== domain)
      throw notFound("client_not_found", `client ${JSON.stringify(c.params.id)} not found`);
    return p;
  };
  const at = (path: string) => `/:domain/clients${path}`;
  const status = (op: "enable" | "disable"): RouteSpec => ({
    method: "POST",
    path: at(`/:id/${op}`),
    who: API,
    change: `client.${op}`,
    handler: (_, c) => {
      const d = domainOf(c, true);
      c.need("keys:revoke", c.params.id ?? "", d);
      const p = clientOf(c, d);
      return jsonResponse(clientJson(store.setDisabled(p.id, op === "disable")));
    },
  });
  return [
    {
      method: "POST",
      path: at(""),
      who: API,
      change: "client.create",
      handler: async (req, c) => {
        const d = domainOf(c, true);
        c.need("keys:create", "*", d);
        const b = await readJson(req);
        if (b.name !== undefined && typeof b.name !== "string")
          throw badRequest("invalid_client", "name must be a string");
        const status = b.status ?? "enabled";
        if (status !== "enabled" && status !== "disabled")
          throw badRequest("invalid_client", 'status must be "enabled" or "disabled"');
        const cred = (b.credentials ?? {}) as Record<string, unknown>;
        if (cred.secret !== undefined)
          throw badRequest(
            "invalid_client",
            "neo makes the secret itself (256 random bits): leave credentials.secret out",
          );
        const id = typeof b.id === "string" ? b.id : crypto.randomUUID();
        if (store.get(id)) throw conflict("client_exists", `client ${id} already exists`);
        const { token } = await store.create({
          id,
          domainId: d,
          name: (b.name as string | undefined) ?? "",
          tags: b.tags === undefined ? [] : strings(b.tags, "tags"),
          metadata: b.metadata === undefined ? {} : object(b.metadata),
          disabled: status === "disabled",
        });
        c.changed = { target: id, detail: { domain: d } };
        return jsonResponse(clientJson(store.get(id)!, token), 201);
      },
    },
    {
      method: "GET",
      path: at(""),
      who: API,
      handler: (_, c) => {
        const d = domainOf(c, false);
        const q = c.url.searchParams;
        const offset = Math.max(0, Number(q.get("offset") ?? 0) || 0);
        const limit = Math.min(100, Math.max(1, Number(q.get("limit") ?? 10) || 10));
        const mine = store.list(d).filter((p) => c.may("keys:list", p.id, d));
        if (mine.length === 0) c.need("keys:list", "*", d); // nothing visible: say why (403) unless allowed
        const page = mine.slice(offset, offset + limit).map((p) => clientJson(p));
        return jsonResponse({ total: mine.length, offset, limit, clients: page });
      },
    },
    {
      method: "GET",
      path: at("/:id"),
      who: API,
      handler: (_, c) => {
        const d = domainOf(c, false);
        c.need("keys:list", c.params.id ?? "", d);
        return jsonResponse(clientJson(clientOf(c, d)));
      },
    },
    ...(["", "/tags"] as const).map(
      (tail): RouteSpec => ({
        method: "PATCH",
        path: at(`/:id${tail}`),
        who: API,
        change: "client.update",
        handler: async (req, c) => {
          const d = domainOf(c, true);
          c.need("keys:rotate", c.params.id ?? "", d);
          const p = clientOf(c, d);
          const b = await readJson(req);
          if (b.name !== undefined && typeof b.name !== "string")
            throw badRequest("invalid_client", "name must be a string");
          const patch = {
            ...(typeof b.name === "string" ? { name: b.name } : {}),
            ...(b.tags !== undefined ? { tags: strings(b.tags, "tags") } : {}),
            ...(b.metadata !== undefined ? { metadata: object(b.metadata) } : {}),
          };
          return jsonResponse(clientJson(store.update(p.id, patch)));
        },
      }),
    ),
    {
      method: "PATCH",
      path: at("/:id/secret"),
      who: API,
      change: "client.rotate",
      handler: async (req, c) => {
        const d = domainOf(c, true);
        c.need("keys:rotate", c.params.id ?? "", d);
        const p = clientOf(c, d);
        const b = req.headers.get("content-length") === "0" || !req.body ? {} : await readJson(req);
        if (b.secret !== undefined)
          throw badRequest("invalid_client", "neo makes the secret itself (256 random bits): send no secret");
        const { token } = await store.rotate(p.id);
        return jsonResponse(clientJson(store.get(p.id)!, token));
      },
    },
    status("enable"),
    status("disable"),
    {
      method: "DELETE",
      path: at("/:id"),
      who: API,
      change: "client.delete",
      handler: (_, c) => {
        const d = domainOf(c, true);
        c.need("keys:delete", c.params.id ?? "", d);
        store.delete(clientOf(c, d).id);
        return new Response(null, { status: 204 });
      },
    },
  ];
}
