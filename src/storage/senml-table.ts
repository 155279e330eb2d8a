// The side table of a SenML channel: every record in full, beside the NAME/TIME/VALUE
// row its channel's tag table gets. `<TABLE>_SENML` (NAME, TIME, VALUE, UNIT, VS, VB, VD,
// SUM): unit, string, boolean and data values and sums stay queryable with /db/query, in
// the same transaction as the tag rows, so a message is stored whole or not at all.
import type { Database, Statement } from "bun:sqlite";
import { NeoError } from "../lib/errors.ts";

/** One SenML record as stored; null where the record had no such field. */
export interface SenmlRow {
  name: string;
  /** nanoseconds since the Unix epoch */
  time: bigint;
  value: number | null;
  unit: string | null;
  /** vs */
  stringValue: string | null;
  /** vb */
  boolValue: boolean | null;
  /** vd, base64url text */
  dataValue: string | null;
  sum: number | null;
}

export const SENML_SUFFIX = "_SENML";

/** the side table of a (normalized) tag table */
export const senmlTableOf = (table: string): string => `${table}${SENML_SUFFIX}`;

export function checkSenmlRow(r: SenmlRow, i: number): void {
  const bad = (what: string) => new NeoError("bad_row", `SenML record ${i + 1}: ${what}`, 400);
  if (typeof r.time !== "bigint" || r.time < -(2n ** 63n) || r.time >= 2n ** 63n) throw bad("time out of range");
  for (const n of [r.value, r.sum]) if (n !== null && !Number.isFinite(n)) throw bad("number out of range");
}

export function createSenmlWriter(db: Database) {
  const inserts = new Map<string, Statement>();
  const insertFor = (table: string): Statement => {
    let st = inserts.get(table);
    if (!st) {
      const side = senmlTableOf(table);
      db.exec(
        `CREATE TABLE IF NOT EXISTS "${side}" (NAME TEXT NOT NULL, TIME INTEGER NOT NULL, VALUE REAL, UNIT TEXT, VS TEXT, VB INTEGER, VD TEXT, SUM REAL);` +
          `CREATE INDEX IF NOT EXISTS "_idx_${side}" ON "${side}" (NAME, TIME);`,
      );
      st = db.prepare(
        `INSERT INTO "${side}" (NAME, TIME, VALUE, UNIT, VS, VB, VD, SUM) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      inserts.set(table, st);
    }
    return st;
  };
  return {
    /** inside the caller's transaction */
    insert(table: string, rows: readonly SenmlRow[]): void {
      const st = insertFor(table);
      for (const r of rows)
        st.run(
          r.name,
          r.time,
          r.value,
          r.unit,
          r.stringValue,
          r.boolValue === null ? null : r.boolValue ? 1 : 0,
          r.dataValue,
          r.sum,
        );
    },
    close(): void {
      for (const st of inserts.values()) st.finalize();
    },
  };
}
