import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NeoError } from "../lib/errors.ts";
import { openDatabase, openSeriesStore, runMigrations, type SeriesStore } from "./index.ts";

let dir: string;
let store: SeriesStore;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "neo-series-"));
  store = openSeriesStore(dir);
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

function errorOf(fn: () => unknown): NeoError {
  try {
    fn();
  } catch (e) {
    if (e instanceof NeoError) return e;
    throw e;
  }
  throw new Error("expected a NeoError");
}

describe("series store", () => {
  test("creates series.db with mode 0600", () => {
    expect(statSync(join(dir, "series.db")).mode & 0o777).toBe(0o600);
  });

  test("round-trips nanosecond timestamps above 2^53 exactly", () => {
    const t = 1675851592000000001n;
    expect(store.write("example", [{ name: "wave.pi", time: t, value: 3.1415 }])).toBe(1);
    const r = store.query("select * from example");
    expect(r.columns).toEqual(["NAME", "TIME", "VALUE"]);
    expect(r.types).toEqual(["string", "datetime", "double"]);
    expect(r.rows).toEqual([["wave.pi", t, 3.1415]]);
  });

  test("stores table names upper-case and lists them", () => {
    store.write("Example", [{ name: "a", time: 1n, value: 1 }]);
    store.write("EXAMPLE", [{ name: "a", time: 2n, value: null }]);
    store.write("other_1", [{ name: "b", time: 3n, value: 0 }]);
    expect(store.tables()).toEqual(["EXAMPLE", "OTHER_1"]);
    expect(store.query("select count(*) from example").rows).toEqual([[2n]]);
  });

  test("reports int64 and double for computed columns", () => {
    store.write("t", [{ name: "a", time: 10n, value: 1.5 }]);
    const r = store.query("select count(*) as n, avg(value) as a, max(time) from t");
    expect(r.columns).toEqual(["N", "A", "MAX(TIME)"]);
    expect(r.types).toEqual(["int64", "double", "int64"]);
  });

  test("binds query parameters", () => {
    store.write("t", [
      { name: "a", time: 1n, value: 1 },
      { name: "b", time: 2n, value: 2 },
    ]);
    expect(store.query("select value from t where name = ?", ["b"]).rows).toEqual([[2]]);
  });

  test("refuses invalid table names with invalid_table", () => {
    for (const bad of ["", "_x", "sqlite_master", "1abc", "a-b", "a b", 'x"; drop', "a".repeat(64)]) {
      const e = errorOf(() => store.write(bad, [{ name: "a", time: 1n, value: 1 }]));
      expect(e.code).toBe("invalid_table");
      expect(e.status).toBe(400);
    }
    expect(store.write("a".repeat(63), [{ name: "a", time: 1n, value: 1 }])).toBe(1);
  });

  test("refuses bad rows without writing any row of the batch", () => {
    const e = errorOf(() =>
      store.write("t", [
        { name: "a", time: 1n, value: 1 },
        { name: "", time: 2n, value: 1 },
      ]),
    );
    expect(e.code).toBe("bad_row");
    expect(errorOf(() => store.write("t", [{ name: "a", time: 1n, value: Number.NaN }])).code).toBe("bad_row");
    expect(store.tables()).toEqual(["EXAMPLE"]); // only the table every new store has
  });

  test("writeMany commits good batches and reports refused ones", () => {
    const rejected: [number, string][] = [];
    const counts = store.writeMany(
      [
        { table: "a", rows: [{ name: "x", time: 1n, value: 1 }] },
        { table: "_bad", rows: [{ name: "x", time: 1n, value: 1 }] },
        {
          table: "b",
          rows: [
            { name: "x", time: 1n, value: 1 },
            { name: "y", time: 2n, value: 2 },
          ],
        },
        { table: "a", rows: [{ name: "", time: 1n, value: 1 }] },
        { table: "a", rows: [] },
      ],
      (i, err) => rejected.push([i, err.code]),
    );
    expect(counts).toEqual([1, -1, 2, -1, 0]);
    expect(rejected).toEqual([
      [1, "invalid_table"],
      [3, "bad_row"],
    ]);
    expect(store.query("select count(*) from a").rows).toEqual([[1n]]);
    expect(store.query("select count(*) from b").rows).toEqual([[2n]]);
  });

  test("writeMany with one refused batch and no onReject throws like write", () => {
    expect(errorOf(() => store.writeMany([{ table: "1x", rows: [] }])).code).toBe("invalid_table");
    expect(
      store.writeMany([
        { table: "1x", rows: [] },
        { table: "ok", rows: [] },
      ]),
    ).toEqual([-1, 0]);
  });

  test("query refuses writes, DDL, ATTACH, PRAGMA and second statements, and data stays intact", () => {
    store.write("t", [{ name: "a", time: 1n, value: 1 }]);
    const attempts = [
      "insert into t values ('b', 2, 2)",
      "delete from t",
      "drop table t",
      "update t set value = 9",
      `attach database '${join(dir, "x.db")}' as x`,
      "pragma query_only=0",
      "select 1; delete from t",
      "select 1; drop table t;",
      "with x as (select 1) delete from t",
      "create table z (a)",
      "vacuum",
      "select load_extension('/nonexistent')",
      "",
      "   -- only a comment",
    ];
    for (const sql of attempts) {
      const e = errorOf(() => store.query(sql));
      expect(e.status).toBe(400);
    }
    expect(store.query("select name, time, value from t").rows).toEqual([["a", 1n, 1]]);
    expect(store.tables()).toEqual(["EXAMPLE", "T"]);
  });

  test("query allows a trailing semicolon, comments and semicolons inside strings", () => {
    store.write("t", [{ name: "a;b", time: 1n, value: 1 }]);
    expect(store.query("select name from t where name = 'a;b'; -- done").rows).toEqual([["a;b"]]);
    expect(store.query("/* hi; */ select 1 as one").rows).toEqual([[1n]]);
    expect(store.query("values (1)").rows).toEqual([[1n]]);
  });

  test("query of an unknown table is a 400 with SQLite's message", () => {
    const e = errorOf(() => store.query("select * from NOPE"));
    expect(e.status).toBe(400);
    expect(e.message).toBe("no such table: NOPE");
  });

  test("a new store has machbase-neo's EXAMPLE tag table, empty, and keeps it once data is in it", () => {
    expect(store.query("select * from EXAMPLE limit 2")).toMatchObject({
      columns: ["NAME", "TIME", "VALUE"],
      rows: [],
    });
    store.write("EXAMPLE", [{ name: "wave.sin", time: 1675851592000000000n, value: 0 }]);
    store.close();
    store = openSeriesStore(dir);
    expect(store.query("select count(*) from EXAMPLE").rows).toEqual([[1n]]);
  });

  test("a query sees rows committed by the writer at once", () => {
    store.write("t", [{ name: "a", time: 1n, value: 1 }]);
    expect(store.query("select count(*) from t").rows).toEqual([[1n]]);
    store.write("t", [{ name: "a", time: 2n, value: 1 }]);
    expect(store.query("select count(*) from t").rows).toEqual([[2n]]);
  });

  test("close checkpoints the WAL and the data survives a reopen", () => {
    store.write("t", [{ name: "a", time: 1675851592000000001n, value: 1 }]);
    store.close();
    const walSize = (() => {
      try {
        return statSync(join(dir, "series.db-wal")).size;
      } catch {
        return 0;
      }
    })();
    expect(walSize).toBe(0);
    store = openSeriesStore(dir);
    expect(store.query("select time from t").rows).toEqual([[1675851592000000001n]]);
  });

  test("operations after close fail with store_closed", () => {
    store.close();
    expect(errorOf(() => store.query("select 1")).code).toBe("store_closed");
    store = openSeriesStore(dir);
  });
});

