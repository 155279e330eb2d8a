import type { Migration } from "../storage/index.ts";

// SuperMQ domain membership (registry/domain-members.ts, invitations.ts): a user's role in a
// domain, and invitations to one (keyed by domain and invitee, as SuperMQ's)
export const MEMBER_MIGRATIONS: Migration[] = [
  {
    id: 1,
    sql: `
      CREATE TABLE IF NOT EXISTS domain_members (
        domain_id  TEXT NOT NULL,
        user_id    TEXT NOT NULL,   -- web_users.id
        role       TEXT NOT NULL,   -- admin | member
        created_by TEXT NOT NULL,
        created_at INTEGER NOT NULL, -- ms
        PRIMARY KEY (domain_id, user_id)
      );
      CREATE INDEX IF NOT EXISTS domain_members_user ON domain_members (user_id);
      CREATE TABLE IF NOT EXISTS domain_invitations (
        domain_id    TEXT NOT NULL,
        user_id      TEXT NOT NULL,  -- the invitee (web_users.id)
        role         TEXT NOT NULL,
        invited_by   TEXT NOT NULL,
        created_at   INTEGER NOT NULL,
        updated_at   INTEGER,
        confirmed_at INTEGER,
        rejected_at  INTEGER,
        expires_at   INTEGER NOT NULL,
        PRIMARY KEY (domain_id, user_id)
      );
      CREATE INDEX IF NOT EXISTS domain_invitations_user ON domain_invitations (user_id);`,
  },
];
