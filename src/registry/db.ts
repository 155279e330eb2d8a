// The registry's own SQLite file, <data>/registry.db, kept apart from the time-series
// database so read-only queries over series data can never reach token hashes.
import type { Database } from "bun:sqlite";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { isDiskFull } from "../lib/disk-full.ts";
import { DEFAULT_DOMAIN_ID, DEFAULT_DOMAIN_ROUTE } from "../lib/domain-id.ts";
import { MEMBER_MIGRATIONS } from "./member-migrations.ts";
import {
  DASHBOARD_MIGRATIONS,
  ENROLLMENT_MIGRATIONS,
  GROUP_MIGRATIONS,
  PENDING_MIGRATIONS,
} from "./scope-migrations.ts";
import { explainOpenError, openDatabase, openSnapshot, runMigrations, type Migration } from "../storage/index.ts";

const MIGRATIONS: Migration[] = [
  {
    id: 1,
    sql: `
      CREATE TABLE IF NOT EXISTS clients (
        id               TEXT PRIMARY KEY,
        token_hash       BLOB NOT NULL,
        cert_fingerprint TEXT NOT NULL,
        cert_serial      TEXT NOT NULL,
        key_type         TEXT,
        not_before       INTEGER, -- ms
        not_after        INTEGER, -- ms
        created_at       INTEGER,
        status           TEXT,    -- active | revoked
        revoked_at       INTEGER,
        last_used_at     INTEGER
      );
      CREATE UNIQUE INDEX IF NOT EXISTS clients_cert_fingerprint ON clients (cert_fingerprint);
      CREATE TABLE IF NOT EXISTS revoked_certs (
        serial     TEXT PRIMARY KEY,
        client_id  TEXT NOT NULL,
        cause      TEXT NOT NULL, -- revoked | deleted | rotated
        revoked_at INTEGER NOT NULL
      );`,
  },
  {
    // scopes (JSON array of scope texts); keys made before scopes keep what they could
    // do: the all-access set, written out so \`key scope list\` shows it
    id: 2,
    sql: `
      ALTER TABLE clients ADD COLUMN scopes TEXT;
      UPDATE clients SET scopes = '["tables:read:*","tables:write:*","topics:publish:#","topics:subscribe:#","topics:subscribe:$SYS/#","clients:connect:*"]' WHERE scopes IS NULL;`,
  },
  {
    // SuperMQ domains (registry/domains.ts); every key made before lives in the default one
    id: 3,
    sql: `
      CREATE TABLE IF NOT EXISTS domains (
        id         TEXT PRIMARY KEY,
        name       TEXT NOT NULL,
        route      TEXT NOT NULL UNIQUE,
        tags       TEXT NOT NULL DEFAULT '[]',  -- JSON array
        metadata   TEXT NOT NULL DEFAULT '{}',  -- JSON object
        status     TEXT NOT NULL DEFAULT 'enabled', -- enabled | disabled | frozen
        created_by TEXT NOT NULL DEFAULT '',
        created_at INTEGER NOT NULL,
        updated_by TEXT NOT NULL DEFAULT '',
        updated_at INTEGER NOT NULL
      );
      INSERT OR IGNORE INTO domains (id, name, route, created_at, updated_at)
        VALUES ('${DEFAULT_DOMAIN_ID}', 'default', '${DEFAULT_DOMAIN_ROUTE}', 0, 0);
      ALTER TABLE clients ADD COLUMN domain_id TEXT NOT NULL DEFAULT '${DEFAULT_DOMAIN_ID}';`,
  },
  {
    // SuperMQ's client fields (registry/client-profiles.ts); disabled = SuperMQ's reversible disable
    id: 4,
    sql: `
      ALTER TABLE clients ADD COLUMN name TEXT NOT NULL DEFAULT '';
      ALTER TABLE clients ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';
      ALTER TABLE clients ADD COLUMN metadata TEXT NOT NULL DEFAULT '{}';
      ALTER TABLE clients ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE clients ADD COLUMN updated_at INTEGER;`,
  },
];

