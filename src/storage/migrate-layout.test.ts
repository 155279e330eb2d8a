import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Logger } from "../lib/log.ts";
import { openDatabase } from "./db.ts";
import { openSeriesStore } from "./index.ts";
import { type LegacyRow, sensorRows, writeLegacySeries } from "./legacy-fixture.ts";
import { legacyTables, migrateLegacyTables, migratingTables } from "./migrate-layout.ts";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "neo-migrate-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} } as unknown as Logger;
const ALL = "select NAME, TIME, VALUE from %T order by NAME, TIME, VALUE";

function legacyData(): Record<string, LegacyRow[]> {
  const rows = sensorRows(5000, 37);
  // what the old layout allowed and must survive: duplicates, NULL values, exact ns above 2^53
  rows.push({ name: "sensor.1", time: rows[1]!.time, value: rows[1]!.value });
  rows.push({ name: "odd", time: 1675851592000000001n, value: null });
  rows.push({ name: "odd", time: -5n, value: 1e300 });
  return { EXAMPLE: rows, OTHER: sensorRows(300, 3) };
}

function snapshot(query: (sql: string) => unknown[][], tables: string[]) {
  return Object.fromEntries(tables.map((t) => [t, query(ALL.replace("%T", t))]));
}

describe("start-up migration of the old layout", () => {
  test("a data dir from the old version is migrated in place: same rows, exact times, same answers", () => {
    writeLegacySeries(dir, legacyData());
    const old = openDatabase(join(dir, "series.db"), { readonly: true });
    const before = snapshot((q) => old.query(q).values() as unknown[][], ["EXAMPLE", "OTHER"]);
    const beforeAgg = old.query("select NAME, count(*), avg(VALUE), max(TIME) from EXAMPLE group by NAME").values();
    old.close();

    const lines: string[] = [];
    const log = { ...quiet, info: (m: string) => lines.push(m) } as unknown as Logger;
    const store = openSeriesStore(dir, { log });
    try {
      expect(snapshot((q) => store.query(q).rows, ["EXAMPLE", "OTHER"])).toEqual(before);
      expect(store.query("select NAME, count(*), avg(VALUE), max(TIME) from EXAMPLE group by NAME").rows).toEqual(
        beforeAgg,
      );
      expect(store.tables()).toEqual(["EXAMPLE", "OTHER"]);
      expect(lines.some((l) => /migrating table EXAMPLE to the compact layout: 5003 rows/.test(l))).toBe(true);
      expect(lines.some((l) => /migrated table EXAMPLE: 5003 rows, verified/.test(l))).toBe(true);
      // new rows go into the new layout
      store.write("EXAMPLE", [{ name: "new", time: 1n, value: 2 }]);
      expect(store.query("select count(*) from EXAMPLE").rows).toEqual([[5004n]]);
    } finally {
      store.close();
    }
  });

  test("an interrupted migration resumes where it stopped and ends with the same rows", () => {
    writeLegacySeries(dir, legacyData());
    const db = openDatabase(join(dir, "series.db"));
    const before = snapshot((q) => db.query(q).values() as unknown[][], ["EXAMPLE", "OTHER"]);
    // interrupted twice, after a few chunks each time
    expect(migrateLegacyTables(db, { chunk: 700, stopAfterChunks: 3, log: quiet })).toEqual([]);
    expect(legacyTables(db)).toEqual([]);
    expect(migratingTables(db)).toEqual(["EXAMPLE", "OTHER"]);
    // mid-way the view shows every row once: moved ones and old ones
    const mid = db
      .query(
        "select (select count(*) from EXAMPLE), (select count(*) from _EXAMPLE_legacy) + (select count(*) from _EXAMPLE_data)",
      )
      .values();
    expect(mid).toEqual([[5003n, 5003n]]);
    expect(snapshot((q) => db.query(q).values() as unknown[][], ["EXAMPLE", "OTHER"])).toEqual(before);
    migrateLegacyTables(db, { chunk: 700, stopAfterChunks: 4, log: quiet });
    db.close();

    const store = openSeriesStore(dir, { log: quiet });
    try {
      expect(snapshot((q) => store.query(q).rows, ["EXAMPLE", "OTHER"])).toEqual(before);
    } finally {
      store.close();
    }
  });

  test("a table with more columns than NAME, TIME, VALUE (a SenML side table) is left as it is", () => {
    writeLegacySeries(dir, { EXAMPLE: [] });
    const db = openDatabase(join(dir, "series.db"));
    db.exec("CREATE TABLE EXAMPLE_SENML (NAME TEXT NOT NULL, TIME INTEGER NOT NULL, VALUE REAL, UNIT TEXT)");
    expect(legacyTables(db)).toEqual(["EXAMPLE"]);
    migrateLegacyTables(db, { log: quiet });
    expect(legacyTables(db)).toEqual([]);
    expect(db.query("select type from sqlite_master where name = 'EXAMPLE_SENML'").values()).toEqual([["table"]]);
    db.close();
  });
});
