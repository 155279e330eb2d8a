// Users: people (web UI, scripts), stored in <data>/registry.db table `web_users`.
// Each has a random id (for PATs: `pat_<base64 of user id and PAT id>_...`), a role
// (`admin`: everything; `user`: exactly its scope list) and an argon2id password hash
// (Bun.password). There is no default password: the first start creates `admin` with a
// random one that the server shows exactly once.
import type { Database } from "bun:sqlite";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { badRequest, conflict, notFound } from "../lib/errors.ts";
import { parseScopes } from "../lib/scopes.ts";
import { openDatabase, runMigrations } from "../storage/index.ts";
import { randomBytes, randomHex } from "../lib/secret-bytes.ts";
import { dropUserLeftovers } from "./user-leftovers.ts";

export const ADMIN_USER = "admin";
/** where the server writes the first start's random admin password (0600), never the log */
export const ADMIN_PASSWORD_FILE = "web-admin-password";
const USER_NAME_RE = /^[a-z][a-z0-9_.-]{0,31}$/;
const MIN_PASSWORD = 8;
const MAX_PASSWORD = 1024;

export type Role = "admin" | "user";

export interface UserRecord {
  /** 32 hex digits (16 random bytes) */
  id: string;
  name: string;
  role: Role;
  /** for role "user": what it may do (scope texts); ignored for admins */
  scopes: string[];
  createdAt: number;
  /** the password stamp: changes whenever the password changes */
  updatedAt: number;
}

export interface Users {
  /** Create `admin` with a random password if no user exists; returns that password once, else null. */
  ensureAdmin(): Promise<string | null>;
  /** Check a login. Unknown users cost the same argon2id verification as wrong passwords. */
  verify(name: string, password: string): Promise<boolean>;
  /** Set the password of an existing user (user_not_found otherwise). */
  setPassword(name: string, password: string): Promise<void>;
  /** A new user; its password is validated and hashed, its scopes checked. */
  add(name: string, password: string, opts?: { role?: Role; scopes?: readonly string[] }): Promise<UserRecord>;
  /** Remove a user (never the last admin) and all that names it (registry/user-leftovers.ts). */
  remove(name: string): void;
  setRole(name: string, role: Role): void;
  setScopes(name: string, scopes: readonly string[]): void;
  get(name: string): UserRecord | null;
  getById(id: string): UserRecord | null;
  list(): UserRecord[];
  exists(name: string): boolean;
  /** Changes whenever the user's password changes (also from another process); null if no such user. */
  stamp(name: string): number | null;
  names(): string[];
  close(): void;
}

/** A random password: 18 bytes, base64url, 24 characters. */
export function generatePassword(): string {
  return Buffer.from(randomBytes(18)).toString("base64url");
}

export function validatePassword(password: string): void {
  if (password.length < MIN_PASSWORD) {
    throw badRequest("password_too_short", `password must be at least ${MIN_PASSWORD} characters`);
  }
  if (password.length > MAX_PASSWORD) throw badRequest("password_too_long", "password is too long");
}

const MIGRATIONS = [
  {
    id: 1,
    sql: `CREATE TABLE IF NOT EXISTS web_users (
      name       TEXT PRIMARY KEY,
      hash       TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL
    )`,
  },
  {
    // users made before roles existed could do everything: they become admins
    id: 2,
    sql: `ALTER TABLE web_users ADD COLUMN id TEXT;
      ALTER TABLE web_users ADD COLUMN role TEXT NOT NULL DEFAULT 'admin';
      ALTER TABLE web_users ADD COLUMN scopes TEXT NOT NULL DEFAULT '[]';
      CREATE UNIQUE INDEX IF NOT EXISTS web_users_id ON web_users (id);`,
  },
];

const newId = () => randomHex(16);

function openDb(dataDir: string): Database {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const db = openDatabase(join(dataDir, "registry.db"));
  try {
    runMigrations(db, "users", MIGRATIONS);
  } catch {
    runMigrations(db, "users", MIGRATIONS); // another process migrated at the same moment
  }
  // rows from before ids existed get one (once; the unique index keeps them apart)
  for (const r of db.query<{ name: string }, []>("SELECT name FROM web_users WHERE id IS NULL").all())
    db.query("UPDATE web_users SET id = ? WHERE name = ? AND id IS NULL").run(newId(), r.name);
  return db;
}

function checkName(name: string): void {
  if (!USER_NAME_RE.test(name))
    throw badRequest(
      "invalid_user_name",
      `invalid user name ${JSON.stringify(name)}: 1-32 of a-z 0-9 _ . -, starting with a letter`,
    );
}

function checkScopes(scopes: readonly string[]): string[] {
  parseScopes(scopes); // throws invalid_scope with the reason
  return [...scopes];
}

