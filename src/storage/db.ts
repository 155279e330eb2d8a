// Opening SQLite files the one way neo does: exact 64-bit integers, WAL, and a busy
// timeout so the CLI and a running server can share a file.
import { Database } from "bun:sqlite";
import { chmodSync, closeSync, existsSync, openSync, readFileSync, statfsSync, statSync } from "node:fs";
import { basename, dirname } from "node:path";
import { isDiskFull } from "../lib/disk-full.ts";
import { NeoError } from "../lib/errors.ts";

export interface OpenOptions {
  readonly?: boolean;
  /** how long a statement waits for another connection's lock before SQLITE_BUSY (default 5 s) */
  busyTimeoutMs?: number;
}

const DEFAULT_BUSY_TIMEOUT_MS = 5000;

const busy = (o: OpenOptions) => Math.max(0, Math.floor(o.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS));

/**
 * Open (creating if needed, mode 0600) a database file in an existing directory.
 * Read-write connections get WAL + synchronous=NORMAL + busy_timeout + foreign keys;
 * read-only connections are opened with SQLite's own read-only flag.
 */
export function openDatabase(file: string, opts: OpenOptions = {}): Database {
  if (opts.readonly) {
    if (!existsSync(file)) throw new NeoError("db_missing", `database file not found: ${file}`, 500);
    const db = new Database(file, { readonly: true, safeIntegers: true });
    db.exec(`PRAGMA busy_timeout=${busy(opts)}; PRAGMA query_only=ON;`);
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
  try {
    db.exec(
      `PRAGMA busy_timeout=${busy(opts)}; PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;`,
    );
  } catch (e) {
    db.close();
    throw explainOpenError(file, e);
  }
  return db;
}

const LOW_SPACE = 1024 * 1024;

/**
 * SQLite answers "disk I/O error" when it cannot size the WAL's -shm file; on a (nearly)
 * full file system say that instead (an ENOSPC error), so the CLI and the log name the cause.
 */
export function explainOpenError(file: string, err: unknown): unknown {
  const msg = err instanceof Error ? err.message : String(err);
  const code = String((err as { code?: unknown } | null)?.code ?? "");
  if (isDiskFull(err) || !(code.startsWith("SQLITE_IOERR") || /disk I\/O error/i.test(msg))) return err;
  try {
    const fs = statfsSync(dirname(file));
    if (Number(fs.bavail) * Number(fs.bsize) >= LOW_SPACE) return err;
  } catch {
    return err;
  }
  return Object.assign(new Error(`no space left on device: cannot create ${basename(file)}-shm (${msg})`), {
    code: "ENOSPC",
  });
}

/**
 * A read-only copy of `file` in memory, for reads when SQLite cannot create the -shm file a
 * WAL-mode connection needs (a full disk) and no server runs. Only the main file is read,
 * so it refuses when the -wal holds commits not yet checkpointed into it (a server stopped
 * without its final checkpoint): those would be missing from the copy.
 */
export function openSnapshot(file: string): Database {
  if (!existsSync(file)) throw new NeoError("db_missing", `database file not found: ${file}`, 500);
  const wal = `${file}-wal`;
  if (existsSync(wal) && statSync(wal).size > 0) {
    throw Object.assign(
      new Error(
        `no space left on device: ${basename(file)} cannot be read, its latest changes are still in ${basename(wal)} and SQLite needs room for ${basename(file)}-shm to read them`,
      ),
      { code: "ENOSPC" },
    );
  }
  const bytes = readFileSync(file);
  // the header's read/write versions say WAL (2); an in-memory copy has no WAL: legacy (1)
  if (bytes.length >= 20) bytes.fill(1, 18, 20);
  return Database.deserialize(bytes, { readonly: true, safeIntegers: true });
}
