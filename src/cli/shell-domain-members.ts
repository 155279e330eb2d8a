// `neo shell domain member add|list|remove|role` and `neo shell domain invite|invitations|
// accept|reject`: SuperMQ domain membership on the data dir directly, server running or not.
// A change commits to registry.db, so a running server re-checks live sessions within a
// second (a removed member's rights in the domain end). The operator acts as "operator";
// accept and reject answer a user's invitation on its behalf (--user).
import { loadConfig } from "../config/index.ts";
import { DOMAIN_ROLES } from "../lib/domain-roles.ts";
import { usageError } from "../lib/errors.ts";
import { setLogLevel } from "../lib/log.ts";
import {
  INVITATION_STATES,
  type Invitation,
  type InvitationState,
  type Membership,
  openDomains,
  openMembership,
} from "../registry/index.ts";
import { auditChange } from "./audit-cli.ts";
import { commonArgs, command } from "./common.ts";
import { formatTime, renderBox } from "./shell-key-format.ts";
import { resolveDataDir } from "./shell-key-io.ts";

const out = (s: string) => process.stdout.write(s);
const BY = "operator";
const domainArg = { type: "positional", required: true, description: "domain id or route" } as const;
const userArg = { type: "positional", required: true, description: "user name or id" } as const;
const roleFlag = { type: "string", description: `role: ${DOMAIN_ROLES.join(" or ")} (default member)` } as const;
const formatFlag = { type: "string", description: "box (default) or json" } as const;

interface Ctx {
  m: Membership;
  domain(idOrRoute: string): { id: string; name: string };
  user(idOrName: string): { id: string; name: string };
}

function withMembership<T>(args: { data?: string; config?: string }, fn: (c: Ctx) => T): T {
  setLogLevel("warn");
  const dir = resolveDataDir(args);
  const domains = openDomains(dir);
  const m = openMembership(dir);
  try {
    return fn({
      m,
      domain(s) {
        const d = domains.resolve(s);
        if (!d) throw usageError(`no domain ${JSON.stringify(s)} (see neo shell domain list)`);
        return d;
      },
      user(s) {
        const u = m.members.user(s);
        if (!u) throw usageError(`no user ${JSON.stringify(s)} (see neo shell user list)`);
        return u;
      },
    });
  } finally {
    m.close();
    domains.close();
  }
}

const checkFormat = (f: string | undefined) => {
  const format = f ?? "box";
  if (format !== "box" && format !== "json")
    throw usageError(`--format must be box or json, got ${JSON.stringify(format)}`);
  return format;
};

const add = command({
  meta: { name: "add", description: "Make a user a member of a domain (or change its role there)" },
  args: { ...commonArgs, domain: domainArg, user: userArg, role: roleFlag },
  run({ args }) {
    const r = withMembership(args, (c) => {
      const d = c.domain(args.domain);
      return { d, m: c.m.members.set(d.id, c.user(args.user).id, args.role ?? "member", BY) };
    });
    auditChange(args, "domain.member.add", r.d.id, { user: r.m.name, role: r.m.role });
    out(`${r.m.name} is ${r.m.role} of domain ${r.d.id}\n`);
  },
});

const role = command({
  meta: { name: "role", description: "Change a member's role in a domain" },
  args: {
    ...commonArgs,
    domain: domainArg,
    user: userArg,
    role: { type: "positional", required: true, description: DOMAIN_ROLES.join(" or ") },
  },
  run({ args }) {
    const r = withMembership(args, (c) => {
      const d = c.domain(args.domain);
      const u = c.user(args.user);
      if (!c.m.members.roleOf(d.id, u.id)) throw usageError(`${u.name} is not a member of domain ${d.id}`);
      return { d, m: c.m.members.set(d.id, u.id, args.role, BY) };
    });
    auditChange(args, "domain.member.add", r.d.id, { user: r.m.name, role: r.m.role });
    out(`${r.m.name} is ${r.m.role} of domain ${r.d.id}\n`);
  },
});

const remove = command({
  meta: { name: "remove", description: "Remove a member from a domain (its rights there end within a second)" },
  args: { ...commonArgs, domain: domainArg, user: userArg },
  run({ args }) {
    const r = withMembership(args, (c) => {
      const d = c.domain(args.domain);
      const u = c.user(args.user);
      if (!c.m.members.remove(d.id, u.id)) throw usageError(`${u.name} is not a member of domain ${d.id}`);
      return { d, u };
    });
    auditChange(args, "domain.member.remove", r.d.id, { user: r.u.name });
    out(`removed ${r.u.name} from domain ${r.d.id}\n`);
  },
});

