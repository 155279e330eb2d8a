import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase, openSeriesStore, userTableOf } from "../storage/index.ts";
import { openTableFinder, type TableFinder } from "./read-tables.ts";

let dir: string;
let finder: TableFinder;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "neo-finder-"));
  const db = openDatabase(join(dir, "series.db"));
  db.exec(`
    CREATE TABLE "TAG" (NAME TEXT NOT NULL, TIME INTEGER NOT NULL, VALUE REAL);
    CREATE INDEX "_idx_TAG" ON "TAG" (NAME, TIME);
    CREATE TABLE "SECRET" (NAME TEXT NOT NULL, TIME INTEGER NOT NULL, VALUE REAL);
    CREATE INDEX "_idx_SECRET" ON "SECRET" (NAME, TIME);
    CREATE TABLE "OTHER" (NAME TEXT, TIME INTEGER, VALUE REAL);
    CREATE VIEW "INNOCENT" AS SELECT * FROM "SECRET";
    INSERT INTO TAG VALUES ('a', 1, 1.0); INSERT INTO SECRET VALUES ('s', 1, 42.0);`);
  db.close();
  finder = openTableFinder(join(dir, "series.db"));
});
afterAll(() => {
  finder.close();
  rmSync(dir, { recursive: true, force: true });
});

const tables = (sql: string) => {
  const r = finder.tablesRead(sql);
  return r.ok ? r.tables : `refused ${r.status}`;
};

// Each statement with exactly the tables it reads: a scope for TAG alone must refuse every
// one that lists SECRET (or OTHER), and allow those that list only TAG.
const CORPUS: [string, string[] | string][] = [
  ["SELECT * FROM TAG", ["TAG"]],
  ["select value from tag where name = 'a'", ["TAG"]],
  ["SELECT count(*) FROM TAG", ["TAG"]],
  ["SELECT 1", []],
  ["VALUES (1), (2)", []],
  ["SELECT * FROM TAG, SECRET", ["SECRET", "TAG"]],
  ["SELECT * FROM TAG JOIN SECRET USING (NAME)", ["SECRET", "TAG"]],
  ["SELECT * FROM TAG LEFT JOIN OTHER ON OTHER.NAME = TAG.NAME", ["OTHER", "TAG"]],
  ["SELECT (SELECT max(VALUE) FROM SECRET) FROM TAG", ["SECRET", "TAG"]],
  ["SELECT * FROM TAG WHERE VALUE IN (SELECT VALUE FROM SECRET)", ["SECRET", "TAG"]],
  ["SELECT * FROM TAG WHERE EXISTS (SELECT 1 FROM SECRET WHERE SECRET.TIME = TAG.TIME)", ["SECRET", "TAG"]],
  ["WITH s AS (SELECT * FROM SECRET) SELECT * FROM s", ["SECRET"]],
  ["WITH t AS (SELECT * FROM TAG) SELECT * FROM t", ["TAG"]],
  ["WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3) SELECT * FROM c", []],
  [
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < (SELECT count(*) FROM SECRET)) SELECT * FROM c",
    ["SECRET"],
  ],
  ["SELECT NAME FROM TAG UNION SELECT NAME FROM SECRET", ["SECRET", "TAG"]],
  ["SELECT NAME FROM TAG UNION ALL SELECT NAME FROM TAG", ["TAG"]],
  ["SELECT NAME FROM TAG EXCEPT SELECT NAME FROM SECRET", ["SECRET", "TAG"]],
  ["SELECT * FROM INNOCENT", ["SECRET"]],
  ["SELECT * FROM (SELECT * FROM (SELECT * FROM SECRET))", ["SECRET"]],
  ['SELECT * FROM "secret"', ["SECRET"]],
  ["SELECT * FROM main.SECRET", ["SECRET"]],
  ["SELECT /* TAG */ * FROM SECRET -- TAG", ["SECRET"]],
  ["SELECT 'FROM TAG' FROM SECRET", ["SECRET"]],
  ["SELECT name FROM sqlite_schema", ["sqlite_schema"]],
  ["SELECT name FROM sqlite_master", ["sqlite_schema"]],
  ["SELECT * FROM TAG WHERE NAME = 'a' AND TIME > 0", ["TAG"]],
  ["SELECT * FROM json_each('[1,2,3]')", []],
  ["SELECT * FROM TAG, json_each('[1]') AS j", ["TAG"]],
  ["SELECT * FROM pragma_table_info('SECRET')", "refused 403"],
  ["SELECT * FROM dbstat", "refused 403"],
  ["EXPLAIN SELECT * FROM SECRET", ["SECRET"]],
  ["EXPLAIN QUERY PLAN SELECT * FROM SECRET", ["SECRET"]],
  ["SELECT * FROM temp.sqlite_temp_schema", "refused 403"],
  ["DELETE FROM TAG", "refused 400"],
  ["SELECT * FROM TAG; DELETE FROM TAG", "refused 400"],
  ["SELECT * FROM NOPE", "refused 400"],
];

