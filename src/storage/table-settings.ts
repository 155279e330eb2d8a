// Per-table lifecycle settings in series.db (_neo_table_settings): retention (null = the
// Storage.Retention default, or "off") and rollups. Written by `neo shell table set` (or
// the HTTP API) on the same file a running server uses; the server's writer sees the
// change before its next commit (PRAGMA data_version).
import type { Database } from "bun:sqlite";
import { NeoError } from "../lib/errors.ts";
import { formatNs, parseRetention } from "../lib/duration.ts";
import { dataTable, namesTable } from "./layout.ts";
import { openDatabase } from "./db.ts";
import {
  aggregateRollupSql,
  createRollupSql,
  dropRollupSql,
  parseRollups,
  type RollupSpec,
  upsertRollupSql,
} from "./rollup.ts";

export interface TableSettings {
  /** undefined: the Storage.Retention default; null: off; else ns */
  retention: bigint | null | undefined;
  rollups: RollupSpec[];
}

interface StoredRollup {
  every: string;
  retention: string | null;
}

export function ensureSettingsTable(db: Database): void {
  db.exec(
    "CREATE TABLE IF NOT EXISTS _neo_table_settings (tbl TEXT PRIMARY KEY, retention TEXT, rollups TEXT NOT NULL DEFAULT '[]')",
  );
}

const fromStored = (retention: string | null, rollups: string): TableSettings => ({
  retention: retention === null ? undefined : parseRetention(retention),
  rollups: (JSON.parse(rollups) as StoredRollup[]).map((r) => ({
    every: parseRetention(r.every) ?? 0n,
    retention: r.retention === null ? null : parseRetention(r.retention),
  })),
});

export function readSettings(db: Database): Map<string, TableSettings> {
  const out = new Map<string, TableSettings>();
  for (const r of db
    .query<{ tbl: string; retention: string | null; rollups: string }, []>(
      "SELECT tbl, retention, rollups FROM _neo_table_settings",
    )
    .all()) {
    out.set(r.tbl, fromStored(r.retention, r.rollups));
  }
  return out;
}

export interface TableOptions {
  /** "7d", "off" or "default" */
  retention?: string;
  /** "1m,1h", "1m:30d,1h" or "off" */
  rollups?: string;
}

/** aggregates merged per transaction while a new rollup is filled */
const BACKFILL_ROWS = 5000;

/**
 * Change a table's settings in one short transaction (dropping removed rollups, creating
 * new ones), then fill new rollups from the rows stored before that commit, name by name in
 * small transactions. Those rows are read from a snapshot taken while the settings
 * transaction still held the write lock; every row committed after it is merged by the
 * writer that commits it (it sees the new settings first), so each row counts once while
 * ingest goes on. `betweenChunks` is for tests.
 */
export function setTableOptions(
  db: Database,
  table: string,
  opts: TableOptions,
  hooks: { betweenChunks?: () => void } = {},
): TableSettings {
  ensureSettingsTable(db);
  const retention =
    opts.retention === undefined || opts.retention.trim().toLowerCase() === "default"
      ? opts.retention
      : formatRetention(parseRetention(opts.retention));
  const rollups = opts.rollups === undefined ? undefined : parseRollups(opts.rollups);
  const added: bigint[] = [];
  let snapshot: Database | null = null;
  const tx = db.transaction(() => {
    const exists = db
      .query<{ n: bigint }, [string]>("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = ?")
      .get(dataTable(table));
    if (!exists || Number(exists.n) === 0) throw new NeoError("no_table", `no such table: ${table}`, 404);
    const before = readSettings(db).get(table) ?? { retention: undefined, rollups: [] };
    db.prepare("INSERT OR IGNORE INTO _neo_table_settings (tbl) VALUES (?)").run(table);
    if (retention !== undefined) {
      const stored = retention.trim().toLowerCase() === "default" ? null : retention;
      db.prepare("UPDATE _neo_table_settings SET retention = ? WHERE tbl = ?").run(stored, table);
    }
    if (rollups !== undefined) {
      for (const r of before.rollups)
        if (!rollups.some((x) => x.every === r.every)) db.exec(dropRollupSql(table, r.every));
      for (const r of rollups) {
        if (before.rollups.some((x) => x.every === r.every)) continue;
        db.exec(createRollupSql(table, r.every));
        added.push(r.every);
      }
      const stored: StoredRollup[] = rollups.map((r) => ({
        every: formatNs(r.every),
        retention: r.retention === null ? null : formatNs(r.retention),
      }));
      db.prepare("UPDATE _neo_table_settings SET rollups = ? WHERE tbl = ?").run(JSON.stringify(stored), table);
    }
    if (added.length > 0 && db.filename && db.filename !== ":memory:") {
      // the committed state as of now: everything this commit's rollups must be filled from
      snapshot = openDatabase(db.filename, { readonly: true });
      snapshot.exec("BEGIN");
      snapshot.query("SELECT count(*) FROM sqlite_master").get();
    }
    return readSettings(db).get(table)!;
  });
  let result: TableSettings;
  try {
    result = tx.immediate();
  } catch (e) {
    (snapshot as Database | null)?.close();
    throw e;
  }
  const snap = snapshot as Database | null;
  if (snap) {
    try {
      backfill(db, snap, table, added, hooks.betweenChunks);
    } finally {
      snap.exec("COMMIT");
      snap.close();
    }
  }
  return result;
}

interface Agg {
  b: bigint;
  mn: number;
  mx: number;
  sm: number;
  n: bigint;
}

function backfill(db: Database, snap: Database, t: string, added: bigint[], between?: () => void): void {
  const ids = snap.query(`SELECT id FROM "${namesTable(t)}" ORDER BY id`).values() as [bigint][];
  for (const every of added) {
    const read = snap.prepare<Agg, [bigint]>(aggregateRollupSql(t, every));
    const up = db.prepare(upsertRollupSql(t, every));
    const merge = db.transaction((nid: bigint, rows: Agg[]) => {
      for (const r of rows) up.run(nid, r.b, r.mn, r.mx, r.sm, r.n);
    });
    try {
      for (const [nid] of ids) {
        let chunk: Agg[] = [];
        for (const r of read.iterate(nid)) {
          chunk.push(r);
          if (chunk.length >= BACKFILL_ROWS) {
            merge.immediate(nid, chunk);
            chunk = [];
            between?.();
          }
        }
        if (chunk.length > 0) merge.immediate(nid, chunk);
        between?.();
      }
    } finally {
      read.finalize();
      up.finalize();
    }
  }
}

export const formatRetention = (r: bigint | null): string => (r === null ? "off" : formatNs(r));
