// Filling a new rollup from the rows already stored, in steps that survive anything. A
// fill is a row in _neo_rollup_fill (table, interval, where it got to); `neo shell table
// set` records it in the same commit that creates the rollup, and whoever has the store
// open (the CLI that started it, a running server, the next start) takes steps until the
// row is gone. Each step is one short write transaction that recomputes a range of
// whole buckets of one name from the data table and moves the mark past it:
//   DELETE those buckets; INSERT their aggregates from the rows stored now; advance.
// Under the write lock the data table is exactly what every writer committed, and every
// writer since the rollup was created also merges its rows into it; so a recomputed
// bucket is right whatever was merged into it before, and one merged into later stays
// right. Steps are idempotent: two processes filling the same rollup, or a step repeated
// after a crash, give the same result. Killing the CLI (SIGHUP from a dropped SSH
// session, kill -9) loses at most the step in flight.
import type { Database } from "bun:sqlite";
import { formatNs, parseRetention } from "../lib/duration.ts";
import { dataTable, decodeValueSql, namesTable } from "./layout.ts";
import { bucketOf, rollupStore } from "./rollup.ts";

/** rows of the data table one step reads (a few ms); NEO_FILL_STEP_ROWS sets it (tests slow a fill down) */
const FILL_STEP_ROWS = Math.max(1, Number(process.env.NEO_FILL_STEP_ROWS) || 20_000);

function ensureFillTable(db: Database): void {
  db.exec(
    "CREATE TABLE IF NOT EXISTS _neo_rollup_fill (tbl TEXT NOT NULL, every TEXT NOT NULL, nid INTEGER NOT NULL, " +
      "from_time INTEGER, last_nid INTEGER NOT NULL, done INTEGER NOT NULL DEFAULT 0, total INTEGER NOT NULL, " +
      "started TEXT NOT NULL, " +
      "PRIMARY KEY (tbl, every))",
  );
}

/**
 * Inside the transaction that created the rollup: the fill starts at the first name and
 * ends with the last name that exists now (a name made later has all its rows merged by
 * their writers, so the fill never chases new names).
 */
export function recordFill(db: Database, t: string, every: bigint): void {
  ensureFillTable(db);
  const total = Number(db.query<{ n: bigint }, []>(`SELECT count(*) AS n FROM "${dataTable(t)}"`).get()?.n ?? 0);
  const last = db.query<{ m: bigint | null }, []>(`SELECT max(id) AS m FROM "${namesTable(t)}"`).get()?.m ?? null;
  db.prepare(
    "INSERT OR REPLACE INTO _neo_rollup_fill (tbl, every, nid, from_time, last_nid, done, total, started) VALUES (?, ?, -9223372036854775808, NULL, ?, 0, ?, ?)",
  ).run(t, formatNs(every), last ?? -1, total, new Date().toISOString());
}

/** a removed rollup (or table) has nothing left to fill */
export function forgetFill(db: Database, t: string, every?: bigint): void {
  ensureFillTable(db);
  if (every === undefined) db.prepare("DELETE FROM _neo_rollup_fill WHERE tbl = ?").run(t);
  else db.prepare("DELETE FROM _neo_rollup_fill WHERE tbl = ? AND every = ?").run(t, formatNs(every));
}

export interface FillState {
  table: string;
  every: string;
  /** rows of the data table aggregated so far, and how many there were when it started */
  done: number;
  total: number;
  started: string;
}

interface FillRow {
  tbl: string;
  every: string;
  nid: bigint;
  from_time: bigint | null;
  last_nid: bigint;
  done: bigint;
  total: bigint;
  started: string;
}

export function pendingFills(db: Database): FillState[] {
  const exists = db
    .query<{ n: bigint }, []>("SELECT count(*) AS n FROM sqlite_master WHERE name = '_neo_rollup_fill'")
    .get();
  if (!exists || Number(exists.n) === 0) return [];
  return db
    .query<FillRow, []>("SELECT * FROM _neo_rollup_fill ORDER BY tbl, every")
    .all()
    .map((r) => ({ table: r.tbl, every: r.every, done: Number(r.done), total: Number(r.total), started: r.started }));
}

/**
 * One step of one pending fill, in its own IMMEDIATE transaction: whole buckets of one
 * or more names, about `stepRows` rows of the data table. Returns false when nothing is
 * left to fill (every fill row is gone).
 */
