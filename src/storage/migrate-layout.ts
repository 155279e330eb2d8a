// Start-up migration of tag tables written by older neo versions (one plain table
// T (NAME, TIME, VALUE) + index) into the compact layout (layout.ts), in place.
// Rows move in chunks, each chunk one transaction that inserts it into _T_data and deletes
// it from T, so the file does not grow by a second copy and an interrupted migration
// resumes where it stopped. The row count of T is recorded before the first chunk; when T
// is empty, _T_data must hold exactly that many rows, then T is dropped and the view T
// takes its place (one transaction).
import type { Database } from "bun:sqlite";
import { NeoError } from "../lib/errors.ts";
import type { Logger } from "../lib/log.ts";
import { createViewSql, dataTable } from "./layout.ts";
import { openTableWriter, type Row } from "./table-writer.ts";

export interface MigrateOptions {
  log?: Logger;
  /** rows per transaction (default 20,000) */
  chunk?: number;
  /** for tests: stop (as if interrupted) after this many chunks in all */
  stopAfterChunks?: number;
}

/** plain tables with NAME, TIME, VALUE columns not yet migrated */
export function legacyTables(db: Database): string[] {
  const tables = db
    .query<{ name: string }, []>(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
    )
    .all()
    .map((r) => r.name);
  return tables.filter((t) => {
    const cols = db
      .query<{ name: string }, []>(`SELECT name FROM pragma_table_info('${t.replaceAll("'", "''")}')`)
      .all()
      .map((c) => c.name.toUpperCase());
    // exactly the old tag table's columns (a SenML side table has more and stays as it is)
    return cols.length === 3 && cols.includes("NAME") && cols.includes("TIME") && cols.includes("VALUE");
  });
}

const metaKey = (t: string) => `migrate:${t}:rows`;

/** Migrate every old-layout table; returns the tables completed. Throws if a count does not match. */
export function migrateLegacyTables(db: Database, opts: MigrateOptions = {}): string[] {
  const chunk = opts.chunk ?? 20_000;
  let budget = opts.stopAfterChunks ?? Number.POSITIVE_INFINITY;
  const getMeta = db.prepare<{ v: string }, [string]>("SELECT v FROM _neo_series_meta WHERE k = ?");
  const setMeta = db.prepare("INSERT OR REPLACE INTO _neo_series_meta (k, v) VALUES (?, ?)");
  const delMeta = db.prepare("DELETE FROM _neo_series_meta WHERE k = ?");
  const done: string[] = [];
  for (const t of legacyTables(db)) {
    const count = (sql: string) => Number(db.query<{ n: bigint }, []>(sql).get()?.n ?? 0);
    let expected = getMeta.get(metaKey(t))?.v;
    const writer = openTableWriter(db, t, false);
    try {
      if (expected === undefined) {
        db.transaction(() => {
          expected = String(
            count(`SELECT count(*) AS n FROM "${t}"`) + count(`SELECT count(*) AS n FROM "${dataTable(t)}"`),
          );
          setMeta.run(metaKey(t), expected);
        })();
        opts.log?.info(
          `migrating table ${t} to the compact layout: ${expected} rows (the gateway listens when it is done; progress and time left every 2 s)`,
        );
      } else {
        opts.log?.info(`resuming the migration of table ${t}: ${expected} rows in all`);
      }
      const total = Number(expected);
      const read = db.prepare<
        { r: bigint; NAME: string; TIME: bigint | number; VALUE: number | bigint | null },
        [number]
      >(`SELECT rowid AS r, NAME, TIME, VALUE FROM "${t}" ORDER BY rowid LIMIT ?`);
      const drop = db.prepare(`DELETE FROM "${t}" WHERE rowid <= ?`);
      const step = db.transaction((): number => {
        const batch = read.all(chunk);
        if (batch.length === 0) return 0;
        const rows: Row[] = batch.map((b) => ({
          name: String(b.NAME),
          time: BigInt(b.TIME),
          value: b.VALUE === null ? null : Number(b.VALUE),
        }));
        writer.insert(rows);
        drop.run(batch[batch.length - 1]!.r);
        return batch.length;
      });
      let lastLog = performance.now();
      const began = performance.now();
      const movedBefore = count(`SELECT count(*) AS n FROM "${dataTable(t)}"`);
      for (;;) {
        if (budget <= 0) {
          read.finalize();
          drop.finalize();
          return done;
        }
        let n: number;
        try {
          n = step();
        } catch (e) {
          writer.forget();
          throw e;
        }
        budget--;
        if (n === 0) break;
        if (performance.now() - lastLog > 2000) {
          lastLog = performance.now();
          const moved = count(`SELECT count(*) AS n FROM "${dataTable(t)}"`);
          // the expected time from this run's own pace (the gateway listens once it is done)
          const rate = (moved - movedBefore) / ((performance.now() - began) / 1000);
          const left = rate > 0 ? Math.ceil((total - moved) / rate) : undefined;
          opts.log?.info(
            `migrating table ${t}: ${moved}/${total} rows (${Math.floor((moved / Math.max(total, 1)) * 100)}%)` +
              (left !== undefined ? `, about ${left}s left at ${Math.round(rate)} rows/s` : ""),
          );
        }
      }
      read.finalize();
      drop.finalize();
      const moved = count(`SELECT count(*) AS n FROM "${dataTable(t)}"`);
      if (moved !== total) {
        throw new NeoError(
          "migration_count_mismatch",
          `migration of table ${t}: ${total} rows before, ${moved} after; the old table is kept empty and nothing was dropped`,
          500,
        );
      }
      db.transaction(() => {
        db.exec(`DROP TABLE "${t}"`);
        db.exec(createViewSql(t));
        delMeta.run(metaKey(t));
      })();
      opts.log?.info(`migrated table ${t}: ${total} rows, verified`);
      done.push(t);
    } finally {
      writer.finalize();
    }
  }
  return done;
}
