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

/** names visited per step at most, so a table with very many names is also done in short steps */
const NAMES_PER_STEP = 2000;

interface StepResult {
  deleted: number;
  /** the name id to continue after, or null when every name was visited */
  next: bigint | null;
}

/**
 * One short transaction: delete up to ~limit rows of `target` older than its cutoff, for
 * the names with id > after (at most NAMES_PER_STEP of them).
 */
function deleteStep(db: Database, target: DeleteTarget, limit: number, after = 0n): StepResult {
  const { table, column, names, cutoff } = target;
  return db.transaction((): StepResult => {
    let deleted = 0;
    const ids = db
      .query<{ id: bigint }, [bigint, number]>(`SELECT id FROM "${names}" WHERE id > ? ORDER BY id LIMIT ?`)
      .values(after, NAMES_PER_STEP) as [bigint][];
    const nth = db.prepare<{ t: bigint }, [bigint, bigint, number]>(
      `SELECT ${column} AS t FROM "${table}" WHERE nid = ? AND ${column} < ? ORDER BY ${column} LIMIT 1 OFFSET ?`,
    );
    const upTo = db.prepare(`DELETE FROM "${table}" WHERE nid = ? AND ${column} <= ?`);
    const below = db.prepare(`DELETE FROM "${table}" WHERE nid = ? AND ${column} < ?`);
    let last: bigint | null = null;
    try {
      for (const [id] of ids) {
        const room = limit - deleted;
        if (room <= 0) return { deleted, next: last };
        const edge = nth.get(id, cutoff, room - 1);
        if (edge) {
          deleted += upTo.run(id, edge.t).changes;
          // this name may have more: continue with it next time
          return { deleted, next: last ?? after };
        }
        deleted += below.run(id, cutoff).changes;
        last = id;
      }
    } finally {
      nth.finalize();
      upTo.finalize();
      below.finalize();
    }
    return { deleted, next: ids.length < NAMES_PER_STEP ? null : last };
  })();
}

/** Delete everything older than the target's cutoff, step by step; `between` runs after each step. */
export async function deleteAll(
  db: Database,
  target: DeleteTarget,
  limit: number,
  between: () => Promise<boolean>,
): Promise<number> {
  let total = 0;
  let after = 0n;
  for (;;) {
    const r = deleteStep(db, target, limit, after);
    total += r.deleted;
    if (r.next === null) return total;
    after = r.next;
    if (!(await between())) return total;
  }
}

/** the same, synchronously (drop-oldest runs inside a write) */
export function deleteAllNow(db: Database, target: DeleteTarget, limit: number): number {
  let total = 0;
  let after = 0n;
  for (;;) {
    const r = deleteStep(db, target, limit, after);
    total += r.deleted;
    if (r.next === null) return total;
    after = r.next;
  }
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
