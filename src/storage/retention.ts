// Deleting old rows in small steps: each step is one short transaction that deletes at
// most `limit` rows (per name, with a seek on the (name id, TIME) key), so a pass over a
// big table never holds the writer for long and ingest runs between steps.
import type { Database } from "bun:sqlite";
import { dataTable, namesTable } from "./layout.ts";
import { rollupStore } from "./rollup.ts";

export interface DeleteTarget {
  /** the internal table and its time column */
  table: string;
  column: "time" | "bucket";
  names: string;
  /** rows with column < cutoff go */
  cutoff: bigint;
}

export function dataTarget(t: string, cutoff: bigint): DeleteTarget {
  return { table: dataTable(t), column: "time", names: namesTable(t), cutoff };
}
/** a rollup row goes once its whole interval is older than the cutoff */
export function rollupTarget(t: string, every: bigint, cutoff: bigint): DeleteTarget {
  return { table: rollupStore(t, every), column: "bucket", names: namesTable(t), cutoff: cutoff - every + 1n };
}

/** One transaction: delete up to ~limit rows of `target` older than its cutoff; returns rows deleted (0 = nothing left). */
export function deleteStep(db: Database, target: DeleteTarget, limit: number): number {
  const { table, column, names, cutoff } = target;
  return db.transaction(() => {
    let deleted = 0;
    const ids = db.query<{ id: bigint }, []>(`SELECT id FROM "${names}" ORDER BY id`).values() as [bigint][];
    const nth = db.prepare<{ t: bigint }, [bigint, bigint, number]>(
      `SELECT ${column} AS t FROM "${table}" WHERE nid = ? AND ${column} < ? ORDER BY ${column} LIMIT 1 OFFSET ?`,
    );
    const upTo = db.prepare(`DELETE FROM "${table}" WHERE nid = ? AND ${column} <= ?`);
    const below = db.prepare(`DELETE FROM "${table}" WHERE nid = ? AND ${column} < ?`);
    try {
      for (const [id] of ids) {
        const room = limit - deleted;
        if (room <= 0) break;
        const edge = nth.get(id, cutoff, room - 1);
        deleted += edge ? upTo.run(id, edge.t).changes : below.run(id, cutoff).changes;
      }
    } finally {
      nth.finalize();
      upTo.finalize();
      below.finalize();
    }
    return deleted;
  })();
}

/** the oldest time in a tag table (one seek per name), or null when it is empty */
export function oldestTime(db: Database, t: string): bigint | null {
  const r = db
    .query<{ t: bigint | null }, []>(
      `SELECT min((SELECT min(time) FROM "${dataTable(t)}" WHERE nid = n.id)) AS t FROM "${namesTable(t)}" AS n`,
    )
    .get();
  return r?.t ?? null;
}

export function newestTime(db: Database, t: string): bigint | null {
  const r = db
    .query<{ t: bigint | null }, []>(
      `SELECT max((SELECT max(time) FROM "${dataTable(t)}" WHERE nid = n.id)) AS t FROM "${namesTable(t)}" AS n`,
    )
    .get();
  return r?.t ?? null;
}
