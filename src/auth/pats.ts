// A PAT as a credential: `Authorization: Bearer pat_...` over HTTP, or the MQTT password
// with username = the owner's user name. The principal is the PAT's scopes (mapped from
// SuperMQ's shape) acting within its owner's rights (authorize checks both).
import { makePrincipal, type Principal } from "./authorize.ts";
import type { Identity } from "./identify.ts";
import { neoScopesOf } from "./pat-scopes.ts";
import { userPrincipal } from "./people.ts";
import type { Pats, Users } from "../registry/index.ts";

export function createPatAuth(deps: { users: Users; pats: Pats }) {
  const { users, pats } = deps;
  return {
    looksLike: (s: string) => s.startsWith("pat_"),
    /** who a PAT secret is; `username`, when given (MQTT), must be its owner's name */
    identify(secret: string, username?: string): Identity {
      const c = pats.check(secret);
      if (!c.ok) {
        const why = c.reason === "invalid" ? "invalid token" : c.reason === "revoked" ? "PAT revoked" : "PAT expired";
        return { ok: false, code: "invalid_token", reason: `token refused: ${why}` };
      }
      const owner = users.getById(c.pat.userId);
      if (!owner) return { ok: false, code: "invalid_token", reason: "token refused: invalid token" };
      if (username !== undefined && username !== owner.name)
        return { ok: false, code: "mismatch", reason: `username "${username}" is not the owner of this PAT` };
      pats.touch(c.pat.id);
      const scopes = pats.scopes(c.pat.id).flatMap((s) => neoScopesOf(s));
      const p = makePrincipal(owner.name, "user", scopes);
      return {
        ok: true,
        principal: {
          ...p,
          within: userPrincipal(owner),
          via: "pat",
          expiresAt: c.pat.expiresAt ?? Number.POSITIVE_INFINITY,
          // the PAT and its version: revoke, reset, delete or any change ends live sessions
          fingerprint256: `${c.pat.id}@${c.pat.updatedAt}`,
        },
      };
    },
    /** is the PAT behind a live session still usable (not revoked, reset, deleted, expired)? */
    /** the principal behind a live PAT session as the registry says now (null: it is gone) */
    principalOf(fingerprint: string): Principal | null {
      const p = pats.getAny(fingerprint.split("@")[0] ?? "");
      const owner = p ? users.getById(p.userId) : null;
      if (!p || !owner) return null;
      const scopes = pats.scopes(p.id).flatMap((s) => neoScopesOf(s));
      return { ...makePrincipal(owner.name, "user", scopes), within: userPrincipal(owner) };
    },
    stillValid(fingerprint: string): boolean {
      const [id = "", stamp = ""] = fingerprint.split("@");
      const p = pats.getAny(id);
      return (
        p !== null &&
        !p.revoked &&
        (p.expiresAt === null || Date.now() < p.expiresAt) &&
        String(p.updatedAt) === stamp &&
        users.getById(p.userId) !== null // a deleted owner takes its PATs along
      );
    },
  };
}

export type PatAuth = ReturnType<typeof createPatAuth>;
