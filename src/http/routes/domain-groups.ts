// SuperMQ's groups under a domain (groups/api/http/transport.go), and the parent group of a
// channel or client (channels|clients/api/http: POST|DELETE /{id}/parent):
//   POST   /<domain>/groups {"name","description","tags","metadata","status","parent_id"?}  201
//   GET    /<domain>/groups[?name&status&tag]           {total,offset,limit,groups}; .../<id>/children too
//   GET    /<domain>/groups/<id>                        200; PUT|PATCH {"name","description","metadata"} 200
//   PATCH  /<domain>/groups/<id>/tags {"tags"}          200; POST .../enable|disable 200; DELETE 204
//   POST|DELETE /<domain>/groups/<id>/parent {"parent_id"}         204
//   POST|DELETE /<domain>/groups/<id>/children {"children_ids"}    204
//   GET    /<domain>/groups/<id>/members                neo's: {"channels":[...],"clients":[...]}
//   POST|DELETE /<domain>/channels/<id>/parent, /<domain>/clients/<id>/parent {"parent_group_id"} 204
// Decided by authorize() in that domain: groups:create:*, groups:list|read|update|delete:<id>;
// joining a group also needs the member's own update right (channels:update:<ch>,
// keys:rotate:<client>), so no one pulls another's entity under a scope of theirs.
import type { Group, GroupInput, GroupStatus, Operation } from "../../auth/index.ts";
import { groupJson } from "../../auth/index.ts";
import { badRequest } from "../../lib/errors.ts";
import { jsonResponse } from "../../lib/http/respond.ts";
import type { RouteContext, RouteSpec } from "../route.ts";
import {
  apiRoute,
  byOf,
  type DomainLookup,
  domainOf,
  fieldsOf,
  ids,
  inDomain,
  page,
  statusOf,
  strings,
} from "./domain-common.ts";
import { readJson } from "./domains.ts";

type MemberKind = "channel" | "client";

export interface DomainGroupStore extends DomainLookup {
  create(g: GroupInput & { domainId: string; parentId?: string; status?: GroupStatus }, by: string): Group;
  get(id: string): Group | null;
  list(domainId: string): Group[];
  update(id: string, patch: GroupInput, by: string): Group;
  setStatus(id: string, status: GroupStatus, by: string): Group;
  delete(id: string): void;
  setParent(id: string, parentId: string | null, by: string): Group;
  /** the domain a channel or client lives in, or null when there is none */
  entityDomain(kind: MemberKind, id: string): string | null;
  assign(kind: MemberKind, id: string, groupId: string): void;
  unassign(kind: MemberKind, id: string): boolean;
  members(groupId: string): { kind: MemberKind; id: string }[];
}

const NO_CONTENT = () => new Response(null, { status: 204 });
const CODE = "invalid_group";

