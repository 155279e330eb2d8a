// People: login keys (access + refresh, SuperMQ's shape), web UI sessions and recovery
// keys, all from one store (registry user_keys), and the principal a user acts as.
// The password check itself (argon2id, behind the brute-force guard) is the caller's.
import type { DomainRole } from "../lib/domain-roles.ts";
import { SCOPE_TYPES } from "../lib/scopes.ts";
import { type UserKeyInfo, type UserKeys, type UserRecord, type Users, validatePassword } from "../registry/index.ts";
import { makePrincipal, type Principal } from "./authorize.ts";
import { type Identity, refusal, userPrincipalId } from "./credential.ts";
import type { Credentials } from "./identify.ts";
import type { PatAuth } from "./pats.ts";

/** what `admin` may do: every operation of every scope type, on everything */
export const ADMIN_SCOPES: readonly string[] = Object.entries(SCOPE_TYPES).flatMap(([type, ops]) =>
  (ops as readonly string[]).flatMap((op) =>
    type === "topics"
      ? [`${type}:${op}:#`, ...(op === "subscribe" ? ["topics:subscribe:$SYS/#"] : [])]
      : [`${type}:${op}:*`],
  ),
);

const RECOVERY_TTL_MS = 15 * 60_000;
export const SESSION_TTL_MS = 60 * 60_000;

export interface PeopleDeps {
  users: Users;
  keys: UserKeys;
  /** read per call: a reload may change them */
  accessTtlMs: () => number;
  refreshTtlMs: () => number;
  sessionTtlMs?: number;
  now?: () => number;
  rolesOf?: RolesOf;
}

export interface UserIdentity {
  user: UserRecord;
  principal: Principal;
  key: UserKeyInfo;
}

export type KeyFailure = { ok: false; status: 401; reason: string };

export interface LoginKeys {
  access_token: string;
  refresh_token: string;
  access_expires_at: string;
  refresh_expires_at: string;
}

/** a user's role in each domain it is a member of (registry DomainMembers.rolesOf), read now */
export type RolesOf = (userId: string) => ReadonlyMap<string, DomainRole>;

/**
 * a user as a principal (`user:<name>`, never a key's id): the ADMIN role holds every scope;
 * with `rolesOf`, its domain roles as they are now (authorize() decides by them outside the
 * default domain)
 */
export function userPrincipal(u: UserRecord, rolesOf?: RolesOf): Principal {
  const p = makePrincipal(userPrincipalId(u.name), "user", u.role === "admin" ? ADMIN_SCOPES : u.scopes);
  return rolesOf ? { ...p, roles: rolesOf(u.id) } : p;
}

