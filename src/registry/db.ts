// The registry's own SQLite file, <data>/registry.db, kept apart from the time-series
// database so read-only queries over series data can never reach token hashes.
import type { Database } from "bun:sqlite";
import { join } from "node:path";
import { openDatabase, runMigrations, type Migration } from "../storage/index.ts";

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
];

export function openRegistryDb(dataDir: string): Database {
  const db = openDatabase(join(dataDir, "registry.db"));
  try {
    runMigrations(db, "registry", MIGRATIONS);
  } catch {
    // another process (CLI or server) migrated the same file at the same moment: its work is done, ours re-checks
    runMigrations(db, "registry", MIGRATIONS);
  }
  return db;
}