export function fillStep(db: Database, stepRows = FILL_STEP_ROWS): boolean {
  if (pendingFills(db).length === 0) return false;
  const tx = db.transaction(() => {
    const f = db.query<FillRow, []>("SELECT * FROM _neo_rollup_fill ORDER BY tbl, every LIMIT 1").get();
    if (!f) return false;
    const every = parseRetention(f.every) ?? 0n;
    const data = dataTable(f.tbl);
    const store = rollupStore(f.tbl, every);
    const done = () => db.query("DELETE FROM _neo_rollup_fill WHERE tbl = ? AND every = ?").run(f.tbl, f.every);
    const tables = db
      .query<{ n: bigint }, [string, string]>("SELECT count(*) AS n FROM sqlite_master WHERE name IN (?, ?)")
      .get(data, store);
    if (!tables || Number(tables.n) < 2) {
      done(); // the table or the rollup was dropped meanwhile
      return true;
    }
    const v = decodeValueSql("v");
    const b = `time - (((time % ${every}) + ${every}) % ${every})`;
    const firstRow = db.query<{ nid: bigint; time: bigint }, [bigint, bigint]>(
      `SELECT nid, time FROM "${data}" WHERE nid >= ? AND nid <= ? ORDER BY nid, time LIMIT 1`,
    );
    const farRow = db.query<{ time: bigint }, [bigint, bigint, number]>(
      `SELECT time FROM "${data}" WHERE nid = ? AND time >= ? ORDER BY time LIMIT 1 OFFSET ?`,
    );
    const clearTo = db.query(`DELETE FROM "${store}" WHERE nid = ?1 AND bucket >= ?2 AND bucket < ?3`);
    const clearAll = db.query(`DELETE FROM "${store}" WHERE nid = ?1 AND bucket >= ?2`);
    const aggregate = (range: string) =>
      db.query(
        `INSERT INTO "${store}" (nid, bucket, min, max, sum, cnt) SELECT nid, ${b} AS b, min(${v}), max(${v}), ` +
          `sum(${v}), count(v) FROM "${data}" WHERE nid = ?1 AND ${range} AND v IS NOT NULL GROUP BY b`,
      );
    const addTo = aggregate("time >= ?2 AND time < ?3");
    const addAll = aggregate("time >= ?2");
    const countTo = db.query<{ n: bigint }, [bigint, bigint, bigint]>(
      `SELECT count(*) AS n FROM "${data}" WHERE nid = ?1 AND time >= ?2 AND time < ?3`,
    );
    const countAll = db.query<{ n: bigint }, [bigint, bigint]>(
      `SELECT count(*) AS n FROM "${data}" WHERE nid = ?1 AND time >= ?2`,
    );
    let nid = f.nid;
    let fromTime = f.from_time;
    let read = 0;
    while (read < stepRows) {
      const first = firstRow.get(nid, f.last_nid);
      if (!first) {
        done();
        return true;
      }
      const from = first.nid === nid && fromTime !== null ? fromTime : bucketOf(first.time, every);
      nid = first.nid;
      // this name's part ends at a bucket boundary after the rows left in the step (past one bucket)
      const far = farRow.get(nid, from, stepRows - read);
      if (far) {
        let to = bucketOf(far.time, every);
        if (to <= from) to = from + every;
        clearTo.run(nid, from, to);
        addTo.run(nid, from, to);
        read += Number(countTo.get(nid, from, to)?.n ?? 0);
        fromTime = to;
      } else {
        clearAll.run(nid, from);
        addAll.run(nid, from);
        read += Number(countAll.get(nid, from)?.n ?? 0);
        nid += 1n;
        fromTime = null;
      }
    }
    db.query(
      "UPDATE _neo_rollup_fill SET nid = ?, from_time = ?, done = min(done + ?, total) WHERE tbl = ? AND every = ?",
    ).run(nid, fromTime, read, f.tbl, f.every);
    return true;
  });
  return tx.immediate() as boolean;
}

/** every pending fill to its end, here and now (the CLI; tests) */
export function fillAll(db: Database, between?: () => void, stepRows = FILL_STEP_ROWS): void {
  while (fillStep(db, stepRows)) between?.();
}