export function domainGroupRoutes(store: DomainGroupStore): RouteSpec[] {
  const groupOf = (id: string, d: string) => inDomain(store.get(id), d, "group", id);
  /** the path's group in the path's domain, after the caller's right `op` on it */
  const mine = (c: RouteContext, op: Operation, change: boolean) => {
    const d = domainOf(store, c, change);
    c.need(op, c.params.id ?? "", d);
    return groupOf(c.params.id ?? "", d);
  };
  /** the groups the caller may see */
  const visible = (c: RouteContext, d: string, list: Group[]) =>
    list.filter((g) => c.may("groups:list", g.id, d) || c.may("groups:read", g.id, d));
  /** narrowed by SuperMQ's ?name (a part of it), ?status (enabled, disabled, all) and ?tag */
  const narrow = (c: RouteContext, list: Group[]) => {
    const q = c.url.searchParams;
    const name = q.get("name")?.toLowerCase();
    const status = q.get("status") ?? "all";
    const tag = q.get("tag");
    return list.filter(
      (g) =>
        (name === undefined || g.name.toLowerCase().includes(name)) &&
        (status === "all" || g.status === status) &&
        (tag === null || g.tags.includes(tag)),
    );
  };
  const at = (p: string) => `/:domain/groups${p}`;
  const route = apiRoute;
  const update = async (req: Request, c: RouteContext) => {
    const g = mine(c, "groups:update", true);
    const b = await readJson(req);
    return jsonResponse(groupJson(store.update(g.id, fieldsOf(b, CODE, true), byOf(c))));
  };
  const status = (to: GroupStatus) =>
    route(
      "POST",
      at(`/:id/${to === "enabled" ? "enable" : "disable"}`),
      `group.${to === "enabled" ? "enable" : "disable"}`,
      (_, c) => jsonResponse(groupJson(store.setStatus(mine(c, "groups:update", true).id, to, byOf(c)))),
    );
  /** children join or leave `g`: the caller updates both sides */
  const children = async (req: Request, c: RouteContext, join: boolean) => {
    const g = mine(c, "groups:update", true);
    const list = ids((await readJson(req)).children_ids, "children_ids");
    for (const id of list) {
      c.need("groups:update", id, g.domainId);
      const child = groupOf(id, g.domainId);
      if (!join && child.parentId !== g.id) throw badRequest(CODE, `group ${id} is not a child of ${g.id}`);
    }
    for (const id of list) store.setParent(id, join ? g.id : null, byOf(c));
    c.changed = { target: g.id, detail: { children: list } };
    return NO_CONTENT();
  };
  /** a channel or client joins (or leaves) a group: its own update right and the group's */
  const parent = (kind: MemberKind, join: boolean): RouteSpec => {
    const plural = kind === "channel" ? "channels" : "clients";
    const own: Operation = kind === "channel" ? "channels:update" : "keys:rotate";
    return route(
      join ? "POST" : "DELETE",
      `/:domain/${plural}/:id/parent`,
      `${kind}.${join ? "group" : "ungroup"}`,
      async (req, c) => {
        const d = domainOf(store, c, true);
        const id = c.params.id ?? "";
        c.need(own, id, d);
        if (store.entityDomain(kind, id) !== d) inDomain(null, d, kind, id);
        if (!join) {
          store.unassign(kind, id);
          return NO_CONTENT();
        }
        const gid = (await readJson(req)).parent_group_id;
        if (typeof gid !== "string" || gid === "") throw badRequest("invalid_request", "parent_group_id is required");
        c.need("groups:update", gid, d);
        store.assign(kind, id, groupOf(gid, d).id);
        c.changed = { target: id, detail: { group: gid } };
        return NO_CONTENT();
      },
    );
  };
  return [
    route("POST", at(""), "group.create", async (req, c) => {
      const d = domainOf(store, c, true);
      c.need("groups:create", "*", d);
      const b = await readJson(req);
      const parentId = b.parent_id ?? undefined;
      if (parentId !== undefined && typeof parentId !== "string")
        throw badRequest(CODE, "parent_id must be a group id");
      if (parentId) c.need("groups:update", parentId, d);
      if (typeof b.name !== "string" || b.name === "") throw badRequest("missing_name", "missing name");
      const g = store.create(
        {
          ...fieldsOf(b, CODE, true),
          domainId: d,
          status: statusOf(b.status, CODE),
          ...(parentId ? { parentId } : {}),
        },
        byOf(c),
      );
      c.changed = { target: g.id, detail: { domain: d, ...(parentId ? { parent: parentId } : {}) } };
      return jsonResponse(groupJson(g), 201);
    }),
    route("GET", at(""), undefined, (_, c) => {
      const d = domainOf(store, c, false);
      const all = visible(c, d, store.list(d));
      if (all.length === 0) c.need("groups:list", "*", d); // nothing visible: say why (403) unless allowed
      return jsonResponse(page(c, "groups", narrow(c, all), groupJson));
    }),
    route("GET", at("/:id"), undefined, (_, c) => jsonResponse(groupJson(mine(c, "groups:read", false)))),
    route("PUT", at("/:id"), "group.update", update),
    route("PATCH", at("/:id"), "group.update", update),
    route("PATCH", at("/:id/tags"), "group.update", async (req, c) => {
      const g = mine(c, "groups:update", true);
      const tags = strings((await readJson(req)).tags, "tags", CODE);
      return jsonResponse(groupJson(store.update(g.id, { tags }, byOf(c))));
    }),
    status("enabled"),
    status("disabled"),
    route("DELETE", at("/:id"), "group.delete", (_, c) => {
      store.delete(mine(c, "groups:delete", true).id);
      return NO_CONTENT();
    }),
    route("POST", at("/:id/parent"), "group.parent", async (req, c) => {
      const g = mine(c, "groups:update", true);
      const p = (await readJson(req)).parent_id;
      if (typeof p !== "string" || p === "") throw badRequest(CODE, "parent_id is required");
      c.need("groups:update", p, g.domainId);
      store.setParent(g.id, groupOf(p, g.domainId).id, byOf(c));
      return NO_CONTENT();
    }),
    route("DELETE", at("/:id/parent"), "group.parent", (_, c) => {
      store.setParent(mine(c, "groups:update", true).id, null, byOf(c));
      return NO_CONTENT();
    }),
    route("GET", at("/:id/children"), undefined, (_, c) => {
      const g = mine(c, "groups:read", false);
      const kids = store.list(g.domainId).filter((x) => x.parentId === g.id);
      return jsonResponse(page(c, "groups", narrow(c, visible(c, g.domainId, kids)), groupJson));
    }),
    route("POST", at("/:id/children"), "group.children", (req, c) => children(req, c, true)),
    route("DELETE", at("/:id/children"), "group.children", (req, c) => children(req, c, false)),
    route("GET", at("/:id/members"), undefined, (_, c) => {
      const g = mine(c, "groups:read", false);
      const m = store.members(g.id);
      const of = (k: MemberKind) => m.filter((x) => x.kind === k).map((x) => x.id);
      return jsonResponse({ id: g.id, channels: of("channel"), clients: of("client") });
    }),
    parent("channel", true),
    parent("channel", false),
    parent("client", true),
    parent("client", false),
  ];
}
