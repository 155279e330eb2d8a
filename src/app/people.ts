// The people side of the gateway, opened once and shared: users, their keys (login
// access/refresh, web sessions, recovery) and the login-key service. identify() asks it
// about `nac_`/`nws_` bearers; the web UI and /users/* use it for logins.
import { createPatAuth, createPeople, type PatAuth, type People } from "../auth/index.ts";
import type { NeoConfig } from "../config/index.ts";
import { lazyStore } from "../lib/lazy-store.ts";
import {
  type Membership,
  openMembership,
  openPats,
  openUserKeys,
  openUsers,
  type Pats,
  type UserKeys,
  type Users,
} from "../registry/index.ts";

export interface PeopleStack {
  users: Users;
  keys: UserKeys;
  people: People;
  pats: Pats;
  patAuth: PatAuth;
  /** domain members and invitations: a user's roles go into its principal */
  membership: Membership;
  close(): void;
}

/** `login` is read per login, so a reload's new key lifetimes apply to the next one */
export function openPeople(dataDir: string, login: () => NeoConfig["login"]): PeopleStack {
  // each opens its registry.db connection at its first use: a key's CONNECT needs none of them,
  // so they are not on the first CONNACK's path (bench/RESULTS.md "Session 7: start")
  const users = lazyStore(() => openUsers(dataDir));
  const keys = lazyStore(() => openUserKeys(dataDir));
  const pats = lazyStore(() => openPats(dataDir));
  const membership = lazyStore(() => openMembership(dataDir));
  const rolesOf = (userId: string) => membership.members.rolesOf(userId);
  const people = createPeople({
    rolesOf,
    users,
    keys,
    accessTtlMs: () => login().accessTokenDurationMs,
    refreshTtlMs: () => login().refreshTokenDurationMs,
  });
  return {
    users,
    keys,
    people,
    pats,
    patAuth: createPatAuth({ users, pats, rolesOf }),
    membership,
    close() {
      membership.close();
      pats.close();
      keys.close();
      users.close();
    },
  };
}

/** `neo shell user recover <name>`: a one-time recovery key for that user (null: no such user) */
export function recoverUser(
  dataDir: string,
  login: NeoConfig["login"],
  name: string,
): { user: string; token: string; expiresAt: number } | null {
  const stack = openPeople(dataDir, () => login);
  try {
    const u = stack.users.get(name);
    if (!u) return null;
    const r = stack.people.recover(u);
    return { user: u.name, ...r };
  } finally {
    stack.close();
  }
}
