// Per-table lifecycle settings in series.db (_neo_table_settings): retention (null = the
// Storage.Retention default, or "off") and rollups. Written by `neo shell table set` (or
// the HTTP API) on the same file a running server uses; the server's writer sees the
// change before its next commit (PRAGMA data_version).
import type { Database } from "bun:sqlite";
import { NeoError } from "../lib/errors.ts";
import { formatNs, parseRetention } from "../lib/duration.ts";
import { dataTable } from "./layout.ts";
import { createRollupSql, dropRollupSql, parseRollups, type RollupSpec } from "./rollup.ts";
import { fillAll, forgetFill, recordFill } from "./rollup-fill.ts";

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

/**
 * Change a table's settings in one short transaction (dropping removed rollups, creating
 * new ones and recording each new one's fill as pending in _neo_rollup_fill), then fill
 * them here (rollup-fill.ts: small idempotent steps any process may take, so a fill this
 * process does not finish is finished by a running server or the next start).
 * `betweenChunks` runs between steps (tests; the CLI's progress).
 */
export function setTableOptions(
  db: Database,
  table: string,
  opts: TableOptions,
  hooks: { betweenChunks?: () => void; stepRows?: number } = {},
): TableSettings {
  ensureSettingsTable(db);
  const retention =
    opts.retention === undefined || opts.retention.trim().toLowerCase() === "default"
      ? opts.retention
      : formatRetention(parseRetention(opts.retention));
  const rollups = opts.rollups === undefined ? undefined : parseRollups(opts.rollups);
  const added: bigint[] = [];
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
        if (!rollups.some((x) => x.every === r.every)) {
          db.exec(dropRollupSql(table, r.every));
          forgetFill(db, table, r.every);
        }
      for (const r of rollups) {
        if (before.rollups.some((x) => x.every === r.every)) continue;
        db.exec(createRollupSql(table, r.every));
        recordFill(db, table, r.every);
        added.push(r.every);
      }
      const stored: StoredRollup[] = rollups.map((r) => ({
        every: formatNs(r.every),
        retention: r.retention === null ? null : formatNs(r.retention),
      }));
      db.prepare("UPDATE _neo_table_settings SET rollups = ? WHERE tbl = ?").run(JSON.stringify(stored), table);
    }
    return readSettings(db).get(table)!;
  });
  const result = tx.immediate();
  if (added.length > 0) fillAll(db, hooks.betweenChunks, hooks.stepRows);
  return result;
}

export const formatRetention = (r: bigint | null): string => (r === null ? "off" : formatNs(r));
