// Who is a member of which SuperMQ domain, with which role (lib/domain-roles.ts), in
// registry.db `domain_members`. A user (web_users) has at most one role per domain. Every
// change commits on this connection, so the registry's data_version moves and live
// sessions are re-checked (auth's current() reads rolesOf() again) within a second.
import type { Database } from "bun:sqlite";
import { checkRole, type DomainRole, isDomainRole } from "../lib/domain-roles.ts";
import { notFound } from "../lib/errors.ts";
import { noteLocalWrite, openRegistryDb } from "./db.ts";
import { openInvitations, type Invitations } from "./invitations.ts";
import { openUsers } from "./users.ts";

export interface DomainMember {
  domainId: string;
  userId: string;
  /** the user's name (web_users) */
  name: string;
  role: DomainRole;
  createdBy: string;
  createdAt: number;
}

export interface DomainMembers {
  /** every domain the user is a member of, with the role there */
  rolesOf(userId: string): ReadonlyMap<string, DomainRole>;
  roleOf(domainId: string, userId: string): DomainRole | null;
  /** add the user to the domain, or change its role there */
  set(domainId: string, userId: string, role: string, by: string): DomainMember;
  /** false: the user was not a member */
  remove(domainId: string, userId: string): boolean;
  /** every member of the domain (of one role only, when given); how many left */
  removeAll(domainId: string, role?: DomainRole): number;
  list(
    domainId: string,
    o?: { role?: DomainRole; offset?: number; limit?: number },
  ): {
    total: number;
    members: DomainMember[];
  };
  /** a user by id or name (null: no such user) */
  user(idOrName: string): { id: string; name: string } | null;
}

export interface Membership {
  members: DomainMembers;
  invitations: Invitations;
  close(): void;
}

interface Row {
  domain_id: string;
  user_id: string;
  name: string;
  role: string;
  created_by: string;
  created_at: number | bigint;
}

const toMember = (r: Row): DomainMember => ({
  domainId: r.domain_id,
  userId: r.user_id,
  name: r.name,
  role: isDomainRole(r.role) ? r.role : "member",
  createdBy: r.created_by,
  createdAt: Number(r.created_at),
});

const SELECT = `SELECT m.domain_id, m.user_id, u.name, m.role, m.created_by, m.created_at
  FROM domain_members m JOIN web_users u ON u.id = m.user_id`;

function createDomainMembers(db: Database): DomainMembers {
  const q = {
    roles: db.prepare<{ domain_id: string; role: string }, [string]>(
      "SELECT domain_id, role FROM domain_members WHERE user_id = ?",
    ),
    one: db.prepare<Row, [string, string]>(`${SELECT} WHERE m.domain_id = ? AND m.user_id = ?`),
    user: db.prepare<{ id: string; name: string }, [string, string]>(
      "SELECT id, name FROM web_users WHERE id = ? OR name = ? LIMIT 1",
    ),
  };
  const members: DomainMembers = {
    rolesOf(userId) {
      const m = new Map<string, DomainRole>();
      for (const r of q.roles.all(userId)) if (isDomainRole(r.role)) m.set(r.domain_id, r.role);
      return m;
    },
    roleOf(domainId, userId) {
      const r = q.one.get(domainId, userId);
      return r ? toMember(r).role : null;
    },
    set(domainId, userId, role, by) {
      const r = checkRole(role);
      const u = members.user(userId);
      if (!u) throw notFound("user_not_found", `no user ${JSON.stringify(userId)}`);
      db.prepare(
        `INSERT INTO domain_members (domain_id, user_id, role, created_by, created_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (domain_id, user_id) DO UPDATE SET role = excluded.role`,
      ).run(domainId, u.id, r, by, Date.now());
      noteLocalWrite(); // rights change: this process's re-checks see it at once
      const row = q.one.get(domainId, u.id);
      if (!row) throw notFound("user_not_found", `no user ${JSON.stringify(userId)}`);
      return toMember(row);
    },
    remove(domainId, userId) {
      const sql = "DELETE FROM domain_members WHERE domain_id = ? AND user_id = ?";
      const n = db.prepare(sql).run(domainId, userId).changes;
      noteLocalWrite();
      return n > 0;
    },
    removeAll(domainId, role) {
      const sql = `DELETE FROM domain_members WHERE domain_id = ?${role ? " AND role = ?" : ""}`;
      const n = db.prepare<unknown, string[]>(sql).run(...(role ? [domainId, role] : [domainId])).changes;
      noteLocalWrite();
      return n;
    },
    list(domainId, o = {}) {
      const where = `WHERE m.domain_id = ?${o.role ? " AND m.role = ?" : ""}`;
      const args = o.role ? [domainId, o.role] : [domainId];
      const total = Number(
        db
          .prepare<{ n: number | bigint }, string[]>(
            `SELECT count(*) AS n FROM domain_members m JOIN web_users u ON u.id = m.user_id ${where}`,
          )
          .get(...args)?.n ?? 0,
      );
      const rows = db
        .prepare<Row, (string | number)[]>(`${SELECT} ${where} ORDER BY m.created_at, u.name LIMIT ? OFFSET ?`)
        .all(...args, o.limit ?? 10, o.offset ?? 0);
      return { total, members: rows.map(toMember) };
    },
    user: (idOrName) => q.user.get(idOrName, idOrName) ?? null,
  };
  return members;
}

/** members and invitations on one registry.db connection (an acceptance is one transaction) */
export function openMembership(dataDir: string, o: { now?: () => number } = {}): Membership {
  // the users' table is the users store's (its migrations): a CLI run may open this first
  openUsers(dataDir).close();
  const db = openRegistryDb(dataDir);
  const members = createDomainMembers(db);
  return { members, invitations: openInvitations(db, members, o.now), close: () => db.close() };
}
