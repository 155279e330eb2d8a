// registry.db's smaller migration scopes (SuperMQ groups, enrollment, dashboards, pending
// certificates); db.ts runs them with its own (registry, channels) and members'.
import type { Migration } from "../storage/index.ts";

// SuperMQ groups (registry/groups.ts): per domain, nested by parent_id; a channel or a
// client is a member of at most one group (SuperMQ's parent_group_id)
export const GROUP_MIGRATIONS: Migration[] = [
  {
    id: 1,
    sql: `
      CREATE TABLE IF NOT EXISTS groups (
        id          TEXT PRIMARY KEY,
        domain_id   TEXT NOT NULL,
        parent_id   TEXT,                      -- a group of the same domain, or NULL
        name        TEXT NOT NULL,
        description TEXT NOT NULL DEFAULT '',
        tags        TEXT NOT NULL DEFAULT '[]',  -- JSON array
        metadata    TEXT NOT NULL DEFAULT '{}',  -- JSON object
        status      TEXT NOT NULL DEFAULT 'enabled', -- enabled | disabled
        created_by  TEXT NOT NULL DEFAULT '',
        created_at  INTEGER NOT NULL,
        updated_by  TEXT NOT NULL DEFAULT '',
        updated_at  INTEGER NOT NULL
      );
      CREATE INDEX IF NOT EXISTS groups_domain ON groups (domain_id);
      CREATE INDEX IF NOT EXISTS groups_parent ON groups (parent_id);
      CREATE TABLE IF NOT EXISTS group_members (
        kind      TEXT NOT NULL,  -- channel | client
        entity_id TEXT NOT NULL,
        group_id  TEXT NOT NULL,
        PRIMARY KEY (kind, entity_id)
      );
      CREATE INDEX IF NOT EXISTS group_members_group ON group_members (group_id);`,
  },
];

// EST enrollment (registry/enrollments.ts): one-time enrollment secrets, and certificates
// a renewal replaced that still work until their grace period ends
export const ENROLLMENT_MIGRATIONS: Migration[] = [
  {
    id: 1,
    sql: `
      CREATE TABLE IF NOT EXISTS enrollments (
        client_id   TEXT PRIMARY KEY,
        secret_hash BLOB NOT NULL,
        scopes      TEXT NOT NULL,    -- JSON array
        expires_at  INTEGER NOT NULL, -- ms
        created_at  INTEGER NOT NULL
      );
      CREATE TABLE IF NOT EXISTS cert_grace (
        cert_fingerprint TEXT PRIMARY KEY,
        client_id        TEXT NOT NULL,
        until            INTEGER NOT NULL -- ms
      );`,
  },
];

// Dashboards (registry/dashboards.ts): saved views per domain, shown to the owner and to whom
// they are shared with (every member of the domain, or named users)
export const DASHBOARD_MIGRATIONS: Migration[] = [
  {
    id: 1,
    sql: `
      CREATE TABLE IF NOT EXISTS dashboards (
        id            TEXT PRIMARY KEY,
        domain_id     TEXT NOT NULL,
        name          TEXT NOT NULL,
        description   TEXT NOT NULL DEFAULT '',
        owner         TEXT NOT NULL,
        panels        TEXT NOT NULL DEFAULT '[]',  -- JSON array (http/routes/dashboard-spec.ts)
        time_range    TEXT NOT NULL DEFAULT '{"last":"1h"}',
        refresh       TEXT NOT NULL DEFAULT 'off',
        share_members INTEGER NOT NULL DEFAULT 0,
        share_users   TEXT NOT NULL DEFAULT '[]',  -- JSON array of user names
        created_by    TEXT NOT NULL DEFAULT '',
        created_at    INTEGER NOT NULL,
        updated_by    TEXT NOT NULL DEFAULT '',
        updated_at    INTEGER NOT NULL
      );
      CREATE INDEX IF NOT EXISTS dashboards_domain ON dashboards (domain_id, created_at);`,
  },
  {
    // the owner is a principal id (user:<name>), so a key spelled like a user is never its owner
    id: 2,
    sql: `UPDATE dashboards SET owner = 'user:' || owner
      WHERE owner NOT LIKE 'user:%' AND owner NOT IN (SELECT id FROM clients);`,
  },
];

// approval at first use (registry/pending-certs.ts): refused certificates of pinned trusted CAs
export const PENDING_MIGRATIONS: Migration[] = [
  {
    id: 1,
    sql: `
      CREATE TABLE IF NOT EXISTS pending_certs (
        fingerprint TEXT PRIMARY KEY,
        client_id   TEXT NOT NULL,
        ca          TEXT NOT NULL,
        subject     TEXT NOT NULL,
        serial      TEXT NOT NULL,
        not_before  INTEGER NOT NULL, -- ms
        not_after   INTEGER NOT NULL, -- ms
        first_seen  INTEGER NOT NULL, -- ms
        last_seen   INTEGER NOT NULL, -- ms
        address     TEXT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS pending_certs_client ON pending_certs (client_id, last_seen);`,
  },
];
