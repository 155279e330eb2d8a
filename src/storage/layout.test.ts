import { Database } from "bun:sqlite";
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import fc from "fast-check";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSeriesStore, type SeriesStore, userTableOf } from "./index.ts";
import { scaledValue, staleViews } from "./layout.ts";

let dir: string;
let store: SeriesStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "neo-layout-"));
  store = openSeriesStore(dir);
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("compact layout", () => {
  test("every finite double (and null) reads back as exactly the value written", () => {
    const values = fc.oneof(
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.integer({ min: -100000, max: 100000 }).map((k) => k / 10),
      fc.integer({ min: -1e9, max: 1e9 }).map((k) => k / 100),
      fc.constantFrom(0, -0, 1e15, 2 ** 53, 9e13 + 1, 0.1 + 0.2, 5e-324, null),
    );
    let t = 1700000000000000000n;
    fc.assert(
      fc.property(fc.array(values, { minLength: 1, maxLength: 20 }), (vals) => {
        const start = t;
        const rows = vals.map((value) => ({ name: "p", time: t++, value }));
        store.write("prop", rows);
        const got = store.query("select VALUE from prop where NAME = 'p' and TIME >= ? order by TIME", [start]);
        expect(got.rows.length).toBe(vals.length);
        got.rows.forEach((r, i) => {
          expect(Object.is(r[0], vals[i]) || r[0] === vals[i]).toBe(true);
        });
      }),
      { numRuns: 200, seed: 7 },
    );
  });

  test("sensor readings are stored as small integers, other values as REAL", () => {
    expect(scaledValue(23.4)).toBe(2340);
    expect(scaledValue(-0.05)).toBe(-5);
    expect(scaledValue(1 / 3)).toBeUndefined();
    expect(scaledValue(-0)).toBeUndefined();
    expect(scaledValue(1e300)).toBeUndefined();
  });

  test("rows with the same NAME and TIME are all kept, like before", () => {
    const row = { name: "dup", time: 1700000000000000000n, value: 1.5 };
    store.write("dups", [row, row, { ...row, value: 2.5 }]);
    store.writeMany([{ table: "dups", rows: [row] }]);
    const r = store.query("select count(*), sum(VALUE) from dups where NAME = 'dup'");
    expect(r.rows[0]).toEqual([4n, 7]);
  });

  test("select * answers NAME, TIME, VALUE with exact nanoseconds and types as before", () => {
    store.write("shape", [
      { name: "a", time: 1675851592000000001n, value: null },
      { name: "b", time: 1675851592000000002n, value: 0.5 },
    ]);
    const r = store.query("select * from shape order by TIME");
    expect(r.columns).toEqual(["NAME", "TIME", "VALUE"]);
    expect(r.types).toEqual(["string", "datetime", "double"]);
    expect(r.rows).toEqual([
      ["a", 1675851592000000001n, null],
      ["b", 1675851592000000002n, 0.5],
    ]);
    expect(store.query("select * from shape where 0").types).toEqual(["string", "datetime", "double"]);
  });

  test("read-only queries work on the views, joins of two views included", () => {
    store.write("ta", [{ name: "x", time: 10n, value: 1 }]);
    store.write("tb", [{ name: "x", time: 10n, value: 2 }]);
    const r = store.query(
      "select a.NAME, a.VALUE + b.VALUE from ta a join tb b on a.NAME = b.NAME and a.TIME = b.TIME",
    );
    expect(r.rows).toEqual([["x", 3]]);
    expect(() => store.query("delete from ta")).toThrow();
    expect(store.tables()).toEqual(["EXAMPLE", "TA", "TB"]);
  });

  test("a range of one name uses the (name id, TIME) key, not a scan", () => {
    const plan = store.query("explain query plan select * from example where NAME = 'a' and TIME between 1 and 2");
    const text = plan.rows.map((r) => String(r[3])).join("\n");
    expect(text).toContain("SEARCH n USING");
    expect(text).toMatch(/SEARCH d USING PRIMARY KEY \(nid=\? AND time>\? AND time<\?\)/);
  });
});

