// Whom a share or unshare names, checked the same way for the HTTP API (POST .../share|unshare)
// and `neo shell dashboard share|unshare`: every member of the domain and/or named users,
// each an existing user (sharing names users by name; registry/user-leftovers.ts takes a
// deleted user's name out of every share).
import { badRequest } from "./errors.ts";

export interface ShareChange {
  members: boolean;
  users: string[];
}

/** {members, users} as given (JSON or CLI flags), or a 400 naming what is wrong */
export function checkShare(
  b: { members?: unknown; users?: unknown },
  userExists: (name: string) => boolean,
): ShareChange {
  const members = b.members ?? false;
  if (typeof members !== "boolean") throw badRequest("invalid_share", "members must be true or false");
  const users = b.users ?? [];
  if (!Array.isArray(users) || users.length > 256 || users.some((u) => typeof u !== "string" || u === ""))
    throw badRequest("invalid_share", "users must be an array of user names");
  if (!members && users.length === 0)
    throw badRequest(
      "invalid_share",
      'name whom: {"members":true} (every member of the domain) and/or {"users":[...]}',
    );
  for (const u of users as string[])
    if (!userExists(u)) throw badRequest("unknown_user", `there is no user ${JSON.stringify(u)}`);
  return { members, users: users as string[] };
}
