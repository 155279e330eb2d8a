// A user's role in a SuperMQ domain and what it allows there. SuperMQ's domains hold
// roles made of actions (a built-in `admin` with every action, others made per domain);
// neo has two fixed roles, written as neo scopes that count only inside that domain:
//   admin   everything inside the domain: its clients (keys), channels, their tables and
//           messages, groups and dashboards; the domain itself (read, update, enable,
//           disable) and its members, their roles and invitations (`domains:members`).
//           Not freeze and delete (the operator's), nothing outside the domain.
//   member  read and list: the domain, its members, clients, channels, groups and the
//           dashboards shared with members; read its channels' messages and tables.
// authorize() (auth/authorize.ts) asks a user's role in the domain it decides in.
import { badRequest } from "./errors.ts";
import { SCOPE_TYPES } from "./scopes.ts";

export const DOMAIN_ROLES = ["admin", "member"] as const;
export type DomainRole = (typeof DOMAIN_ROLES)[number];

export const isDomainRole = (s: string): s is DomainRole => (DOMAIN_ROLES as readonly string[]).includes(s);

/** a role name as given (HTTP `role_id`/`role_name`, `--role`): one of DOMAIN_ROLES, else 400 */
export function checkRole(role: string): DomainRole {
  if (!isDomainRole(role))
    throw badRequest("invalid_role", `unknown role ${JSON.stringify(role)}: one of ${DOMAIN_ROLES.join(", ")}`);
  return role;
}

/** the types a domain role speaks about (everything else is asked outside any domain) */
const INSIDE = ["keys", "channels", "tables", "dashboards", "groups"] as const;
const ops = (type: keyof typeof SCOPE_TYPES): readonly string[] => SCOPE_TYPES[type];
const all = (type: keyof typeof SCOPE_TYPES, only?: readonly string[]) =>
  ops(type)
    .filter((op) => !only || only.includes(op))
    .map((op) => `${type}:${op}:*`);

/** the scope texts of each role; target `*` means "anything of this domain" */
export const DOMAIN_ROLE_SCOPES: Readonly<Record<DomainRole, readonly string[]>> = {
  admin: [
    ...INSIDE.flatMap((t) => all(t)),
    ...all("domains", ["list", "read", "update", "enable", "disable", "members"]),
  ],
  member: [
    ...all("domains", ["list", "read"]),
    ...all("keys", ["list"]),
    ...all("channels", ["list", "subscribe"]),
    ...all("tables", ["read"]),
    ...all("dashboards", ["list", "read"]),
    ...all("groups", ["list", "read"]),
  ],
};
