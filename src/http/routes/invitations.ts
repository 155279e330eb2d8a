// SuperMQ's invitations (domains/api/http/transport.go): a domain admin invites a user with
// a role, the invitee accepts (joins with that role) or rejects, an admin lists and deletes.
//   POST   /domains/<d>/invitations {"invitee_user_id","role_id"|"role_name","resend"?}  201 + invitation
//   GET    /domains/<d>/invitations[?offset&limit&invitee_user_id&invited_by&role_id&state]
//   DELETE /domains/<d>/invitations {"user_id"}                                   204
//   and the older invitations service's POST /invitations {"user_id","domain_id","relation"},
//   GET|DELETE /invitations/<user>/<domain>
//   GET    /invitations[?domain_id&state&...]    the caller's own               {total,offset,limit,invitations}
//   POST   /invitations/accept {"domain_id"}, /invitations/reject {"domain_id"}  204
// The domain's routes need `domains:members` there (the invitee deletes its own without);
// the caller's own are a person's (access key or web session: a PAT or a key gets 403).
// An invitation expires after Auth.InvitationDuration (SuperMQ's 168 h): `state` "expired".
import { badRequest, forbidden, notFound } from "../../lib/errors.ts";
import { checkRole } from "../../lib/domain-roles.ts";
import { jsonResponse } from "../../lib/http/respond.ts";
import {
  INVITATION_STATES,
  principalName,
  type Invitation,
  type InvitationFilter,
  type InvitationState,
} from "../../auth/index.ts";
import { API_SESSION, PERSON, type RouteContext, type RouteSpec } from "../route.ts";
import { actionsOf, domainFor, type MembershipStore, pageOf } from "./domain-members.ts";
import { readJson } from "./domains.ts";

const iso = (ms: number | null) => (ms === null ? undefined : new Date(ms).toISOString());

const str = (b: Record<string, unknown>, k: string) => {
  const v = b[k];
  if (v !== undefined && typeof v !== "string") throw badRequest("invalid_invitation", `${k} must be a string`);
  return v as string | undefined;
};

