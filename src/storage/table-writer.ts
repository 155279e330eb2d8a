// Inserting rows into one tag table's internal tables (see layout.ts): the name dictionary
// is cached per table, values are stored in their compact form, a repeated (name, time)
// gets the next seq so no row is ever dropped. Runs inside the caller's transaction.
import type { Database, Statement } from "bun:sqlite";
import { NeoError } from "../lib/errors.ts";
import { createTableSql, createViewSql, dataTable, namesTable, scaledValue } from "./layout.ts";

export interface Row {
  name: string;
  /** nanoseconds since the Unix epoch */
  time: bigint;
  value: number | null;
}

/** a name dictionary bigger than this is dropped from memory and reloaded as needed */
const MAX_CACHED_NAMES = 100_000;

export interface TableWriter {
  readonly table: string;
  /** insert rows; returns how many (always rows.length) */
  insert(rows: readonly Row[], onRow?: (nid: number, r: Row) => void): number;
  /** forget cached name ids (after a rollback they may not exist) */
  forget(): void;
  finalize(): void;
}

/** Create table `t` (internal tables + view) if needed and return its writer. */
export function openTableWriter(db: Database, t: string, withView = true): TableWriter {
  if (withView) {
    // a plain table of that name (a SenML side table) is not a tag table: rows written here
    // would land where no one sees them
    const kind = db
      .query<{ type: string }, [string]>("SELECT type FROM sqlite_master WHERE name = ? COLLATE NOCASE")
      .get(t);
    if (kind && kind.type !== "view") {
      throw new NeoError(
        "not_tag_table",
        `table ${t} is not a tag table (NAME, TIME, VALUE); it cannot be written to`,
        400,
      );
    }
  }
  db.exec(createTableSql(t));
  if (withView) db.exec(createViewSql(t));
  const data = dataTable(t);
  const ids = new Map<string, number>();
  const findName = db.prepare<{ id: bigint }, [string]>(`SELECT id FROM "${namesTable(t)}" WHERE name = ?`);
  const addName = db.prepare(`INSERT INTO "${namesTable(t)}" (name) VALUES (?)`);
  const insScaled = db.prepare(`INSERT OR IGNORE INTO "${data}" (nid, time, seq, v) VALUES (?1, ?2, 0, ?3)`);
  const insReal = db.prepare(
    `INSERT OR IGNORE INTO "${data}" (nid, time, seq, v) VALUES (?1, ?2, 0, CAST(?3 AS REAL))`,
  );
  const dupScaled = db.prepare(
    `INSERT INTO "${data}" (nid, time, seq, v) SELECT ?1, ?2, max(seq) + 1, ?3 FROM "${data}" WHERE nid = ?1 AND time = ?2`,
  );
  const dupReal = db.prepare(
    `INSERT INTO "${data}" (nid, time, seq, v) SELECT ?1, ?2, max(seq) + 1, CAST(?3 AS REAL) FROM "${data}" WHERE nid = ?1 AND time = ?2`,
  );
  const statements: Statement[] = [findName, addName, insScaled, insReal, dupScaled, dupReal];

  const idOf = (name: string): number => {
    let id = ids.get(name);
    if (id !== undefined) return id;
    const hit = findName.get(name);
    id = hit ? Number(hit.id) : Number(addName.run(name).lastInsertRowid);
    if (ids.size >= MAX_CACHED_NAMES) ids.clear();
    ids.set(name, id);
    return id;
  };

  return {
    table: t,
    insert(rows, onRow) {
      for (const r of rows) {
        const nid = idOf(r.name);
        const v = r.value;
        const k = v === null ? null : scaledValue(v);
        if (k !== undefined) {
          if (insScaled.run(nid, r.time, k).changes === 0) dupScaled.run(nid, r.time, k);
        } else if (insReal.run(nid, r.time, v).changes === 0) {
          dupReal.run(nid, r.time, v);
        }
        onRow?.(nid, r);
      }
      return rows.length;
    },
    forget: () => ids.clear(),
    finalize() {
      for (const st of statements) st.finalize();
    },
  };
}