describe("writing to a table that is not a tag table", () => {
  test("is refused with a clear reason and the table keeps its rows", () => {
    // a SenML side table (SIDE_SENML) is a plain table with more columns than a tag table
    store.writeMany([
      {
        table: "side",
        rows: [{ name: "a", time: 3n, value: 3 }],
        senml: [
          {
            name: "a",
            time: 3n,
            value: 3,
            unit: "Cel",
            stringValue: null,
            boolValue: null,
            dataValue: null,
            sum: null,
          },
        ],
      },
    ]);
    expect(() => store.write("side_senml", [{ name: "x", time: 1n, value: 1 }])).toThrow(
      "table SIDE_SENML is not a tag table (NAME, TIME, VALUE); it cannot be written to",
    );
    expect(store.query("select NAME, UNIT from SIDE_SENML").rows).toEqual([["a", "Cel"]]);
    store.write("side", [{ name: "a", time: 4n, value: 4 }]);
    expect(store.query("select count(*) from side").rows).toEqual([[2n]]);
  });
});

describe("userTableOf (for the table finder)", () => {
  test("maps each internal table to the one user table it belongs to", () => {
    expect(userTableOf("EXAMPLE")).toBe("EXAMPLE");
    expect(userTableOf("_EXAMPLE_data")).toBe("EXAMPLE");
    expect(userTableOf("_EXAMPLE_names")).toBe("EXAMPLE");
    expect(userTableOf("_MY_DATA_data")).toBe("MY_DATA");
    expect(userTableOf("_T_r1m")).toBe("T");
    expect(userTableOf("_T_ROLLUP_1H")).toBe("T");
    expect(userTableOf("_T_ROLLUP_1H_data")).toBe("T_ROLLUP_1H");
  });
  test("bookkeeping and SQLite's own tables belong to no user", () => {
    for (const t of ["_neo_series_meta", "_neo_migrations", "_neo_table_settings", "sqlite_schema", "sqlite_stat1"])
      expect(userTableOf(t)).toBeNull();
  });
});

describe("table views", () => {
  const t0 = 1700000000000000000n;
  const fill = (s: SeriesStore) => {
    const rows = [];
    for (let i = 0; i < 300; i++) rows.push({ name: `s${i % 3}`, time: t0 + BigInt(i) * 1000n, value: i / 10 });
    s.writeMany([{ table: "V", rows }]);
  };
  const LATEST = "select NAME, TIME, VALUE from V t where TIME = (select max(TIME) from V where NAME = t.NAME)";

  test("the latest row per name (correlated max) is a key seek per name, not a scan of every row", () => {
    fill(store);
    const db = new Database(join(dir, "series.db"), { readonly: true });
    const plan = db
      .query<{ detail: string }, []>(`explain query plan ${LATEST}`)
      .all()
      .map((r) => r.detail);
    db.close();
    expect(plan[0]).toMatch(/^SCAN n\b/);
    expect(plan).toContain("SEARCH d USING PRIMARY KEY (nid=? AND time=?)");
    expect(store.query(`${LATEST} order by NAME`).rows).toEqual([
      ["s0", t0 + 297_000n, 29.7],
      ["s1", t0 + 298_000n, 29.8],
      ["s2", t0 + 299_000n, 29.9],
    ]);
  });

  test("a view made before the CROSS JOIN is replaced at start-up; the rows and their order stay", () => {
    fill(store);
    const before = store.query("select * from V").rows;
    store.close();
    const db = new Database(join(dir, "series.db"));
    db.exec(
      'DROP VIEW V; CREATE VIEW "V" AS SELECT n.name AS NAME, d.time AS TIME, d.v / 100.0 AS VALUE FROM "_V_data" AS d JOIN "_V_names" AS n ON n.id = d.nid',
    );
    expect(staleViews(db)).toEqual(["V"]);
    db.close();
    store = openSeriesStore(dir);
    const after = new Database(join(dir, "series.db"), { readonly: true });
    expect(staleViews(after)).toEqual([]);
    after.close();
    expect(store.query("select * from V").rows).toEqual(before);
  });
});
