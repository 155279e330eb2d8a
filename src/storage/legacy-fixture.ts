// For tests: a series.db as neo wrote it before the compact layout (plain tag tables with
// a (NAME, TIME) index), built with that version's own SQL.
import { Database } from "bun:sqlite";
import { join } from "node:path";

export interface LegacyRow {
  name: string;
  time: bigint;
  value: number | null;
}

export function writeLegacySeries(dataDir: string, tables: Record<string, LegacyRow[]>): void {
  const db = new Database(join(dataDir, "series.db"), { create: true, safeIntegers: true });
  db.exec("PRAGMA journal_mode=WAL; CREATE TABLE IF NOT EXISTS _neo_series_meta (k TEXT PRIMARY KEY, v TEXT)");
  db.exec("INSERT OR IGNORE INTO _neo_series_meta (k, v) VALUES ('created', '2026-11-01T00:00:00.000Z')");
  for (const [t, rows] of Object.entries(tables)) {
    db.exec(
      `CREATE TABLE IF NOT EXISTS "${t}" (NAME TEXT NOT NULL, TIME INTEGER NOT NULL, VALUE REAL);` +
        `CREATE INDEX IF NOT EXISTS "_idx_${t}" ON "${t}" (NAME, TIME);`,
    );
    const ins = db.prepare(`INSERT INTO "${t}" (NAME, TIME, VALUE) VALUES (?, ?, ?)`);
    db.transaction(() => {
      for (const r of rows) ins.run(r.name, r.time, r.value);
    })();
    ins.finalize();
  }
  db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  db.close();
}

/** rows of the benchmark's shape: `names` sensors, one row each 10 ms, one-decimal values */
export function sensorRows(n: number, names = 100, t0 = 1700000000000000000n): LegacyRow[] {
  return Array.from({ length: n }, (_, i) => ({
    name: `sensor.${i % names}`,
    time: t0 + BigInt(i) * 10_000_000n,
    value: (((i * 7919) % 2001) - 1000) / 10,
  }));
}
