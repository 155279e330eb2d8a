// The side table of a SenML channel: every record in full, beside the NAME/TIME/VALUE
// row its channel's tag table gets. `<TABLE>_SENML` (NAME, TIME, VALUE, UNIT, VS, VB, VD,
// SUM, CHANNEL, PUBLISHER, SUBTOPIC, PROTOCOL): unit, string, boolean and data values and
// sums stay queryable with /db/query, in the same transaction as the tag rows, so a message
// is stored whole or not at all. Where it came from (channel, publisher, subtopic, protocol)
// is what Mainflux's readers filter on; side tables made before these columns get them added
// (older rows: NULL).
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
  /** the channel, who published, the subtopic ("" for none), "mqtt" | "http" | "websocket" | "coap" */
  channel?: string | null;
  publisher?: string | null;
  subtopic?: string | null;
  protocol?: string | null;
}

/** where a message came from: added to tables made before these columns existed */
const ORIGIN_COLUMNS = ["CHANNEL", "PUBLISHER", "SUBTOPIC", "PROTOCOL"];

const SENML_SUFFIX = "_SENML";

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
        `CREATE TABLE IF NOT EXISTS "${side}" (NAME TEXT NOT NULL, TIME INTEGER NOT NULL, VALUE REAL, UNIT TEXT, VS TEXT, VB INTEGER, VD TEXT, SUM REAL, CHANNEL TEXT, PUBLISHER TEXT, SUBTOPIC TEXT, PROTOCOL TEXT);` +
          `CREATE INDEX IF NOT EXISTS "_idx_${side}" ON "${side}" (NAME, TIME);`,
      );
      const info = db.prepare(`PRAGMA table_info("${side}")`);
      const have = new Set((info.all() as { name: string }[]).map((c) => c.name.toUpperCase()));
      info.finalize();
      for (const c of ORIGIN_COLUMNS) if (!have.has(c)) db.exec(`ALTER TABLE "${side}" ADD COLUMN ${c} TEXT`);
      db.exec(`CREATE INDEX IF NOT EXISTS "_idx_${side}_channel" ON "${side}" (CHANNEL, TIME)`);
      st = db.prepare(
        `INSERT INTO "${side}" (NAME, TIME, VALUE, UNIT, VS, VB, VD, SUM, CHANNEL, PUBLISHER, SUBTOPIC, PROTOCOL) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
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
          r.channel ?? null,
          r.publisher ?? null,
          r.subtopic ?? null,
          r.protocol ?? null,
        );
    },
    close(): void {
      for (const st of inserts.values()) st.finalize();
    },
  };
}
