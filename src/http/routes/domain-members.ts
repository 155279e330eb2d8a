// SuperMQ's role manager for a domain (pkg/roles/rolemanager/api/router.go), with neo's two
// fixed roles `admin` and `member` (lib/domain-roles.ts; role id = role name):
//   GET  /domains/<d>/roles                          {total,offset,limit,roles}
//   GET  /domains/<d>/roles/<role>                    the role;  .../actions  {"actions"}
//   GET  /domains/<d>/roles/members                   {total,offset,limit,members:[{member_id,roles}]}
//   GET  /domains/<d>/roles/<role>/members            {total,offset,limit,members:[ids]}
//   POST /domains/<d>/roles/<role>/members {"members":[user ids or names]}   200 {"members"}
//        (a member of another role moves to this one: a user has one role per domain)
//   POST /domains/<d>/roles/<role>/members/delete {"members"}, .../delete-all   204
//   GET  /domains/roles/available-actions             {"available_actions"}
// Reading needs `domains:read` in the domain, changing `domains:members`; <d> is its id or route.
import { badRequest, notFound } from "../../lib/errors.ts";
import { DOMAIN_ROLE_SCOPES, DOMAIN_ROLES, checkRole, type DomainRole } from "../../lib/domain-roles.ts";
import { jsonResponse } from "../../lib/http/respond.ts";
import { principalName, type DomainMember, type DomainMembers, type Invitations } from "../../auth/index.ts";
import { API_SESSION, type RouteContext, type RouteSpec } from "../route.ts";
import { readJson } from "./domains.ts";

/** what the membership routes need (app wires the registry in) */
export interface MembershipStore {
  /** a domain by id or route */
  domain(idOrRoute: string): { id: string; name: string; createdBy: string; createdAt: number } | null;
  /** a user by id or name */
  user(idOrName: string): { id: string; name: string } | null;
  members: Pick<DomainMembers, "set" | "remove" | "removeAll" | "list" | "roleOf">;
  invitations: Invitations;
  /** Auth.InvitationDuration now */
  invitationTtlMs(): number;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** the actions of a role: its scopes' operations, SuperMQ's word for them */
export const actionsOf = (role: DomainRole) => DOMAIN_ROLE_SCOPES[role].map((s) => s.split(":").slice(0, 2).join(":"));

export const pageOf = (c: RouteContext) => {
  const q = c.url.searchParams;
  const int = (k: string, dflt: number, max: number) => {
    const v = q.get(k);
    if (v === null) return dflt;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0 || n > max) throw badRequest("invalid_query", `${k} must be 0..${max}`);
    return n;
  };
  return { offset: int("offset", 0, 1_000_000), limit: Math.max(1, int("limit", 10, 100)) };
};

/** the path's domain, with the question asked in it before anyone learns whether it exists */
export function domainFor(
  store: MembershipStore,
  c: RouteContext,
  op: "domains:read" | "domains:members",
  given = c.params.id ?? "",
) {
  const d = store.domain(given);
  c.need(op, d?.id ?? given, d?.id ?? given.toLowerCase());
  if (!d) throw notFound("domain_not_found", `domain ${JSON.stringify(given)} not found`);
  return d;
}

/** a body's list of user ids or names, each an existing user */
function usersOf(store: MembershipStore, v: unknown): { id: string; name: string }[] {
  if (!Array.isArray(v) || v.length === 0 || v.length > 1000 || v.some((x) => typeof x !== "string"))
    throw badRequest("invalid_members", "members must be an array of 1 to 1000 user ids");
  return (v as string[]).map((s) => {
    const u = store.user(s);
    if (!u) throw notFound("user_not_found", `no user ${JSON.stringify(s)}`);
    return u;
  });
}

const memberJson = (m: DomainMember) => ({
  member_id: m.userId,
  member_name: m.name,
  roles: [{ role_id: m.role, role_name: m.role, actions: actionsOf(m.role), access_type: "direct" }],
});

