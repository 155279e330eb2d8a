// Time-series tag tables in <data>/series.db: users see tables of NAME text, TIME int64
// nanoseconds, VALUE double; each is a view over a name dictionary and a WITHOUT ROWID
// table keyed by (name id, TIME) (layout.ts). Writes go through one read-write connection
// in transactions with cached prepared statements; queries run on a second connection
// that SQLite itself opened read-only, so no statement can change stored data.
import type { Database, Statement } from "bun:sqlite";
import { join } from "node:path";
import { NeoError } from "../lib/errors.ts";
import { openDatabase } from "./db.ts";
import { createLifecycle } from "./lifecycle.ts";
import { refreshViews } from "./layout.ts";
import { createLayoutMigration, migrateLegacyTables, prepareLegacyTables } from "./migrate-layout.ts";
import { createRollupUpdater, type RollupUpdater } from "./rollup.ts";
import { fillStep } from "./rollup-fill.ts";
import { checkReadOnlySql } from "./sql-guard.ts";
import { checkSenmlRow, createSenmlWriter, senmlTableOf, type SenmlRow } from "./senml-table.ts";
import { openTableWriter, type Row, type TableWriter } from "./table-writer.ts";
import { checkRow, normalizeTableName, sqliteError, typeOf } from "./row-checks.ts";
import type { SeriesOptions, SeriesStore, SyncMode } from "./series-types.ts";

export type { Row };

/** the tag table every new store has (machbase-neo's examples use it) */
const EXAMPLE_TABLE = "EXAMPLE";

/** the store's file in the data dir */
export const SERIES_FILE = "series.db";