type Int = number | bigint;
interface Row {
  id: string;
  name: string;
  role: string;
  scopes: string;
  created_at: Int;
  updated_at: Int;
}
function toRecord(r: Row): UserRecord {
  let scopes: string[] = [];
  try {
    const v = JSON.parse(r.scopes) as unknown;
    if (Array.isArray(v)) scopes = v.filter((x): x is string => typeof x === "string");
  } catch {
    scopes = [];
  }
  return {
    id: r.id,
    name: r.name,
    role: r.role === "admin" ? "admin" : "user",
    scopes,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

// A hash of a random string, verified against when the user does not exist so that
// "unknown user" and "wrong password" take the same time.
let dummyHash: Promise<string> | undefined;
const getDummyHash = () => (dummyHash ??= Bun.password.hash(generatePassword(), { algorithm: "argon2id" }));

export function openUsers(dataDir: string): Users {
  const db = openDb(dataDir);
  const getHash = db.query<{ hash: string }, [string]>("SELECT hash FROM web_users WHERE name = ?");
  const getStamp = db.query<{ s: bigint }, [string]>("SELECT updated_at AS s FROM web_users WHERE name = ?");
  const getRow = db.query<Row, [string]>("SELECT * FROM web_users WHERE name = ?");
  const getRowById = db.query<Row, [string]>("SELECT * FROM web_users WHERE id = ?");
  const admins = db.query<{ n: bigint }, []>("SELECT count(*) AS n FROM web_users WHERE role = 'admin'");
  const count = db.query<{ n: bigint }, []>("SELECT count(*) AS n FROM web_users");
  const insert = db.query(
    "INSERT OR IGNORE INTO web_users (name, hash, created_at, updated_at, id, role, scopes) VALUES (?, ?, ?, ?, ?, ?, ?)",
  );
  const update = db.query("UPDATE web_users SET hash = ?, updated_at = ? WHERE name = ?");
  const hash = (pw: string) => Bun.password.hash(pw, { algorithm: "argon2id" });
  const must = (name: string): UserRecord => {
    const r = getRow.get(name);
    if (!r) throw notFound("user_not_found", `no user named ${JSON.stringify(name)}`);
    return toRecord(r);
  };
  const lastAdmin = (u: UserRecord) => u.role === "admin" && Number(admins.get()?.n ?? 0) <= 1;

  return {
    async ensureAdmin() {
      if (Number(count.get()?.n ?? 0) > 0) return null;
      const password = generatePassword();
      const h = await hash(password);
      const now = Date.now();
      // INSERT OR IGNORE: if another process created it meanwhile, theirs wins and we show nothing.
      const res = insert.run(ADMIN_USER, h, now, now, newId(), "admin", "[]");
      return res.changes > 0 ? password : null;
    },
    async verify(name, password) {
      if (password.length > MAX_PASSWORD) return false;
      const row = USER_NAME_RE.test(name) ? getHash.get(name) : null;
      const stored = row?.hash ?? (await getDummyHash());
      const ok = await Bun.password.verify(password, stored);
      return ok && row !== null;
    },
    async setPassword(name, password) {
      validatePassword(password);
      const prev = must(name).updatedAt;
      const h = await hash(password);
      update.run(h, Math.max(Date.now(), prev + 1), name);
    },
    async add(name, password, opts = {}) {
      checkName(name);
      validatePassword(password);
      const role = opts.role ?? "user";
      const scopes = checkScopes(opts.scopes ?? []);
      if (getRow.get(name)) throw conflict("user_exists", `user ${name} already exists`);
      const h = await hash(password);
      const now = Date.now();
      const res = insert.run(name, h, now, now, newId(), role, JSON.stringify(scopes));
      if (res.changes === 0) throw conflict("user_exists", `user ${name} already exists`);
      return must(name);
    },
    remove(name) {
      db.transaction(() => {
        const u = must(name);
        if (lastAdmin(u)) throw conflict("last_admin", `${name} is the last admin and cannot be deleted`);
        db.query("DELETE FROM web_users WHERE name = ?").run(name);
        // its memberships, invitations, PATs, keys, dashboards and shares go with it
        dropUserLeftovers(db, u);
      }).immediate();
    },
    setRole(name, role) {
      const u = must(name);
      if (role !== "admin" && lastAdmin(u)) throw conflict("last_admin", `${name} is the last admin`);
      db.query("UPDATE web_users SET role = ? WHERE name = ?").run(role, name);
    },
    setScopes(name, scopes) {
      must(name);
      db.query("UPDATE web_users SET scopes = ? WHERE name = ?").run(JSON.stringify(checkScopes(scopes)), name);
    },
    get(name) {
      const r = getRow.get(name);
      return r ? toRecord(r) : null;
    },
    getById(id) {
      const r = getRowById.get(id);
      return r ? toRecord(r) : null;
    },
    list() {
      return db.query<Row, []>("SELECT * FROM web_users ORDER BY name").all().map(toRecord);
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