export function createPeople(deps: PeopleDeps) {
  const { users, keys } = deps;
  const now = deps.now ?? Date.now;
  const sessionTtl = deps.sessionTtlMs ?? SESSION_TTL_MS;
  const fail = (reason: string): KeyFailure => ({ ok: false, status: 401, reason });

  function pair(u: UserRecord, family?: string): LoginKeys {
    const refresh = keys.issue(u.id, "refresh", deps.refreshTtlMs(), {
      stamp: u.updatedAt,
      ...(family ? { family } : {}),
    });
    const access = keys.issue(u.id, "access", deps.accessTtlMs(), { stamp: u.updatedAt, family: refresh.key.family });
    return {
      access_token: access.token,
      refresh_token: refresh.token,
      access_expires_at: new Date(access.key.expiresAt).toISOString(),
      refresh_expires_at: new Date(refresh.key.expiresAt).toISOString(),
    };
  }

  /** the user behind a key, if the key is live and the user's password has not changed since */
  function owner(key: UserKeyInfo): UserRecord | null {
    const u = users.getById(key.userId);
    return u && u.updatedAt === key.stamp ? u : null;
  }

  return {
    /** after a correct password: a fresh access + refresh pair (a new family) */
    login: (u: UserRecord): LoginKeys => pair(u),

    /**
     * Rotate: the refresh key is used up and a new pair issued in its family. A refresh
     * key presented a second time means it was copied: the whole family is revoked.
     */
    refresh(token: string): { ok: true; keys: LoginKeys; user: UserRecord } | KeyFailure {
      const c = keys.check(token);
      if (!c.ok) {
        // used before (its rotation revoked it): a copy is being replayed
        if (c.key?.kind === "refresh" && c.key.usedAt !== null) {
          keys.revokeFamily(c.key.family);
          return fail("refresh key used twice: every key of this login was revoked");
        }
        return fail(c.reason === "expired" ? "refresh key expired" : "invalid refresh key");
      }
      if (c.key.kind !== "refresh") return fail("not a refresh key");
      const u = owner(c.key);
      if (!u) return fail("invalid refresh key");
      if (!keys.consume(c.key.id)) {
        keys.revokeFamily(c.key.family);
        return fail("refresh key used twice: every key of this login was revoked");
      }
      // the family's older access keys end with the rotation
      keys.revokeFamily(c.key.family);
      return { ok: true, keys: pair(u, c.key.family), user: u };
    },

    /** a web UI session: sliding expiry, same store and checks as access keys */
    startSession(u: UserRecord): string {
      return keys.issue(u.id, "session", sessionTtl, { stamp: u.updatedAt }).token;
    },

    /**
     * Any live key (access, session, ...) and its user, for identify(); a session's expiry
     * slides forward (the caller is using it now).
     */
    check(
      token: string,
    ): ({ ok: true } & UserIdentity) | { ok: false; reason: "invalid" | "expired" | "revoked" | "used"; text: string } {
      const c = keys.check(token);
      if (!c.ok)
        return { ok: false, reason: c.reason, text: c.reason === "expired" ? "key expired" : "invalid or expired key" };
      const u = owner(c.key);
      if (!u) return { ok: false, reason: "revoked", text: "invalid or expired key" };
      if (c.key.kind === "session") keys.extend(c.key, now() + sessionTtl);
      return { ok: true, user: u, principal: userPrincipal(u, deps.rolesOf), key: c.key };
    },

    /** an access key or a web session as a bearer: who it is */
    identify(token: string): ({ ok: true } & UserIdentity) | KeyFailure {
      const c = keys.check(token);
      if (!c.ok) return fail(c.reason === "expired" ? "key expired" : "invalid or expired key");
      if (c.key.kind !== "access" && c.key.kind !== "session") return fail("not an access key");
      const u = owner(c.key);
      if (!u) return fail("invalid or expired key");
      if (c.key.kind === "session") keys.extend(c.key, now() + sessionTtl);
      return { ok: true, user: u, principal: userPrincipal(u, deps.rolesOf), key: c.key };
    },

    looksLike: (token: string) => keys.looksLike(token),
    endSession: (key: UserKeyInfo) => keys.revoke(key.id),

    /** `neo shell user recover <name>`: a one-time key valid 15 minutes */
    recover(u: UserRecord): { token: string; expiresAt: number } {
      keys.revokeUser(u.id, ["recovery"]);
      const k = keys.issue(u.id, "recovery", RECOVERY_TTL_MS, { stamp: u.updatedAt });
      return { token: k.token, expiresAt: k.key.expiresAt };
    },

    /** POST /users/password/reset: the recovery key sets a new password once; every other key ends */
    async resetPassword(token: string, password: string): Promise<{ ok: true; user: UserRecord } | KeyFailure> {
      const c = keys.check(token);
      if (!c.ok || c.key.kind !== "recovery") return fail("invalid or expired recovery key");
      const u = owner(c.key);
      if (!u) return fail("invalid or expired recovery key");
      // validate before using the key up: a too-short password must not waste it
      validatePassword(password);
      if (!keys.consume(c.key.id)) return fail("invalid or expired recovery key");
      await users.setPassword(u.name, password);
      keys.revokeUser(u.id);
      return { ok: true, user: u };
    },
  };
}

export type People = ReturnType<typeof createPeople>;

const KEY_REFUSAL = { expired: "expired", revoked: "revoked", used: "revoked", invalid: "guess" } as const;

/**
 * identify()'s hook for people: a PAT (HTTP bearer, or the MQTT password with username =
 * its owner), a login access key as a token, and a web UI session where the door takes
 * them (`sessions`: the web API's bearer or cookie, the console's MQTT session with
 * username = the user and password = the session). Anything else is not ours
 * (undefined): client tokens go on as before.
 */
export function personIdentify(people: People, pats?: PatAuth): (c: Credentials) => Identity | undefined {
  function byKey(token: string, username: string | undefined, sessions: boolean): Identity {
    const c = people.check(token);
    if (!c.ok) return refusal(KEY_REFUSAL[c.reason], "access_key", `token refused: ${c.text}`);
    const form = c.key.kind === "session" ? "session" : "access_key";
    const id = userPrincipalId(c.user.name);
    if (c.key.kind !== "access" && c.key.kind !== "session")
      return refusal("not_here", form, "token refused: not an access key", id);
    // a web UI session stays in the web UI: scripts use a login access key
    if (c.key.kind === "session" && !sessions)
      return refusal("not_here", "session", "token refused: a web UI session is not an API key", id);
    if (username !== undefined && username !== c.user.name)
      return refusal("mismatch", form, `username "${username}" is not the user of this key`, id);
    const ref = {
      kind: c.key.kind === "session" ? ("session" as const) : ("user" as const),
      user: c.user.name,
      key: c.key.id,
    };
    return { ok: true, principal: { ...c.principal, ref, expiresAt: c.key.expiresAt } };
  }

  return (c) => {
    if (pats) {
      // a PAT: the HTTP bearer, or the MQTT password with username = the owner's name
      if (c.token !== undefined && pats.looksLike(c.token)) return pats.identify(c.token);
      if (c.password !== undefined && pats.looksLike(c.password)) return pats.identify(c.password, c.username);
      if (c.password === undefined && c.username !== undefined && pats.looksLike(c.username))
        return pats.identify(c.username);
    }
    const sessions = c.sessions === true;
    if (c.token !== undefined && people.looksLike(c.token)) return byKey(c.token, undefined, sessions);
    // the console's Live page: username = the web user, password = its session
    if (sessions && c.password !== undefined && people.looksLike(c.password))
      return byKey(c.password, c.username ?? "", sessions);
    if (sessions && c.token === undefined && c.session !== undefined) return byKey(c.session, undefined, sessions);
    return undefined;
  };
}