export function domainMemberRoutes(store: MembershipStore): RouteSpec[] {
  const roleJson = (d: { id: string; createdBy: string; createdAt: number }, role: DomainRole) => ({
    id: role,
    name: role,
    entity_id: d.id,
    created_by: d.createdBy,
    created_at: iso(d.createdAt),
  });
  const roleOf = (c: RouteContext) => {
    const r = c.params.role ?? "";
    try {
      return checkRole(r);
    } catch {
      throw notFound("role_not_found", `no role ${JSON.stringify(r)}: neo's roles are ${DOMAIN_ROLES.join(", ")}`);
    }
  };
  const at = (tail: string) => `/domains/:id/roles${tail}`;
  return [
    {
      method: "GET",
      path: "/domains/roles/available-actions",
      who: API_SESSION,
      handler: () => jsonResponse({ available_actions: [...new Set(DOMAIN_ROLES.flatMap((r) => actionsOf(r)))] }),
    },
    {
      method: "GET",
      path: at(""),
      who: API_SESSION,
      handler: (_, c) => {
        const d = domainFor(store, c, "domains:read");
        const { offset, limit } = pageOf(c);
        const roles = DOMAIN_ROLES.map((r) => roleJson(d, r)).slice(offset, offset + limit);
        return jsonResponse({ total: DOMAIN_ROLES.length, offset, limit, roles });
      },
    },
    {
      method: "GET",
      path: at("/members"),
      who: API_SESSION,
      handler: (_, c) => {
        const d = domainFor(store, c, "domains:read");
        const { offset, limit } = pageOf(c);
        const page = store.members.list(d.id, { offset, limit });
        return jsonResponse({ total: page.total, offset, limit, members: page.members.map(memberJson) });
      },
    },
    {
      method: "GET",
      path: at("/:role"),
      who: API_SESSION,
      handler: (_, c) => jsonResponse(roleJson(domainFor(store, c, "domains:read"), roleOf(c))),
    },
    {
      method: "GET",
      path: at("/:role/actions"),
      who: API_SESSION,
      handler: (_, c) => {
        domainFor(store, c, "domains:read");
        return jsonResponse({ actions: actionsOf(roleOf(c)) });
      },
    },
    {
      method: "GET",
      path: at("/:role/members"),
      who: API_SESSION,
      handler: (_, c) => {
        const d = domainFor(store, c, "domains:read");
        const { offset, limit } = pageOf(c);
        const page = store.members.list(d.id, { role: roleOf(c), offset, limit });
        return jsonResponse({ total: page.total, offset, limit, members: page.members.map((m) => m.userId) });
      },
    },
    {
      method: "POST",
      path: at("/:role/members"),
      who: API_SESSION,
      change: "domain.member.add",
      handler: async (req, c) => {
        const d = domainFor(store, c, "domains:members");
        const role = roleOf(c);
        const users = usersOf(store, (await readJson(req)).members);
        const by = c.principal ? principalName(c.principal) : "";
        for (const u of users) store.members.set(d.id, u.id, role, by);
        c.changed = { target: d.id, detail: { role, members: users.map((u) => u.name) } };
        return jsonResponse({ members: users.map((u) => u.id) });
      },
    },
    {
      method: "POST",
      path: at("/:role/members/delete"),
      who: API_SESSION,
      change: "domain.member.remove",
      handler: async (req, c) => {
        const d = domainFor(store, c, "domains:members");
        const role = roleOf(c);
        const users = usersOf(store, (await readJson(req)).members);
        for (const u of users) if (store.members.roleOf(d.id, u.id) === role) store.members.remove(d.id, u.id);
        c.changed = { target: d.id, detail: { role, members: users.map((u) => u.name) } };
        return new Response(null, { status: 204 });
      },
    },
    {
      method: "POST",
      path: at("/:role/members/delete-all"),
      who: API_SESSION,
      change: "domain.member.remove",
      handler: (_, c) => {
        const d = domainFor(store, c, "domains:members");
        const role = roleOf(c);
        const n = store.members.removeAll(d.id, role);
        c.changed = { target: d.id, detail: { role, removed: n } };
        return new Response(null, { status: 204 });
      },
    },
  ];
}