describe("migrations", () => {
  test("apply once per scope and record each id", () => {
    const db = openDatabase(join(dir, "reg.db"));
    const m = [
      { id: 2, sql: "ALTER TABLE k ADD COLUMN b TEXT" },
      { id: 1, sql: "CREATE TABLE k (a TEXT)" },
    ];
    expect(runMigrations(db, "registry", m)).toEqual([1, 2]);
    expect(runMigrations(db, "registry", m)).toEqual([]);
    expect(runMigrations(db, "other", [{ id: 1, sql: "CREATE TABLE o (a)" }])).toEqual([1]);
    const rows = db.query("SELECT scope, id FROM _neo_migrations ORDER BY scope, id").values();
    expect(rows).toEqual([
      ["other", 1n],
      ["registry", 1n],
      ["registry", 2n],
    ]);
    db.close();
  });

  test("a failing migration leaves nothing recorded", () => {
    const db = openDatabase(join(dir, "reg.db"));
    expect(() => runMigrations(db, "s", [{ id: 1, sql: "CREATE TABLE a (x); SYNTAX ERROR" }])).toThrow();
    expect(db.query("SELECT count(*) FROM _neo_migrations").values()).toEqual([[0n]]);
    expect(db.query("SELECT count(*) FROM sqlite_master WHERE name = 'a'").values()).toEqual([[0n]]);
    db.close();
  });

  test("a database opened read-only refuses writes", () => {
    const rw = openDatabase(join(dir, "x.db"));
    rw.exec("CREATE TABLE a (x)");
    const ro = openDatabase(join(dir, "x.db"), { readonly: true });
    expect(() => ro.exec("INSERT INTO a VALUES (1)")).toThrow();
    ro.close();
    rw.close();
  });
});

describe("writeOwn (the gateway's own rows, not waiting for the disk)", () => {
  test("writes and refuses as write() does, in either Storage.Sync mode, and write() goes on as before", () => {
    expect(store.writeOwn("neo_system", [{ name: "cpu", time: 1n, value: 1 }])).toBe(1);
    expect(errorOf(() => store.writeOwn("neo_system", [{ name: "", time: 2n, value: 2 }])).code).toBe(
      errorOf(() => store.write("neo_system", [{ name: "", time: 2n, value: 2 }])).code,
    );
    store.setSync("normal");
    expect(store.writeOwn("neo_system", [{ name: "cpu", time: 3n, value: 3 }])).toBe(1);
    store.setSync("full");
    expect(store.write("neo_system", [{ name: "cpu", time: 4n, value: 4 }])).toBe(1);
    expect(store.query("select VALUE from neo_system order by TIME").rows).toEqual([[1], [3], [4]]);
    store.close();
    expect(() => store.writeOwn("neo_system", [{ name: "cpu", time: 5n, value: 5 }])).toThrow();
    store = openSeriesStore(dir); // afterEach closes it
  });
});
