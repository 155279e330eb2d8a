// Web UI login users, stored in <data>/registry.db table `web_users`.
// Only argon2id hashes (Bun.password) are stored. There is no default password: the
// first start creates `admin` with a random one that the server shows exactly once.
import { Database } from "bun:sqlite";
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from "node:fs";
import { join } from "node:path";
import { badRequest, notFound } from "../lib/errors.ts";

export const ADMIN_USER = "admin";
/** where the server writes the first start's random admin password (0600), never the log */
export const ADMIN_PASSWORD_FILE = "web-admin-password";
const NAME_RE = /^[a-z][a-z0-9_.-]{0,31}$/;
const MIN_PASSWORD = 8;
const MAX_PASSWORD = 1024;

export interface Users {
  /** Create `admin` with a random password if no web user exists; returns that password once, else null. */
  ensureAdmin(): Promise<string | null>;
  /** Check a login. Unknown users cost the same argon2id verification as wrong passwords. */
  verify(name: string, password: string): Promise<boolean>;
  /** Set the password of an existing user (user_not_found otherwise). */
  setPassword(name: string, password: string): Promise<void>;
  exists(name: string): boolean;
  /** Changes whenever the user's password changes (also from another process); null if no such user. */
  stamp(name: string): number | null;
  names(): string[];
  close(): void;
}

/** A random password: 18 bytes, base64url, 24 characters. */
export function generatePassword(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(18))).toString("base64url");
}

export function validatePassword(password: string): void {
  if (password.length < MIN_PASSWORD) {
    throw badRequest("password_too_short", `password must be at least ${MIN_PASSWORD} characters`);
  }
  if (password.length > MAX_PASSWORD) throw badRequest("password_too_long", "password is too long");
}

function openDb(dataDir: string): Database {
  if (!existsSync(dataDir)) mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = join(dataDir, "registry.db");
  if (!existsSync(file)) closeSync(openSync(file, "a", 0o600));
  chmodSync(file, 0o600);
  const db = new Database(file, { create: true, readwrite: true, safeIntegers: true });
  // Same pragmas as src/storage/db.ts: the CLI and a running server share this file.
  db.exec("PRAGMA busy_timeout=5000; PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;");
  db.exec(`CREATE TABLE IF NOT EXISTS web_users (
    name       TEXT PRIMARY KEY,
    hash       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  )`);
  return db;
}

// A hash of a random string, verified against when the user does not exist so that
// "unknown user" and "wrong password" take the same time.
let dummyHash: Promise<string> | undefined;
const getDummyHash = () => (dummyHash ??= Bun.password.hash(generatePassword(), { algorithm: "argon2id" }));

export function openUsers(dataDir: string): Users {
  const db = openDb(dataDir);
  const getHash = db.query<{ hash: string }, [string]>("SELECT hash FROM web_users WHERE name = ?");
  const getStamp = db.query<{ s: bigint }, [string]>("SELECT updated_at AS s FROM web_users WHERE name = ?");
  const count = db.query<{ n: bigint }, []>("SELECT count(*) AS n FROM web_users");
  const insert = db.query("INSERT OR IGNORE INTO web_users (name, hash, created_at, updated_at) VALUES (?, ?, ?, ?)");
  const update = db.query("UPDATE web_users SET hash = ?, updated_at = ? WHERE name = ?");
  const hash = (pw: string) => Bun.password.hash(pw, { algorithm: "argon2id" });

  return {
    async ensureAdmin() {
      if (Number(count.get()?.n ?? 0) > 0) return null;
      const password = generatePassword();
      const h = await hash(password);
      const now = Date.now();
      // INSERT OR IGNORE: if another process created it meanwhile, theirs wins and we show nothing.
      const res = insert.run(ADMIN_USER, h, now, now);
      return res.changes > 0 ? password : null;
    },
    async verify(name, password) {
      if (password.length > MAX_PASSWORD) return false;
      const row = NAME_RE.test(name) ? getHash.get(name) : null;
      const stored = row?.hash ?? (await getDummyHash());
      const ok = await Bun.password.verify(password, stored);
      return ok && row !== null;
    },
    async setPassword(name, password) {
      validatePassword(password);
      if (!getHash.get(name)) throw notFound("user_not_found", `no web user named ${JSON.stringify(name)}`);
      const h = await hash(password);
      const prev = Number(
        db.query<{ s: bigint }, [string]>("SELECT updated_at AS s FROM web_users WHERE name = ?").get(name)?.s ?? 0,
      );
      update.run(h, Math.max(Date.now(), prev + 1), name);
    },
    exists(name) {
      return getHash.get(name) !== null;
    },
    stamp(name) {
      const row = getStamp.get(name);
      return row ? Number(row.s) : null;
    },
    names() {
      return db
        .query<{ name: string }, []>("SELECT name FROM web_users ORDER BY name")
        .all()
        .map((r) => r.name);
    },
    close() {
      db.close();
    },
  };
}

/** First-start helper for the server: returns the generated admin password once, or null. */
export async function ensureAdmin(dataDir: string): Promise<string | null> {
  const users = openUsers(dataDir);
  try {
    return await users.ensureAdmin();
  } finally {
    users.close();
  }
}