const list = command({
  meta: { name: "list", description: "List a domain's members and their roles" },
  args: { ...commonArgs, domain: domainArg, format: formatFlag },
  run({ args }) {
    const format = checkFormat(args.format);
    const all = withMembership(args, (c) => c.m.members.list(c.domain(args.domain).id, { limit: 1_000_000 }).members);
    if (format === "json")
      out(
        `${JSON.stringify(
          all.map((m) => ({ member_id: m.userId, member_name: m.name, role: m.role })),
          null,
          2,
        )}\n`,
      );
    else
      out(
        renderBox(
          [
            { title: "USER", min: 10 },
            { title: "ROLE", min: 6 },
            { title: "ADDED BY", min: 8 },
            { title: "SINCE", min: 29 },
          ],
          all.map((m) => [m.name, m.role, m.createdBy || "-", formatTime(m.createdAt)]),
        ),
      );
  },
});

export const member = command({
  meta: { name: "member", description: "Members of a domain and their roles (admin, member)" },
  subCommands: { add, list, remove, role },
});

export const invite = command({
  meta: { name: "invite", description: "Invite a user to a domain with a role (Auth.InvitationDuration, 168h)" },
  args: { ...commonArgs, domain: domainArg, user: userArg, role: roleFlag, resend: { type: "boolean" } },
  run({ args }) {
    const ttlMs = loadConfig({ file: args.config, env: process.env, flags: { data: args.data } }).login
      .invitationDurationMs;
    const inv = withMembership(args, (c) =>
      c.m.invitations.send({
        domainId: c.domain(args.domain).id,
        userId: c.user(args.user).id,
        role: args.role ?? "member",
        by: BY,
        ttlMs,
        resend: args.resend === true,
      }),
    );
    auditChange(args, "invitation.send", inv.domainId, { user: inv.userName, role: inv.role });
    out(`invited ${inv.userName} as ${inv.role} of domain ${inv.domainId} until ${formatTime(inv.expiresAt)}\n`);
  },
});

const invitationJson = (i: Invitation) => ({
  domain_id: i.domainId,
  invitee_user_id: i.userId,
  invitee_name: i.userName,
  role_id: i.role,
  invited_by: i.invitedBy,
  created_at: new Date(i.createdAt).toISOString(),
  expires_at: new Date(i.expiresAt).toISOString(),
  state: i.state,
});

export const invitations = command({
  meta: { name: "invitations", description: "List invitations (of a domain, of a user, in a state)" },
  args: {
    ...commonArgs,
    domain: { type: "positional", required: false, description: "domain id or route (default: every domain)" },
    user: { type: "string", description: "only this invitee's" },
    state: { type: "string", description: INVITATION_STATES.join(", ") },
    format: formatFlag,
  },
  run({ args }) {
    const format = checkFormat(args.format);
    if (args.state !== undefined && !INVITATION_STATES.includes(args.state as InvitationState))
      throw usageError(`--state must be one of ${INVITATION_STATES.join(", ")}`);
    const all = withMembership(args, (c) => {
      const f = {
        limit: 1_000_000,
        ...(args.domain ? { domainId: c.domain(args.domain).id } : {}),
        ...(args.user ? { userId: c.user(args.user).id } : {}),
        ...(args.state ? { state: args.state as InvitationState } : {}),
      };
      return c.m.invitations.list(f).invitations;
    });
    if (format === "json") return void out(`${JSON.stringify(all.map(invitationJson), null, 2)}\n`);
    out(
      renderBox(
        [
          { title: "DOMAIN", min: 36 },
          { title: "USER", min: 10 },
          { title: "ROLE", min: 6 },
          { title: "STATE", min: 8 },
          { title: "EXPIRES", min: 29 },
        ],
        all.map((i) => [i.domainId, i.userName, i.role, i.state, formatTime(i.expiresAt)]),
      ),
    );
  },
});

const answer = (to: "accept" | "reject") =>
  command({
    meta: { name: to, description: `${to === "accept" ? "Accept" : "Reject"} a user's invitation to a domain` },
    args: {
      ...commonArgs,
      domain: domainArg,
      user: { type: "string", required: true, description: "the invitee (user name or id)" },
    },
    run({ args }) {
      const inv = withMembership(args, (c) => {
        const d = c.domain(args.domain).id;
        const u = c.user(args.user).id;
        return to === "accept" ? c.m.invitations.accept(d, u) : c.m.invitations.reject(d, u);
      });
      auditChange(args, `invitation.${to}`, inv.domainId, { user: inv.userName, role: inv.role });
      out(`${inv.userName}'s invitation to domain ${inv.domainId} is ${inv.state}\n`);
    },
  });

export const accept = answer("accept");
export const reject = answer("reject");