// Channels (src/registry/channels.ts), in their own migration scope so they never collide
// with the clients' migration ids. Who is connected to a channel is in the clients'
// scopes (channel_connections held it before scopes existed).
const CHANNEL_MIGRATIONS: Migration[] = [
  {
    id: 1,
    sql: `
      CREATE TABLE IF NOT EXISTS channels (
        id         TEXT PRIMARY KEY,
        name       TEXT,
        metadata   TEXT,             -- JSON object
        table_name TEXT NOT NULL,    -- where its SenML records are stored
        created_at INTEGER NOT NULL  -- ms
      );
      CREATE TABLE IF NOT EXISTS channel_connections (
        channel_id TEXT NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
        client_id  TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
        publish    INTEGER NOT NULL,
        subscribe  INTEGER NOT NULL,
        PRIMARY KEY (channel_id, client_id)
      );
      CREATE INDEX IF NOT EXISTS channel_connections_client ON channel_connections (client_id);`,
  },
  {
    // connections became scopes on the client's key (channels:publish|subscribe:<id>)
    id: 2,
    sql: `
      UPDATE clients SET scopes = (
        SELECT json_group_array(v) FROM (
          SELECT value AS v FROM json_each(COALESCE(clients.scopes, '[]'))
          UNION SELECT 'channels:publish:' || channel_id FROM channel_connections
            WHERE client_id = clients.id AND publish = 1
          UNION SELECT 'channels:subscribe:' || channel_id FROM channel_connections
            WHERE client_id = clients.id AND subscribe = 1))
      WHERE id IN (SELECT client_id FROM channel_connections);
      DROP TABLE channel_connections;`,
  },
  {
    // SuperMQ domains: every channel made before lives in the default domain
    id: 3,
    sql: `ALTER TABLE channels ADD COLUMN domain_id TEXT NOT NULL DEFAULT '${DEFAULT_DOMAIN_ID}';`,
  },
  {
    // SuperMQ's channel fields: tags, a reversible disable (refuses publish and subscribe), updated_at
    id: 4,
    sql: `
      ALTER TABLE channels ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';
      ALTER TABLE channels ADD COLUMN status TEXT NOT NULL DEFAULT 'enabled';
      ALTER TABLE channels ADD COLUMN updated_at INTEGER;`,
  },
  {
    // a table stays its domain's after its channel (or domain) is deleted: its rows never
    // become the default domain's (domains.ofTable reads channels, then this)
    id: 5,
    sql: `
      CREATE TABLE IF NOT EXISTS domain_tables (table_name TEXT PRIMARY KEY, domain_id TEXT NOT NULL);
      INSERT OR IGNORE INTO domain_tables SELECT table_name, domain_id FROM channels
        WHERE domain_id != '${DEFAULT_DOMAIN_ID}';`,
  },
];

const SCOPES: [string, Migration[]][] = [
  ["registry", MIGRATIONS],
  ["channels", CHANNEL_MIGRATIONS],
  ["enrollment", ENROLLMENT_MIGRATIONS],
  ["dashboards", DASHBOARD_MIGRATIONS],
  ["groups", GROUP_MIGRATIONS],
  ["pending", PENDING_MIGRATIONS],
  ["members", MEMBER_MIGRATIONS],
];

function migrate(db: Database): void {
  if (allApplied(db)) return;
  for (const [scope, list] of SCOPES) runMigrations(db, scope, list);
}

/**
 * Every migration this build knows is recorded already: the usual open, one read instead of
 * seven scopes' checks (each a statement, a read and a prepared insert): the gateway opens
 * registry.db on 12 connections before its first CONNACK (bench/RESULTS.md "Start: the first
 * CONNACK, idle RSS and Bun's floor").
 */
function allApplied(db: Database): boolean {
  let rows: { scope: string; id: bigint | number }[];
  try {
    rows = db.query<{ scope: string; id: bigint | number }, []>("SELECT scope, id FROM _neo_migrations").all();
  } catch {
    return false; // a new file: no table yet
  }
  const have = new Set(rows.map((r) => `${r.scope}:${Number(r.id)}`));
  return SCOPES.every(([scope, list]) => list.every((m) => have.has(`${scope}:${m.id}`)));
}

/**
 * How old a reading of PRAGMA data_version may be when reused (clients.ts, channels.ts
 * dataVersion): a commit by another process is seen by every check made this long after it.
 */
export const OTHERS_SEEN_WITHIN_MS = 1;

/**
 * Writes by this process on the registry.db connections whose rows a token or client-id
 * check reads (clients, domains, client profiles, channels). PRAGMA data_version shows only
 * other connections' commits and its reading is reused for OTHERS_SEEN_WITHIN_MS; adding this
 * count makes this process's own writes on those connections move the version at once.
 */
let localWrites = 0;
export const noteLocalWrite = (): void => {
  localWrites++;
};
export const localWriteCount = (): number => localWrites;

export interface RegistryOpenOptions {
  /** reads only: on a full disk fall back to an in-memory copy (see openSnapshot) */
  readOnly?: boolean;
}

export function openRegistryDb(dataDir: string, opts: RegistryOpenOptions = {}): Database {
  const file = join(dataDir, "registry.db");
  let db: Database;
  try {
    db = openDatabase(file);
  } catch (e) {
    const why = explainOpenError(file, e);
    if (opts.readOnly && isDiskFull(why) && existsSync(file)) return openSnapshot(file);
    throw why;
  }
  try {
    migrate(db);
  } catch {
    // another process (CLI or server) migrated the same file at the same moment: its work is done, ours re-checks
    migrate(db);
  }
  return db;
}