export function openSeriesStore(dataDir: string, opts: SeriesOptions = {}): SeriesStore {
  const file = join(dataDir, SERIES_FILE);
  const db: Database = openDatabase(file, { busyTimeoutMs: opts.busyTimeoutMs });
  let syncMode: SyncMode = "full";
  const setSync = (mode: SyncMode) => {
    syncMode = mode;
    db.exec(`PRAGMA synchronous=${mode === "normal" ? "NORMAL" : "FULL"}`);
  };
  setSync(opts.sync ?? "full");
  // Make sure the WAL files exist before the read-only connection attaches to them.
  db.exec("CREATE TABLE IF NOT EXISTS _neo_series_meta (k TEXT PRIMARY KEY, v TEXT)");
  const ro: Database = openDatabase(file, { readonly: true });

  // old-layout tables: renamed behind a union view now; their rows move step by step
  // (migrateStep, in the background) or here and now
  if (opts.migrateInBackground) {
    try {
      prepareLegacyTables(db, opts.log);
    } catch (e) {
      // e.g. a full disk: the old tables stay readable as they are; tried again by migrateStep
      opts.log?.warn(`could not start the layout migration: ${e instanceof Error ? e.message : String(e)}`);
    }
  } else migrateLegacyTables(db, { log: opts.log });
  try {
    const refreshed = refreshViews(db);
    if (refreshed.length > 0) opts.log?.info(`table views updated for faster per-name plans: ${refreshed.join(", ")}`);
  } catch (e) {
    // e.g. a full disk: the old views give the same rows, only slower; tried again at the next start
    opts.log?.warn(`could not update the table views: ${e instanceof Error ? e.message : String(e)}`);
  }
  const life = createLifecycle(db, file, opts);
  const writers = new Map<string, TableWriter>();
  const rollups = new Map<string, RollupUpdater>();
  let settingsSeen = life.settings();
  const listTables = db.prepare(
    "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE '\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
  );
  let closed = false;

  function ensureOpen(): void {
    if (closed) throw new NeoError("store_closed", "series store is closed", 503);
  }

  function writerFor(table: string): TableWriter {
    let w = writers.get(table);
    if (!w) {
      w = openTableWriter(db, table);
      writers.set(table, w);
    }
    return w;
  }

  const senmlWriter = createSenmlWriter(db);
  function insertRows(table: string, rows: Row[], senml?: SenmlRow[]): number {
    const w = writerFor(table);
    const specs = settingsSeen.get(table)?.rollups ?? [];
    let n: number;
    if (specs.length === 0) n = w.insert(rows);
    else {
      let u = rollups.get(table);
      if (!u) {
        u = createRollupUpdater(db, table, specs);
        rollups.set(table, u);
      }
      const up = u;
      n = w.insert(rows, (nid, r) => {
        if (r.value !== null) up.add(nid, r.time, r.value);
      });
      up.flush();
    }
    if (senml && senml.length > 0) senmlWriter.insert(table, senml);
    life.wrote(n);
    return n;
  }

  /** inside a write transaction: pick up settings another process changed */
  function refreshSettings(): void {
    const s = life.settings();
    if (s === settingsSeen) return;
    settingsSeen = s;
    for (const u of rollups.values()) u.finalize();
    rollups.clear();
  }

  /** run a write transaction; on failure no cached name id may outlive the rollback */
  function inTx<R>(tx: () => R): R {
    life.checkRoom();
    try {
      return tx();
    } catch (e) {
      // a table or name created in the rolled-back transaction is gone again
      for (const w of writers.values()) w.finalize();
      writers.clear();
      for (const u of rollups.values()) u.finalize();
      rollups.clear();
      throw life.mapWriteError(e);
    }
  }

  // A new store starts with machbase-neo's tutorial table, so the documented
  // `select * from EXAMPLE` answers (with no rows) before anything was written.
  const created = db.prepare<{ v: string }, []>("SELECT v FROM _neo_series_meta WHERE k = 'created'").get();
  if (!created) {
    db.transaction(() => {
      writerFor(EXAMPLE_TABLE);
      db.prepare("INSERT INTO _neo_series_meta (k, v) VALUES ('created', ?)").run(new Date().toISOString());
    })();
  }

  const migration = createLayoutMigration(db, writerFor, { log: opts.log, chunk: opts.migrateChunk ?? 5_000 });
  let unprepared = true;
  const migrateTx = db.transaction(() => {
    if (unprepared) {
      prepareLegacyTables(db, opts.log);
      unprepared = false;
    }
    return migration.step();
  });

  const writeTx = db.transaction((table: string, rows: Row[]) => {
    refreshSettings();
    return insertRows(table, rows);
  });
  const manyTx = db.transaction(
    (items: { table: string; rows: Row[]; senml?: SenmlRow[]; index: number }[], out: number[]) => {
      refreshSettings();
      for (const it of items) out[it.index] = insertRows(it.table, it.rows, it.senml);
    },
  );

  const write = (table: string, rows: Row[]): number => {
    ensureOpen();
    const t = normalizeTableName(table);
    rows.forEach(checkRow);
    if (rows.length === 0) return 0;
    return inTx(() => writeTx.immediate(t, rows) as number);
  };

  return {
    file,
    write,
    writeOwn(table, rows) {
      ensureOpen();
      if (syncMode === "normal") return write(table, rows);
      db.exec("PRAGMA synchronous=NORMAL");
      try {
        return write(table, rows);
      } finally {
        db.exec("PRAGMA synchronous=FULL");
      }
    },
    writeMany(batches, onReject) {
      ensureOpen();
      const out: number[] = new Array<number>(batches.length).fill(0);
      const ok: { table: string; rows: Row[]; senml?: SenmlRow[]; index: number }[] = [];
      batches.forEach((b, index) => {
        try {
          const t = normalizeTableName(b.table);
          b.rows.forEach(checkRow);
          if (b.senml) {
            normalizeTableName(senmlTableOf(t));
            b.senml.forEach(checkSenmlRow);
          }
          if (b.rows.length > 0) ok.push({ table: t, rows: b.rows, senml: b.senml, index });
        } catch (e) {
          const err = e instanceof NeoError ? e : new NeoError("bad_row", String(e), 400, e);
          if (batches.length === 1 && !onReject) throw err;
          out[index] = -1;
          onReject?.(index, err);
        }
      });
      if (ok.length > 0) inTx(() => manyTx.immediate(ok, out));
      return out;
    },
    query(sql, params = []) {
      ensureOpen();
      const body = checkReadOnlySql(sql);
      let st: Statement;
      try {
        st = ro.prepare(body);
      } catch (e) {
        throw sqliteError(e);
      }
      try {
        if (!st.readonly) {
          throw new NeoError("read_only", "only read-only statements are allowed", 400);
        }
        for (const p of params) {
          const k = typeof p;
          if (!(p === null || k === "string" || k === "number" || k === "bigint" || k === "boolean")) {
            throw new NeoError("bad_param", "query parameters must be strings, numbers or null", 400);
          }
        }
        let rows: unknown[][];
        try {
          rows = st.values(...(params as (string | number | bigint | boolean | null)[])) as unknown[][];
        } catch (e) {
          throw sqliteError(e);
        }
        const columns = st.columnNames.map((c) => c.toUpperCase());
        const declared = st.declaredTypes;
        const actual = rows.length > 0 ? st.columnTypes : [];
        const types = columns.map((c, i) => typeOf(declared[i], actual[i], c));
        return { columns, types, rows };
      } finally {
        st.finalize();
      }
    },
    tables() {
      ensureOpen();
      return (listTables.values() as [string][]).map((r) => r[0].toUpperCase());
    },
    setSync,
    storageState: () => life.state(),
    runRetention: (stop = () => false) => (closed ? Promise.resolve(0) : life.retention(() => closed || stop())),
    tableInfo: () => {
      ensureOpen();
      return life.tableInfo();
    },
    setTableOptions(table, o) {
      ensureOpen();
      const s = life.setTableOptions(normalizeTableName(table), o);
      refreshSettings();
      return s;
    },
    configureStorage: (o) => life.configure(o),
    migrateStep() {
      ensureOpen();
      return inTx(() => migrateTx.immediate());
    },
    migration: () => (closed ? undefined : migration.progress()),
    fillRollups() {
      ensureOpen();
      life.checkRoom();
      try {
        return fillStep(db);
      } catch (e) {
        throw life.mapWriteError(e);
      }
    },
    close(o = {}) {
      if (closed) return;
      closed = true;
      for (const w of writers.values()) w.finalize();
      senmlWriter.close();
      for (const u of rollups.values()) u.finalize();
      life.finalize();
      listTables.finalize();
      ro.close();
      try {
        db.exec(`PRAGMA wal_checkpoint(${o.checkpoint === "passive" ? "PASSIVE" : "TRUNCATE"})`);
      } catch (e) {
        // a full disk: the WAL keeps every commit and is checkpointed at the next start
        opts.log?.warn(`could not checkpoint the WAL at close: ${e instanceof Error ? e.message : String(e)}`);
      }
      db.close();
    },
  };
}
