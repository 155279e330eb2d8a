// Which SuperMQ domains a principal may learn exist. A domain it may not see answers as one
// that does not exist, on every surface that names domains (/<domain>/... routes): a caller
// learns nothing of domains it is not in.
//   a key or anonymous caller   its own domain (the default one when it names none)
//   a user (a PAT: its owner)   the default domain, a domain it has a role in, any domain its
//                               own scopes let it read (domains:read: a global operator);
//                               a user without role facts is bound by its scopes alone
import { DEFAULT_DOMAIN_ID } from "../lib/domain-id.ts";
import { authorize, type Principal } from "./authorize.ts";

/** may `p` learn that domain `id` exists (it may still be refused what it asks there) */
export function seesDomain(p: Principal, id: string): boolean {
  if (p.kind !== "user") return id === (p.domain ?? DEFAULT_DOMAIN_ID);
  const owner = p.within ?? p;
  if (id === DEFAULT_DOMAIN_ID || !owner.roles || owner.roles.has(id)) return true;
  return knowsAll(p, id);
}

/** a global operator: may read domain `id` by its own scopes (a role does not make one) */
export const knowsAll = (p: Principal, id: string): boolean => authorize(p, "domains:read", id, id).allow;
