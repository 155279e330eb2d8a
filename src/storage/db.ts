// Opening SQLite files the one way neo does: exact 64-bit integers, WAL, and a busy
// timeout so the CLI and a running server can share a file.
import { Database } from "bun:sqlite";
import { chmodSync, closeSync, existsSync, openSync } from "node:fs";
import { dirname } from "node:path";
import { NeoError } from "../lib/errors.ts";

export interface OpenOptions {
  readonly?: boolean;
}

/**
 * Open (creating if needed, mode 0600) a database file in an existing directory.
 * Read-write connections get WAL + synchronous=NORMAL + busy_timeout + foreign keys;
 * read-only connections are opened with SQLite's own read-only flag.
 */
export function openDatabase(file: string, opts: OpenOptions = {}): Database {
  if (opts.readonly) {
    if (!existsSync(file)) throw new NeoError("db_missing", `database file not found: ${file}`, 500);
    const db = new Database(file, { readonly: true, safeIntegers: true });
    db.exec("PRAGMA busy_timeout=5000; PRAGMA query_only=ON;");
    return db;
  }
  if (!existsSync(dirname(file))) {
    throw new NeoError("db_dir_missing", `directory does not exist: ${dirname(file)}`, 500);
  }
  if (!existsSync(file)) {
    // Create the file ourselves so it never exists with a looser mode than 0600.
    closeSync(openSync(file, "a", 0o600));
  }
  chmodSync(file, 0o600);
  const db = new Database(file, { create: true, readwrite: true, safeIntegers: true });
  db.exec("PRAGMA busy_timeout=5000; PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;");
  return db;
}