describe("the table finder asks SQLite which tables a statement reads", () => {
  for (const [sql, want] of CORPUS)
    test(`${sql} -> ${Array.isArray(want) ? want.join(", ") || "(none)" : want}`, () => {
      expect(tables(sql)).toEqual(want);
    });

  test("a table created after the finder opened is found too", () => {
    const db = openDatabase(join(dir, "series.db"));
    db.exec('CREATE TABLE "LATE" (NAME TEXT, TIME INTEGER, VALUE REAL)');
    db.close();
    expect(tables("SELECT * FROM LATE")).toEqual(["LATE"]);
  });

  test("a root page freed by a drop and taken by another table names the new table, not the old", () => {
    const db = openDatabase(join(dir, "series.db"));
    db.exec('CREATE TABLE "GONE" (NAME TEXT, TIME INTEGER, VALUE REAL)');
    expect(tables("SELECT * FROM GONE")).toEqual(["GONE"]);
    const root = (name: string) =>
      Number(db.query<{ r: number }, [string]>("SELECT rootpage AS r FROM sqlite_schema WHERE name = ?").get(name)?.r);
    const was = root("GONE");
    db.exec('DROP TABLE "GONE"; CREATE TABLE "TAKER" (NAME TEXT, TIME INTEGER, VALUE REAL)');
    const now = root("TAKER");
    db.close();
    expect(tables("SELECT * FROM TAKER")).toEqual(["TAKER"]);
    expect(tables("SELECT * FROM GONE")).toBe("refused 400");
    expect(now).toBe(was); // the case that matters: the same b-tree, another table
  });

  test("the same text asked again after a view was replaced names the view's new table", () => {
    const db = openDatabase(join(dir, "series.db"));
    db.exec('CREATE VIEW "SHIFTY" AS SELECT * FROM "TAG"');
    expect(tables("SELECT * FROM SHIFTY")).toEqual(["TAG"]);
    expect(tables("SELECT * FROM SHIFTY")).toEqual(["TAG"]); // kept
    db.exec('DROP VIEW "SHIFTY"; CREATE VIEW "SHIFTY" AS SELECT * FROM "SECRET"');
    db.close();
    expect(tables("SELECT * FROM SHIFTY")).toEqual(["SECRET"]);
  });

  test("a mapping from internal to user tables applies, and null refuses naming the table", () => {
    const mapped = openTableFinder(join(dir, "series.db"), (t) => (t === "SECRET" ? null : t === "OTHER" ? "TAG" : t));
    expect(mapped.tablesRead("SELECT * FROM OTHER")).toEqual({ ok: true, tables: ["TAG"] });
    expect(mapped.tablesRead("SELECT * FROM TAG, SECRET")).toEqual({
      ok: false,
      status: 403,
      reason: "not allowed to read table SECRET",
    });
    mapped.close();
  });
});

describe("with the series store's own layout (views over internal tables)", () => {
  test("a view, its internal tables and its rollups all map back to the user table", () => {
    const d = mkdtempSync(join(tmpdir(), "neo-finder-store-"));
    const store = openSeriesStore(d);
    store.write("TAG", [{ name: "a", time: 1n, value: 1 }]);
    store.write("SECRET", [{ name: "s", time: 1n, value: 2 }]);
    const f = openTableFinder(store.file, userTableOf);
    try {
      expect(f.tablesRead("SELECT * FROM TAG")).toEqual({ ok: true, tables: ["TAG"] });
      expect(f.tablesRead("SELECT * FROM TAG JOIN SECRET USING (NAME)")).toEqual({
        ok: true,
        tables: ["SECRET", "TAG"],
      });
      expect(f.tablesRead('SELECT * FROM "_SECRET_data"')).toEqual({ ok: true, tables: ["SECRET"] });
      expect(f.tablesRead("SELECT * FROM _neo_series_meta")).toMatchObject({ ok: false, status: 403 });
      expect(f.tablesRead("SELECT name FROM sqlite_master")).toEqual({ ok: true, tables: ["sqlite_schema"] });
    } finally {
      f.close();
      store.close();
      rmSync(d, { recursive: true, force: true });
    }
  });
});
