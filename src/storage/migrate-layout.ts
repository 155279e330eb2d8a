// Migration of tag tables written by older neo versions (one plain table T (NAME, TIME,
// VALUE) + index) into the compact layout (layout.ts), in place, while the gateway serves.
// prepareLegacyTables (one short transaction per table, at start-up) renames T to
// _T_legacy, creates _T_names/_T_data and makes T a view over the compact rows UNION ALL
// the old ones: queries see every row once, new rows go to the compact layout. Then each
// step moves one chunk (one transaction: insert into _T_data, delete from _T_legacy, count
// it in _neo_series_meta), so the file does not grow by a second copy and an interrupted
// migration resumes where it stopped. When _T_legacy is empty the moved count must equal
// the count recorded at the rename; then _T_legacy is dropped and T becomes the plain view.
import type { Database } from "bun:sqlite";
import { NeoError } from "../lib/errors.ts";
import type { Logger } from "../lib/log.ts";
import { createTableSql, createViewSql, decodeValueSql, dataTable, namesTable } from "./layout.ts";
import { openTableWriter, type Row, type TableWriter } from "./table-writer.ts";

export interface MigrateOptions {
  log?: Logger;
  /** rows per transaction (default 20,000) */
  chunk?: number;
  /** for tests: stop (as if interrupted) after this many chunks in all */
  stopAfterChunks?: number;
}

/** how far the layout migration is (GET /health shows it) */
export interface MigrationProgress {
  table: string;
  moved: number;
  total: number;
  /** tables still to migrate after this one */
  tablesAfter: number;
  rowsPerSecond?: number;
  secondsLeft?: number;
}

/** plain tables with NAME, TIME, VALUE columns not yet migrated (not yet renamed) */
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

const legacyOf = (t: string) => `_${t}_legacy`;
const key = (t: string, what: "legacy" | "moved") => `migrate:${t}:${what}`;

/** user tables whose old rows are still being moved (renamed, union view in place) */
export function migratingTables(db: Database): string[] {
  return db
    .query<{ name: string }, []>(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE '\\_%\\_legacy' ESCAPE '\\' ORDER BY name",
    )
    .all()
    .map((r) => r.name.slice(1, -"_legacy".length));
}

const unionViewSql = (t: string) =>
  `CREATE VIEW "${t}" AS SELECT n.name AS NAME, d.time AS TIME, ${decodeValueSql("d.v")} AS VALUE ` +
  `FROM "${namesTable(t)}" AS n CROSS JOIN "${dataTable(t)}" AS d ON d.nid = n.id ` +
  `UNION ALL SELECT NAME, TIME, VALUE FROM "${legacyOf(t)}"`;

/** Rename each old plain table and put the union view in its place (one transaction each). */
export function prepareLegacyTables(db: Database, log?: Logger): string[] {
  const count = (sql: string) => Number(db.query<{ n: bigint }, []>(sql).get()?.n ?? 0);
  const setMeta = db.prepare("INSERT OR REPLACE INTO _neo_series_meta (k, v) VALUES (?, ?)");
  const prepared: string[] = [];
  try {
    for (const t of legacyTables(db)) {
      let rows = 0;
      db.transaction(() => {
        db.exec(`ALTER TABLE "${t}" RENAME TO "${legacyOf(t)}"`);
        db.exec(createTableSql(t));
        db.exec(unionViewSql(t));
        rows = count(`SELECT count(*) AS n FROM "${legacyOf(t)}"`);
        setMeta.run(key(t, "legacy"), String(rows));
        setMeta.run(key(t, "moved"), "0");
        // a migration by the version before (rows counted with _T_data) is carried on this way
        db.prepare("DELETE FROM _neo_series_meta WHERE k = ?").run(`migrate:${t}:rows`);
      })();
      log?.info(
        `migrating table ${t} to the compact layout: ${rows} rows (in the background: the table is readable and writable meanwhile; progress and time left every 2 s and in /health)`,
      );
      prepared.push(t);
    }
  } finally {
    setMeta.finalize();
  }
  return prepared;
}

export interface LayoutMigration {
  /** move one chunk or finish one table; run it in a write transaction. false when nothing is left */
  step(): boolean;
  progress(): MigrationProgress | undefined;
}

