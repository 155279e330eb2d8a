// Rollups of a tag table T: per name and interval, MIN, MAX, AVG, COUNT and SUM of the
// non-null values, kept up to date in the same transaction as the rows.
//   _T_r1m (nid, bucket, min, max, sum, cnt) PRIMARY KEY (nid, bucket) WITHOUT ROWID
//   _T_ROLLUP_1M  VIEW: NAME, TIME (start of the interval, ns), MIN, MAX, AVG, COUNT, SUM
import type { Database, Statement } from "bun:sqlite";
import { NeoError } from "../lib/errors.ts";
import { durationNs, formatNs, NS_PER_SECOND, parseRetention } from "../lib/duration.ts";
import { namesTable } from "./layout.ts";

export interface RollupSpec {
  /** interval, ns */
  every: bigint;
  /** rows older than this are deleted; null = kept */
  retention: bigint | null;
}

const MAX_ROLLUPS = 6;

/** "1m,1h" or "1m:7d,1h:2y" (interval[:retention]); "off" or "" -> none */
export function parseRollups(text: string): RollupSpec[] {
  if (text.trim() === "" || text.trim().toLowerCase() === "off") return [];
  const out: RollupSpec[] = [];
  for (const part of text.split(",")) {
    const [every = "", retention] = part.split(":");
    if (!/^\s*\d+\s*[smhd]\s*$/.test(every)) {
      throw new NeoError(
        "bad_rollup",
        `invalid rollup interval ${JSON.stringify(every.trim())}: use s, m, h or d (e.g. 1m,1h)`,
        400,
      );
    }
    const ns = durationNs(every, "rollup interval");
    if (ns < NS_PER_SECOND) throw new NeoError("bad_rollup", "a rollup interval is at least 1s", 400);
    if (out.some((r) => r.every === ns))
      throw new NeoError("bad_rollup", `rollup interval ${every.trim()} given twice`, 400);
    out.push({ every: ns, retention: retention === undefined ? null : parseRetention(retention) });
  }
  if (out.length > MAX_ROLLUPS) throw new NeoError("bad_rollup", `at most ${MAX_ROLLUPS} rollups per table`, 400);
  return out.sort((a, b) => (a.every < b.every ? -1 : 1));
}

export const rollupStore = (t: string, every: bigint) => `_${t}_r${formatNs(every)}`;
/** the queryable view, e.g. _EXAMPLE_ROLLUP_1M */
export const rollupView = (t: string, every: bigint) => `_${t}_ROLLUP_${formatNs(every).toUpperCase()}`;

/** start of the interval holding `time` (floor, also for times before 1970) */
export const bucketOf = (time: bigint, every: bigint) => time - (((time % every) + every) % every);

export function createRollupSql(t: string, every: bigint): string {
  const store = rollupStore(t, every);
  return (
    `CREATE TABLE IF NOT EXISTS "${store}" (nid INTEGER NOT NULL, bucket INTEGER NOT NULL, min REAL, max REAL, ` +
    "sum REAL, cnt INTEGER NOT NULL, PRIMARY KEY (nid, bucket)) WITHOUT ROWID;" +
    `CREATE VIEW IF NOT EXISTS "${rollupView(t, every)}" AS SELECT n.name AS NAME, r.bucket AS TIME, r.min AS MIN, ` +
    `r.max AS MAX, r.sum / r.cnt AS AVG, r.cnt AS COUNT, r.sum AS SUM FROM "${store}" AS r JOIN "${namesTable(t)}" AS n ON n.id = r.nid;`
  );
}

export function dropRollupSql(t: string, every: bigint): string {
  return `DROP VIEW IF EXISTS "${rollupView(t, every)}"; DROP TABLE IF EXISTS "${rollupStore(t, every)}";`;
}

interface Agg {
  nid: number;
  bucket: bigint;
  min: number;
  max: number;
  sum: number;
  cnt: number;
}

/** Collects one insert's values per (name, interval) and merges them into the rollup tables. */
export interface RollupUpdater {
  add(nid: number, time: bigint, value: number): void;
  flush(): void;
  finalize(): void;
}

/** merge one (name, interval) aggregate into a rollup: ?1 nid, ?2 bucket, ?3 min, ?4 max, ?5 sum, ?6 count */
const upsertRollupSql = (t: string, every: bigint) =>
  `INSERT INTO "${rollupStore(t, every)}" (nid, bucket, min, max, sum, cnt) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ` +
  "ON CONFLICT (nid, bucket) DO UPDATE SET min = min(min, excluded.min), max = max(max, excluded.max), " +
  "sum = sum + excluded.sum, cnt = cnt + excluded.cnt";

export function createRollupUpdater(db: Database, t: string, specs: readonly RollupSpec[]): RollupUpdater {
  const parts = specs.map((s) => ({
    every: s.every,
    pending: new Map<string, Agg>(),
    upsert: db.prepare(upsertRollupSql(t, s.every)) as Statement,
  }));
  return {
    add(nid, time, value) {
      for (const p of parts) {
        const bucket = bucketOf(time, p.every);
        const key = `${nid}:${bucket}`;
        const a = p.pending.get(key);
        if (a) {
          if (value < a.min) a.min = value;
          if (value > a.max) a.max = value;
          a.sum += value;
          a.cnt++;
        } else p.pending.set(key, { nid, bucket, min: value, max: value, sum: value, cnt: 1 });
      }
    },
    flush() {
      for (const p of parts) {
        for (const a of p.pending.values()) p.upsert.run(a.nid, a.bucket, a.min, a.max, a.sum, a.cnt);
        p.pending.clear();
      }
    },
    finalize() {
      for (const p of parts) p.upsert.finalize();
    },
  };
}
