// Invitations to a SuperMQ domain (domains/invitations.go), in registry.db
// `domain_invitations`, one per (domain, invitee) as SuperMQ keys them: a domain admin
// invites a user with a role; the invitee accepts (becomes a member with that role, in the
// same transaction) or rejects; an admin lists and deletes them. An invitation expires
// (Auth.InvitationDuration, SuperMQ's 168 h): then it can only be sent again.
import type { Database } from "bun:sqlite";
import { checkRole, type DomainRole } from "../lib/domain-roles.ts";
import { conflict, notFound } from "../lib/errors.ts";
import type { DomainMembers } from "./domain-members.ts";

export type InvitationState = "pending" | "accepted" | "rejected" | "expired";
export const INVITATION_STATES: readonly InvitationState[] = ["pending", "accepted", "rejected", "expired"];

export interface Invitation {
  domainId: string;
  /** the invitee */
  userId: string;
  userName: string;
  role: DomainRole;
  /** who invited (a user's name, or "operator" for the CLI) */
  invitedBy: string;
  createdAt: number;
  updatedAt: number | null;
  confirmedAt: number | null;
  rejectedAt: number | null;
  expiresAt: number;
  state: InvitationState;
}

export interface InvitationFilter {
  domainId?: string;
  userId?: string;
  invitedBy?: string;
  role?: DomainRole;
  state?: InvitationState;
  offset?: number;
  limit?: number;
}

export interface Invitations {
  /**
   * Invite a user (its id) with a role for `ttlMs`. A pending one is a 409 unless `resend`
   * (which renews it); a member is a 409; a rejected, expired or used one is replaced.
   */
  send(o: { domainId: string; userId: string; role: string; by: string; ttlMs: number; resend?: boolean }): Invitation;
  get(domainId: string, userId: string): Invitation | null;
  list(f: InvitationFilter): { total: number; invitations: Invitation[] };
  /** the invitee joins with the invitation's role (404 none, 409 not pending) */
  accept(domainId: string, userId: string): Invitation;
  reject(domainId: string, userId: string): Invitation;
  /** false: there was none */
  delete(domainId: string, userId: string): boolean;
}

interface Row {
  domain_id: string;
  user_id: string;
  name: string;
  role: string;
  invited_by: string;
  created_at: number | bigint;
  updated_at: number | bigint | null;
  confirmed_at: number | bigint | null;
  rejected_at: number | bigint | null;
  expires_at: number | bigint;
}

const num = (v: number | bigint | null) => (v === null ? null : Number(v));

/** the SQL condition of each state at time `?` (bound once per use) */
const STATE_SQL: Record<InvitationState, string> = {
  pending: "i.confirmed_at IS NULL AND i.rejected_at IS NULL AND i.expires_at > ?",
  accepted: "i.confirmed_at IS NOT NULL AND ? IS NOT NULL",
  rejected: "i.rejected_at IS NOT NULL AND ? IS NOT NULL",
  expired: "i.confirmed_at IS NULL AND i.rejected_at IS NULL AND i.expires_at <= ?",
};

const SELECT = `SELECT i.*, u.name FROM domain_invitations i JOIN web_users u ON u.id = i.user_id`;

