// How a tag table is stored in series.db. A user table T (NAME, TIME, VALUE) is a VIEW over
// two internal tables that belong to T alone:
//   _T_names  (id INTEGER PRIMARY KEY, name TEXT UNIQUE)         the name dictionary
//   _T_data   (nid, time, seq, v) PRIMARY KEY (nid, time, seq) WITHOUT ROWID
// `seq` is 0 for the first row of a (name, time) and counts duplicates, so every row ever
// written is kept (a 0 costs no bytes in SQLite's record format). `v` has no type affinity:
// a value that is exactly k/100 for an integer k is stored as the integer k (1-3 bytes
// for sensor readings instead of 8), anything else as a REAL; the view divides integers
// by 100.0, which gives back the identical double (IEEE division is correctly rounded).
// Rollups of T (see rollup.ts) are _T_r<interval> tables with _T_ROLLUP_<INTERVAL> views.

import type { Database } from "bun:sqlite";

/** the table of NAME -> id for user table `t` (t already normalized, upper case) */
export const namesTable = (t: string) => `_${t}_names`;
/** the rows of user table `t` */
export const dataTable = (t: string) => `_${t}_data`;

const VALUE_SCALE = 100;

/** SQL giving the stored value `col` back as the double that was written */
export const decodeValueSql = (col: string) => `iif(typeof(${col}) = 'integer', ${col} / 100.0, ${col})`;

/**
 * The integer a value is stored as, or undefined when it must be stored as a REAL.
 * Round trip: stored / 100 (IEEE) === value exactly.
 */
export function scaledValue(v: number): number | undefined {
  const k = Math.round(v * VALUE_SCALE);
  if (!Number.isSafeInteger(k) || k / VALUE_SCALE !== v) return undefined;
  if (k === 0 && Object.is(v, -0)) return undefined; // keep -0.0 as a REAL
  return k;
}

/** DDL for the internal tables and the user-facing view of table `t` */
export function createTableSql(t: string): string {
  return (
    `CREATE TABLE IF NOT EXISTS "${namesTable(t)}" (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);` +
    `CREATE TABLE IF NOT EXISTS "${dataTable(t)}" (nid INTEGER NOT NULL, time INTEGER NOT NULL, ` +
    "seq INTEGER NOT NULL DEFAULT 0, v, PRIMARY KEY (nid, time, seq)) WITHOUT ROWID;"
  );
}

// CROSS JOIN fixes SQLite's loop order: names outside, each name's rows (by the key
// (nid, time)) inside. Then a condition on TIME is a key seek per name, not a scan of every
// row: the latest row per name written as `where TIME = (select max(TIME) from T where
// NAME = t.NAME)` and a time range over all names become ~100 seeks instead of 1M rows.
// Rows come out in the same order as before (name id, then time).
export function createViewSql(t: string): string {
  return (
    `CREATE VIEW IF NOT EXISTS "${t}" AS SELECT n.name AS NAME, d.time AS TIME, ${decodeValueSql("d.v")} AS VALUE ` +
    `FROM "${namesTable(t)}" AS n CROSS JOIN "${dataTable(t)}" AS d ON d.nid = n.id`
  );
}

/** views made before the CROSS JOIN (see createViewSql), to be replaced at start-up */
export function staleViews(db: Database): string[] {
  return db
    .query<{ name: string; sql: string }, []>(
      "SELECT v.name, v.sql FROM sqlite_master v JOIN sqlite_master d ON d.type = 'table' AND d.name = '_' || v.name || '_data' WHERE v.type = 'view'",
    )
    .all()
    .filter((v) => !v.sql.includes(" CROSS JOIN "))
    .map((v) => v.name);
}

/** replace the views staleViews finds, each in one transaction (same rows, faster plans) */
export function refreshViews(db: Database): string[] {
  const stale = staleViews(db);
  for (const t of stale) {
    db.transaction(() => {
      db.exec(`DROP VIEW IF EXISTS "${t}"`); // IF: another process may be doing the same
      db.exec(createViewSql(t));
    })();
  }
  return stale;
}

const INTERNAL = /^_([A-Za-z][A-Za-z0-9_]{0,62})_(?:data|names|legacy|r\d+[smhd]|ROLLUP_\d+[SMHD])$/i;
const USER = /^[A-Za-z][A-Za-z0-9_]{0,62}$/;

/**
 * The user table an object of series.db belongs to, for deciding who may read it: a user
 * table or view is itself, `_T_data`, `_T_names`, `_T_legacy` (an old table being migrated), `_T_r1m` and `_T_ROLLUP_1M` belong to T,
 * and anything else (`_neo_*` bookkeeping, `sqlite_*`) is null: no user may read it.
 */
export function userTableOf(name: string): string | null {
  if (/^sqlite_/i.test(name)) return null;
  if (USER.test(name)) return name.toUpperCase();
  const m = INTERNAL.exec(name);
  return m ? m[1]!.toUpperCase() : null;
}
