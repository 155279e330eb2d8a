// What a deleted user leaves behind in registry.db, dropped in the transaction that deletes
// the user (registry/users.ts remove, the one delete path of `neo shell user del`). Anything
// that names the user and would outlive it must go: a user made later with the same NAME is
// another person and must inherit nothing.
//   by the user's random id: domain memberships, invitations, PATs (and their scopes), login
//     and session keys (a new user gets a new id, so these could not be used again, but they
//     are the old user's and are not kept)
//   by the user's NAME: dashboards it owns (owner `user:<name>`) are deleted, private or
//     shared (nobody inherits them: no "owner" left for a later same-named user to match),
//     and its name is taken out of every dashboard's share list
// The audit trail keeps names on purpose (it is the record of who did what).
import type { Database } from "bun:sqlite";

const tableExists = (db: Database, t: string) =>
  db.query("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?").get(t) !== null;

/** run inside the caller's transaction; a table not made yet (a users-only registry.db) is skipped */
export function dropUserLeftovers(db: Database, user: { id: string; name: string }): void {
  for (const t of ["domain_members", "domain_invitations", "user_keys"])
    if (tableExists(db, t)) db.query(`DELETE FROM ${t} WHERE user_id = ?`).run(user.id);
  if (tableExists(db, "pats")) {
    db.query("DELETE FROM pat_scopes WHERE pat_id IN (SELECT id FROM pats WHERE user_id = ?)").run(user.id);
    db.query("DELETE FROM pats WHERE user_id = ?").run(user.id);
  }
  if (tableExists(db, "dashboards")) {
    db.query("DELETE FROM dashboards WHERE owner = ?").run(`user:${user.name}`);
    db.query(
      `UPDATE dashboards SET share_users = (
         SELECT json_group_array(value) FROM (
           SELECT value FROM json_each(dashboards.share_users) WHERE value <> ?1 ORDER BY value))
       WHERE EXISTS (SELECT 1 FROM json_each(dashboards.share_users) WHERE value = ?1)`,
    ).run(user.name);
  }
}