/** The step-by-step mover; `writerFor` gives the writer of a (compact) table, shared with ingest. */
export function createLayoutMigration(
  db: Database,
  writerFor: (t: string) => TableWriter,
  opts: { log?: Logger; chunk?: number } = {},
): LayoutMigration {
  const chunk = opts.chunk ?? 20_000;
  const getMeta = (k: string) =>
    Number(db.query<{ v: string }, [string]>("SELECT v FROM _neo_series_meta WHERE k = ?").get(k)?.v ?? 0);
  const setMeta = (k: string, v: number) =>
    db.prepare("INSERT OR REPLACE INTO _neo_series_meta (k, v) VALUES (?, ?)").run(k, String(v));
  let pace: { table: string; at: number; moved: number } | undefined;
  let lastLog = performance.now();

  function progress(): MigrationProgress | undefined {
    const all = migratingTables(db);
    const t = all[0];
    if (t === undefined) return undefined;
    const moved = getMeta(key(t, "moved"));
    const total = getMeta(key(t, "legacy"));
    const p: MigrationProgress = { table: t, moved, total, tablesAfter: all.length - 1 };
    if (pace?.table === t) {
      const secs = (performance.now() - pace.at) / 1000;
      const rate = secs > 0 ? (moved - pace.moved) / secs : 0;
      if (rate > 0) {
        p.rowsPerSecond = Math.round(rate);
        p.secondsLeft = Math.ceil((total - moved) / rate);
      }
    }
    return p;
  }

  function step(): boolean {
    const t = migratingTables(db)[0];
    if (t === undefined) return false;
    const old = legacyOf(t);
    if (pace?.table !== t) pace = { table: t, at: performance.now(), moved: getMeta(key(t, "moved")) };
    const batch = db
      .query<{ r: bigint; NAME: string; TIME: bigint | number; VALUE: number | bigint | null }, [number]>(
        `SELECT rowid AS r, NAME, TIME, VALUE FROM "${old}" ORDER BY rowid LIMIT ?`,
      )
      .all(chunk);
    if (batch.length > 0) {
      const rows: Row[] = batch.map((b) => ({
        name: String(b.NAME),
        time: BigInt(b.TIME),
        value: b.VALUE === null ? null : Number(b.VALUE),
      }));
      const n = writerFor(t).insert(rows);
      if (n !== batch.length)
        throw new NeoError("migration_count_mismatch", `migration of ${t}: a chunk lost rows`, 500);
      db.prepare(`DELETE FROM "${old}" WHERE rowid <= ?`).run(batch[batch.length - 1]!.r);
      setMeta(key(t, "moved"), getMeta(key(t, "moved")) + n);
      if (performance.now() - lastLog > 2000) {
        lastLog = performance.now();
        const p = progress();
        if (p)
          opts.log?.info(
            `migrating table ${t}: ${p.moved}/${p.total} rows (${Math.floor((p.moved / Math.max(p.total, 1)) * 100)}%)` +
              (p.secondsLeft !== undefined ? `, about ${p.secondsLeft}s left at ${p.rowsPerSecond} rows/s` : ""),
          );
      }
      return true;
    }
    const total = getMeta(key(t, "legacy"));
    const moved = getMeta(key(t, "moved"));
    if (moved !== total) {
      throw new NeoError(
        "migration_count_mismatch",
        `migration of table ${t}: ${total} rows before, ${moved} moved; ${old} is kept (empty) and nothing was dropped`,
        500,
      );
    }
    db.exec(`DROP TABLE "${old}"`);
    db.exec(`DROP VIEW "${t}"`);
    db.exec(createViewSql(t));
    db.prepare("DELETE FROM _neo_series_meta WHERE k IN (?, ?)").run(key(t, "legacy"), key(t, "moved"));
    opts.log?.info(`migrated table ${t}: ${total} rows, verified`);
    pace = undefined;
    return true;
  }
  return { step, progress };
}

/** Migrate every old-layout table now (CLI, tests); returns the tables completed. */
export function migrateLegacyTables(db: Database, opts: MigrateOptions = {}): string[] {
  let budget = opts.stopAfterChunks ?? Number.POSITIVE_INFINITY;
  prepareLegacyTables(db, opts.log);
  const writers = new Map<string, TableWriter>();
  const writerFor = (t: string) => {
    let w = writers.get(t);
    if (!w) writers.set(t, (w = openTableWriter(db, t)));
    return w;
  };
  const m = createLayoutMigration(db, writerFor, opts);
  const done: string[] = [];
  try {
    for (;;) {
      if (budget-- <= 0) return done;
      const before = migratingTables(db);
      let more: boolean;
      try {
        more = db.transaction(() => m.step()).immediate();
      } catch (e) {
        for (const w of writers.values()) w.forget();
        throw e;
      }
      if (!more) return done;
      const after = new Set(migratingTables(db));
      for (const t of before) if (!after.has(t)) done.push(t);
    }
  } finally {
    for (const w of writers.values()) w.finalize();
  }
}