export function invitationRoutes(store: MembershipStore): RouteSpec[] {
  const json = (i: Invitation) => ({
    invited_by: i.invitedBy,
    invitee_user_id: i.userId,
    invitee_name: i.userName,
    domain_id: i.domainId,
    domain_name: store.domain(i.domainId)?.name ?? "",
    role_id: i.role,
    role_name: i.role,
    actions: actionsOf(i.role),
    created_at: iso(i.createdAt),
    updated_at: iso(i.updatedAt),
    confirmed_at: iso(i.confirmedAt),
    rejected_at: iso(i.rejectedAt),
    expires_at: iso(i.expiresAt),
    state: i.state,
  });
  /** the filters SuperMQ's list takes from the query */
  const filterOf = (c: RouteContext): InvitationFilter => {
    const q = c.url.searchParams;
    const s = q.get("state");
    if (s !== null && s !== "all" && !INVITATION_STATES.includes(s as InvitationState))
      throw badRequest("invalid_query", `state must be all, ${INVITATION_STATES.join(", ")}`);
    const invitee = q.get("invitee_user_id") ?? q.get("user_id");
    const role = q.get("role_id") ?? q.get("role_name");
    return {
      ...pageOf(c),
      ...(s !== null && s !== "all" ? { state: s as InvitationState } : {}),
      ...(invitee ? { userId: store.user(invitee)?.id ?? invitee } : {}),
      ...(q.get("invited_by") ? { invitedBy: q.get("invited_by")! } : {}),
      ...(role ? { role: checkRole(role) } : {}),
    };
  };
  const page = (f: InvitationFilter) => {
    const r = store.invitations.list(f);
    return jsonResponse({ total: r.total, offset: f.offset, limit: f.limit, invitations: r.invitations.map(json) });
  };
  /** the calling user (only people have invitations) */
  const me = (c: RouteContext) => {
    const u = c.principal?.kind === "user" ? store.user(principalName(c.principal)) : null;
    if (!u) throw forbidden("not_a_user", "only a user has invitations");
    return u;
  };
  /** a domain admin invites a user with a role (SuperMQ's `relation` "administrator" is admin) */
  const send = (c: RouteContext, d: { id: string }, b: Record<string, unknown>) => {
    const invitee = str(b, "invitee_user_id") ?? str(b, "user_id");
    const given = str(b, "role_id") ?? str(b, "role_name") ?? str(b, "relation");
    if (!invitee || !given) throw badRequest("missing_id", "invitee_user_id and role_id are required");
    if (b.resend !== undefined && typeof b.resend !== "boolean")
      throw badRequest("invalid_invitation", "resend must be true or false");
    const u = store.user(invitee);
    if (!u) throw notFound("user_not_found", `no user ${JSON.stringify(invitee)}`);
    const inv = store.invitations.send({
      domainId: d.id,
      userId: u.id,
      role: given === "administrator" ? "admin" : given,
      by: c.principal ? principalName(c.principal) : "",
      ttlMs: store.invitationTtlMs(),
      resend: b.resend === true,
    });
    c.changed = { target: d.id, detail: { user: u.name, role: inv.role } };
    return jsonResponse(json(inv), 201);
  };
  /** the invitee itself may see and delete its invitation; anyone else needs domains:members there */
  const invitationOf = (c: RouteContext, domain: string, invitee: string | undefined) => {
    if (!invitee) throw badRequest("missing_id", "missing user_id");
    const u = store.user(invitee);
    const self = u !== null && c.principal?.kind === "user" && principalName(c.principal) === u.name;
    return { u, d: self ? store.domain(domain) : domainFor(store, c, "domains:members", domain) };
  };
  const remove = (c: RouteContext, domain: string, invitee: string | undefined) => {
    const { d, u } = invitationOf(c, domain, invitee);
    if (!d || !u || !store.invitations.delete(d.id, u.id))
      throw notFound("invitation_not_found", `no invitation of ${JSON.stringify(invitee)} to this domain`);
    c.changed = { target: d.id, detail: { user: u.name } };
    return new Response(null, { status: 204 });
  };
  /** the body's domain_id (an id or route) of one of the caller's invitations */
  const answer = (to: "accept" | "reject"): RouteSpec => ({
    method: "POST",
    path: `/invitations/${to}`,
    who: PERSON,
    change: `invitation.${to}`,
    handler: async (req, c) => {
      const u = me(c);
      const given = str(await readJson(req), "domain_id");
      if (!given) throw badRequest("missing_domain_id", "missing domain_id");
      const d = store.domain(given);
      if (!d) throw notFound("invitation_not_found", `no invitation to domain ${JSON.stringify(given)}`);
      const inv = to === "accept" ? store.invitations.accept(d.id, u.id) : store.invitations.reject(d.id, u.id);
      c.changed = { target: d.id, detail: { user: u.name, role: inv.role } };
      return new Response(null, { status: 204 });
    },
  });
  return [
    {
      method: "POST",
      path: "/domains/:id/invitations",
      who: API_SESSION,
      change: "invitation.send",
      handler: async (req, c) => send(c, domainFor(store, c, "domains:members"), await readJson(req)),
    },
    {
      // the invitations service before SuperMQ merged it into domains: {"user_id","domain_id","relation"}
      method: "POST",
      path: "/invitations",
      who: API_SESSION,
      change: "invitation.send",
      handler: async (req, c) => {
        const b = await readJson(req);
        const given = str(b, "domain_id");
        if (!given) throw badRequest("missing_domain_id", "missing domain_id");
        return send(c, domainFor(store, c, "domains:members", given), b);
      },
    },
    {
      method: "GET",
      path: "/domains/:id/invitations",
      who: API_SESSION,
      handler: (_, c) => {
        const d = domainFor(store, c, "domains:members");
        return page({ ...filterOf(c), domainId: d.id });
      },
    },
    {
      method: "DELETE",
      path: "/domains/:id/invitations",
      who: API_SESSION,
      change: "invitation.delete",
      handler: async (req, c) => remove(c, c.params.id ?? "", str(await readJson(req), "user_id")),
    },
    {
      method: "DELETE",
      path: "/invitations/:user/:domain",
      who: API_SESSION,
      change: "invitation.delete",
      handler: (_, c) => remove(c, c.params.domain ?? "", c.params.user),
    },
    {
      method: "GET",
      path: "/invitations/:user/:domain",
      who: API_SESSION,
      handler: (_, c) => {
        const { d, u } = invitationOf(c, c.params.domain ?? "", c.params.user);
        const inv = d && u ? store.invitations.get(d.id, u.id) : null;
        if (!inv) throw notFound("invitation_not_found", "no such invitation");
        return jsonResponse(json(inv));
      },
    },
    {
      method: "GET",
      path: "/invitations",
      who: PERSON,
      handler: (_, c) => {
        const u = me(c);
        const f = filterOf(c);
        const given = c.url.searchParams.get("domain_id");
        const d = given ? store.domain(given) : null;
        return page({ ...f, userId: u.id, ...(given ? { domainId: d?.id ?? given } : {}) });
      },
    },
    answer("accept"),
    answer("reject"),
  ];
}
