import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase, openSeriesStore } from "../../storage/index.ts";
import { CHUNK_BYTES, executeQuery, type QueryAnswer, queryChunks, type QueryRequest } from "../execute.ts";
import { parseCompress, parseOutputOptions } from "./index.ts";

const dir = mkdtempSync(join(tmpdir(), "neo-format-"));
const store = openSeriesStore(dir);
store.write("t", [
  { name: "a", time: 1_691_800_174_123_456_789n, value: 3.141592 },
  { name: "b,c", time: 1_691_800_175_000_000_000n, value: null },
]);
const ro = openDatabase(store.file, { readonly: true });
afterAll(() => {
  ro.close();
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const caps = { maxRows: 1000, maxBytes: 1 << 20 };
function run(sql: string, opts: Record<string, string> = {}, extra: Partial<QueryRequest> = {}): string {
  const a: QueryAnswer = executeQuery(ro, { sql, output: parseOutputOptions((k) => opts[k]), ...extra }, caps);
  if (!a.ok) throw new Error(a.reason);
  return a.body;
}
const json = (text: string) => JSON.parse(text) as { data: Record<string, unknown>; reason: string };
const ALL = "select * from t order by name";

describe("machbase-neo's output formats", () => {
  test("csv: a heading line, NULL for null, Go's quoting", () => {
    expect(run(ALL, { format: "csv" })).toBe(
      'NAME,TIME,VALUE\na,1691800174123456789,3.141592\n"b,c",1691800175000000000,NULL\n',
    );
  });
  test("csv: header=skip, rownum, precision and a delimiter", () => {
    expect(run(ALL, { format: "csv", header: "skip", rownum: "true", precision: "2", delimiter: "|" })).toBe(
      "1|a|1691800174123456789|3.14\n2|b,c|1691800175000000000|NULL\n",
    );
    expect(run(ALL, { format: "csv", heading: "false" }, { timeformat: "s" })).toStartWith("a,1691800174,");
  });
  test("ndjson: one object per line in column order", () => {
    expect(run(ALL, { format: "ndjson", rownum: "true" })).toBe(
      '{"ROWNUM":1,"NAME":"a","TIME":1691800174123456789,"VALUE":3.141592}\n' +
        '{"ROWNUM":2,"NAME":"b,c","TIME":1691800175000000000,"VALUE":null}\n',
    );
  });
  test("json: rowsArray, rowsFlatten, transpose and rownum keep machbase-neo's keys", () => {
    expect(json(run(ALL, { rowsArray: "true" })).data.rows).toEqual([
      { NAME: "a", TIME: 1691800174123456800, VALUE: 3.141592 },
      { NAME: "b,c", TIME: 1691800175000000000, VALUE: null },
    ]);
    expect(json(run(ALL, { rowsFlatten: "true" }, { timeformat: "s" })).data.rows).toEqual([
      "a",
      1691800174,
      3.141592,
      "b,c",
      1691800175,
      null,
    ]);
    const t = json(run(ALL, { transpose: "true", rownum: "true" }, { timeformat: "ms" })).data;
    expect(t.columns).toEqual(["NAME", "TIME", "VALUE"]);
    expect(t.cols).toEqual([
      ["a", "b,c"],
      [1691800174123, 1691800175000],
      [3.141592, null],
    ]);
    const r = json(run(ALL, { rownum: "true", precision: "3" }, { timeformat: "s" })).data;
    expect(r.columns).toEqual(["ROWNUM", "NAME", "TIME", "VALUE"]);
    expect(r.types).toEqual(["int64", "string", "datetime", "double"]);
    expect(r.rows).toEqual([
      [1, "a", 1691800174, 3.142],
      [2, "b,c", 1691800175, null],
    ]);
  });
  test("box: go-pretty's default table, as machbase-neo answers select 123 as VaLue", () => {
    expect(run("select 123 as VaLue", { format: "box" })).toBe(
      "+-------+\n| VALUE |\n+-------+\n| 123   |\n+-------+\n",
    );
  });
  test("box: light style, ROWNUM right-aligned, the zone in a datetime header, NULL", () => {
    const out = run(
      ALL,
      { format: "box", boxStyle: "light", rownum: "true", precision: "3" },
      { timeformat: "KITCHEN" },
    );
    expect(out).toBe(
      [
        "┌────────┬──────┬───────────┬───────┐",
        "│ ROWNUM │ NAME │ TIME(UTC) │ VALUE │",
        "├────────┼──────┼───────────┼───────┤",
        "│      1 │ a    │ 12:29AM   │ 3.142 │",
        "│      2 │ b,c  │ 12:29AM   │ NULL  │",
        "└────────┴──────┴───────────┴───────┘",
        "",
      ].join("\n"),
    );
    expect(run("select 1 where 0", { format: "box" })).toBe("");
  });
  test("a cut answer says so in every format", () => {
    const sql = "with recursive c(x) as (select 1 union all select x+1 from c where x < 50) select x from c";
    const cut = (format: string) => {
      const a = executeQuery(
        ro,
        { sql, output: parseOutputOptions((k) => (k === "format" ? format : undefined)) },
        {
          maxRows: 3,
          maxBytes: 1 << 20,
        },
      );
      return a.ok ? a.body : a.reason;
    };
    expect(cut("csv")).toBe("X\n1\n2\n3\n# success, result cut at 3 rows (Query.MaxRows)\n");
    expect(cut("ndjson").split("\n").at(-2)).toBe(
      '{"truncated":true,"cut":"rows","reason":"success, result cut at 3 rows (Query.MaxRows)"}',
    );
    expect(cut("json")).toContain('"truncated":true,"cut":"rows"');
    expect(cut("box")).toEndWith("+---+\nsuccess, result cut at 3 rows (Query.MaxRows)\n");
  });
  test("a large answer comes in pieces, and the pieces are the whole answer", () => {
    const sql = "with recursive c(x) as (select 1 union all select x+1 from c where x < 30000) select x, 'row' from c";
    const output = parseOutputOptions((k) => (k === "format" ? "ndjson" : undefined));
    const gen = queryChunks(ro, { sql, output }, { maxRows: 1e6, maxBytes: 1 << 24 });
    const pieces: string[] = [];
    let step = gen.next();
    while (!step.done) {
      pieces.push(step.value);
      step = gen.next();
    }
    expect(pieces.length).toBeGreaterThan(3);
    for (const p of pieces) expect(p.length).toBeGreaterThanOrEqual(CHUNK_BYTES);
    const end = step.value;
    expect(end.ok && end.rows).toBe(30000);
    const lines = (pieces.join("") + (end.ok ? end.body : "")).trimEnd().split("\n");
    expect(lines.length).toBe(30000);
    expect(lines[29999]).toBe('{"X":30000,"\'ROW\'":"row"}');
  });
  test("bad options are refused with a reason", () => {
    expect(() => parseOutputOptions((k) => (k === "format" ? "xml" : undefined))).toThrow(
      'unsupported format "xml" (use json, csv, box, ndjson)',
    );
    expect(() => parseOutputOptions((k) => (k === "rownum" ? "maybe" : undefined))).toThrow("rownum must be true");
    expect(() => parseOutputOptions((k) => (k === "precision" ? "x" : undefined))).toThrow("precision must be");
    expect(() => parseCompress("brotli")).toThrow("unsupported compress");
    expect(parseCompress("gzip")).toBe("gzip");
  });
});