export function openInvitations(db: Database, members: DomainMembers, now: () => number = Date.now): Invitations {
  const toInvitation = (r: Row): Invitation => {
    const confirmedAt = num(r.confirmed_at);
    const rejectedAt = num(r.rejected_at);
    const expiresAt = Number(r.expires_at);
    return {
      domainId: r.domain_id,
      userId: r.user_id,
      userName: r.name,
      role: checkRole(r.role),
      invitedBy: r.invited_by,
      createdAt: Number(r.created_at),
      updatedAt: num(r.updated_at),
      confirmedAt,
      rejectedAt,
      expiresAt,
      state:
        confirmedAt !== null
          ? "accepted"
          : rejectedAt !== null
            ? "rejected"
            : now() >= expiresAt
              ? "expired"
              : "pending",
    };
  };
  const one = db.prepare<Row, [string, string]>(`${SELECT} WHERE i.domain_id = ? AND i.user_id = ?`);
  const get = (domainId: string, userId: string) => {
    const r = one.get(domainId, userId);
    return r ? toInvitation(r) : null;
  };
  /** the invitee's invitation, which must still be pending */
  const pending = (domainId: string, userId: string) => {
    const inv = get(domainId, userId);
    if (!inv) throw notFound("invitation_not_found", `no invitation to domain ${domainId}`);
    if (inv.state !== "pending") throw conflict(`invitation_${inv.state}`, `the invitation is already ${inv.state}`);
    return inv;
  };

  return {
    send(o) {
      const role = checkRole(o.role);
      const t = now();
      return db.transaction(() => {
        if (members.roleOf(o.domainId, o.userId))
          throw conflict("already_member", "the user is already a member of this domain");
        const cur = get(o.domainId, o.userId);
        if (cur?.state === "pending" && !o.resend)
          throw conflict("invitation_exists", "the user already has a pending invitation to this domain");
        db.prepare(
          `INSERT INTO domain_invitations (domain_id, user_id, role, invited_by, created_at, updated_at, confirmed_at, rejected_at, expires_at)
           VALUES (?, ?, ?, ?, ?, NULL, NULL, NULL, ?)
           ON CONFLICT (domain_id, user_id) DO UPDATE SET role = excluded.role, invited_by = excluded.invited_by,
             created_at = excluded.created_at, updated_at = ?, confirmed_at = NULL, rejected_at = NULL,
             expires_at = excluded.expires_at`,
        ).run(o.domainId, o.userId, role, o.by, t, t + o.ttlMs, t);
        const made = get(o.domainId, o.userId);
        if (!made) throw notFound("user_not_found", `no user ${JSON.stringify(o.userId)}`);
        return made;
      })();
    },
    get,
    list(f) {
      const where: string[] = [];
      const args: (string | number)[] = [];
      const add = (sql: string, v: string | number) => {
        where.push(sql);
        args.push(v);
      };
      if (f.domainId) add("i.domain_id = ?", f.domainId);
      if (f.userId) add("i.user_id = ?", f.userId);
      if (f.invitedBy) add("i.invited_by = ?", f.invitedBy);
      if (f.role) add("i.role = ?", f.role);
      if (f.state) add(STATE_SQL[f.state], now());
      const w = where.length ? ` WHERE ${where.join(" AND ")}` : "";
      const total = Number(
        db
          .prepare<{ n: number | bigint }, (string | number)[]>(
            `SELECT count(*) AS n FROM domain_invitations i JOIN web_users u ON u.id = i.user_id${w}`,
          )
          .get(...args)?.n ?? 0,
      );
      const rows = db
        .prepare<Row, (string | number)[]>(`${SELECT}${w} ORDER BY i.created_at, i.domain_id LIMIT ? OFFSET ?`)
        .all(...args, f.limit ?? 10, f.offset ?? 0);
      return { total, invitations: rows.map(toInvitation) };
    },
    accept(domainId, userId) {
      return db.transaction(() => {
        const inv = pending(domainId, userId);
        const t = now();
        db.prepare(
          "UPDATE domain_invitations SET confirmed_at = ?, updated_at = ? WHERE domain_id = ? AND user_id = ?",
        ).run(t, t, domainId, userId);
        members.set(domainId, userId, inv.role, inv.invitedBy);
        return get(domainId, userId) ?? inv;
      })();
    },
    reject(domainId, userId) {
      return db.transaction(() => {
        pending(domainId, userId);
        const t = now();
        db.prepare(
          "UPDATE domain_invitations SET rejected_at = ?, updated_at = ? WHERE domain_id = ? AND user_id = ?",
        ).run(t, t, domainId, userId);
        return get(domainId, userId) ?? pending(domainId, userId);
      })();
    },
    delete(domainId, userId) {
      return (
        db.prepare("DELETE FROM domain_invitations WHERE domain_id = ? AND user_id = ?").run(domainId, userId).changes >
        0
      );
    },
  };
}
