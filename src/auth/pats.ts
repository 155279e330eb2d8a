// A PAT as a credential: `Authorization: Bearer pat_...` over HTTP, or the MQTT password
// with username = the owner's user name. The principal is the PAT's scopes (mapped from
// SuperMQ's shape) acting within its owner's rights (authorize checks both).
import { makePrincipal } from "./authorize.ts";
import { type Identity, refusal, userPrincipalId } from "./credential.ts";
import { patScopes } from "./pat-scopes.ts";
import { type RolesOf, userPrincipal } from "./people.ts";
import type { Pats, Users } from "../registry/index.ts";

export function createPatAuth(deps: { users: Users; pats: Pats; rolesOf?: RolesOf }) {
  const { users, pats } = deps;
  return {
    looksLike: (s: string) => s.startsWith("pat_"),
    /** who a PAT secret is; `username`, when given (MQTT), must be its owner's name */
    identify(secret: string, username?: string): Identity {
      const c = pats.check(secret);
      const owner = c.pat ? users.getById(c.pat.userId) : null;
      const claimed = owner ? userPrincipalId(owner.name) : undefined;
      if (!c.ok) {
        const why = c.reason === "invalid" ? "invalid token" : c.reason === "revoked" ? "PAT revoked" : "PAT expired";
        return refusal(c.reason === "invalid" ? "guess" : c.reason, "pat", `token refused: ${why}`, claimed);
      }
      if (!owner) return refusal("revoked", "pat", "token refused: its owner is gone");
      if (username !== undefined && username !== owner.name)
        return refusal("mismatch", "pat", `username "${username}" is not the owner of this PAT`, claimed);
      pats.touch(c.pat.id);
      const scopes = patScopes(pats.scopes(c.pat.id));
      return {
        ok: true,
        principal: {
          ...makePrincipal(userPrincipalId(owner.name), "user", scopes),
          within: userPrincipal(owner, deps.rolesOf),
          // the PAT and its version: revoke, reset, delete or any change ends live sessions
          ref: { kind: "pat", id: c.pat.id, user: owner.name, generation: c.pat.updatedAt },
          expiresAt: c.pat.expiresAt ?? Number.POSITIVE_INFINITY,
        },
      };
    },
  };
}

export type PatAuth = ReturnType<typeof createPatAuth>;
