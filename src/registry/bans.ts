// Bans of the brute-force guard, kept in <data>/registry.db table `bans` so that
// `neo shell ban list|clear` (another process) sees and lifts what the server decided,
// and a restart does not hand an attacker a fresh start. The server writes a row when it
// bans; it re-reads the table when another connection changed the file (data_version).
import type { Database } from "bun:sqlite";
import { join } from "node:path";
import { openDatabase, runMigrations } from "../storage/index.ts";

interface BanRow {
  address: string;
  until: number;
  level: number;
  failures: number;
  since: number;
}

export interface BanStore {
  /** every remembered ban (also ended ones whose back-off level still counts) */
  all(): BanRow[];
  put(b: BanRow): void;
  /** delete one address's ban, or all; returns the rows removed that were still in force at `now` */
  clear(address: string | undefined, now: number): number;
  /** forget ended bans older than `before` */
  prune(before: number): void;
  /** changes when another connection wrote the file */
  version(): number;
  close(): void;
}

type Int = number | bigint;
interface Row {
  address: string;
  until: Int;
  level: Int;
  failures: Int;
  since: Int;
}

export function openBanStore(dataDir: string): BanStore {
  const db: Database = openDatabase(join(dataDir, "registry.db"));
  const migrate = () =>
    runMigrations(db, "bans", [
      {
        id: 1,
        sql: `CREATE TABLE IF NOT EXISTS bans (
          address  TEXT PRIMARY KEY,
          until    INTEGER NOT NULL, -- ms
          level    INTEGER NOT NULL,
          failures INTEGER NOT NULL,
          since    INTEGER NOT NULL
        )`,
      },
    ]);
  try {
    migrate();
  } catch {
    migrate(); // another process migrated at the same moment
  }
  const q = {
    all: db.prepare<Row, []>("SELECT * FROM bans ORDER BY since"),
    put: db.prepare("INSERT OR REPLACE INTO bans (address, until, level, failures, since) VALUES (?, ?, ?, ?, ?)"),
    live: db.prepare<{ n: Int }, [number]>("SELECT count(*) AS n FROM bans WHERE until > ?"),
    liveOne: db.prepare<{ n: Int }, [string, number]>("SELECT count(*) AS n FROM bans WHERE address = ? AND until > ?"),
    delAll: db.prepare("DELETE FROM bans"),
    delOne: db.prepare("DELETE FROM bans WHERE address = ?"),
    prune: db.prepare("DELETE FROM bans WHERE until < ?"),
    version: db.prepare<{ data_version: Int }, []>("PRAGMA data_version"),
  };
  return {
    all: () =>
      q.all.all().map((r) => ({
        address: r.address,
        until: Number(r.until),
        level: Number(r.level),
        failures: Number(r.failures),
        since: Number(r.since),
      })),
    put: (b) => void q.put.run(b.address, b.until, b.level, b.failures, b.since),
    clear(address, now) {
      return db.transaction(() => {
        if (address === undefined) {
          const n = Number(q.live.get(now)?.n ?? 0);
          q.delAll.run();
          return n;
        }
        const n = Number(q.liveOne.get(address, now)?.n ?? 0);
        q.delOne.run(address);
        return n;
      })();
    },
    prune: (before) => void q.prune.run(before),
    version: () => Number(q.version.get()?.data_version ?? 0),
    close: () => db.close(),
  };
}
