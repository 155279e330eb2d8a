import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase, openSeriesStore } from "../storage/index.ts";
import { executeQuery, type QueryAnswer } from "./execute.ts";

const dir = mkdtempSync(join(tmpdir(), "neo-query-"));
const store = openSeriesStore(dir);
store.write("t", [
  { name: "a", time: 1_700_000_000_000_000_000n, value: 1.5 },
  { name: "b", time: 1_700_000_001_000_000_000n, value: null },
]);
const ro = openDatabase(store.file, { readonly: true });
afterAll(() => {
  ro.close();
  store.close();
  rmSync(dir, { recursive: true, force: true });
});
const caps = { maxRows: 1000, maxBytes: 1 << 20 };
const json = (a: QueryAnswer) => {
  if (!a.ok) throw new Error(a.reason);
  return JSON.parse(a.body) as { data: { columns: string[]; types: string[]; rows: unknown[][] }; reason: string };
};

describe("executeQuery", () => {
  test("answers in machbase-neo's shape with exact nanosecond times", () => {
    const a = executeQuery(ro, { sql: "select * from t order by time" }, caps);
    expect(a.ok && a.body).toStartWith(
      '{"data":{"columns":["NAME","TIME","VALUE"],"types":["string","datetime","double"],"rows":[["a",1700000000000000000,1.5],["b",1700000001000000000,null]]},"success":true,"reason":"success","elapse":',
    );
  });

  test("binds parameters and answers typed cells with exact int64 times, under the same caps", () => {
    const a = executeQuery(
      ro,
      { sql: "select * from t where name = ? or value > ?", params: ["b", 1], cells: true },
      caps,
    );
    expect(a.ok && a.cells).toEqual({
      columns: ["NAME", "TIME", "VALUE"],
      types: ["string", "datetime", "double"],
      rows: [
        ["a", 1_700_000_000_000_000_000n, 1.5],
        ["b", 1_700_000_001_000_000_000n, null],
      ],
    });
    const cut = executeQuery(ro, { sql: "select * from t", cells: true }, { maxRows: 1, maxBytes: 1 << 20 });
    expect(cut.ok && [cut.rows, cut.cut, cut.cells?.rows.length]).toEqual([1, "rows", 1]);
  });

  test("renders times with the requested timeformat", () => {
    const r = json(executeQuery(ro, { sql: "select time from t where name = 'a'", timeformat: "s" }, caps));
    expect(r.data.rows).toEqual([[1_700_000_000]]);
  });

  test("keeps every column when two have the same name, in order", () => {
    const r = json(executeQuery(ro, { sql: "select 'x' as k, name, 2, name from t where name = 'a'" }, caps));
    expect(r.data.columns).toEqual(["K", "NAME", "2", "NAME"]);
    expect(r.data.rows).toEqual([["x", "a", 2, "a"]]);
  });

  test("cuts at maxRows and at maxBytes and says which", () => {
    const sql = "with recursive c(x) as (select 1 union all select x+1 from c where x < 50) select x from c";
    const byRows = executeQuery(ro, { sql }, { maxRows: 3, maxBytes: 1 << 20 });
    expect(byRows.ok && byRows.cut).toBe("rows");
    expect(json(byRows).data.rows).toEqual([[1], [2], [3]]);
    const byBytes = executeQuery(ro, { sql }, { maxRows: 1000, maxBytes: 20 });
    expect(byBytes.ok && byBytes.cut).toBe("bytes");
    expect(json(byBytes).reason).toBe("success, result cut at 5 rows: over 20 bytes (Query.MaxBytes)");
  });

  test("refuses writes, bad SQL and bad timeformats with a status and reason", () => {
    expect(executeQuery(ro, { sql: "insert into t values ('c', 1, 1)" }, caps)).toMatchObject({
      ok: false,
      status: 400,
    });
    expect(executeQuery(ro, { sql: "select * from nowhere" }, caps)).toMatchObject({
      ok: false,
      status: 400,
      reason: "no such table: nowhere",
    });
    expect(executeQuery(ro, { sql: "select 1", timeformat: "fortnights" }, caps)).toMatchObject({ ok: false });
  });
});
