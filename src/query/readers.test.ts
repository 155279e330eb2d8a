import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { parseReaderQuery, readerSql } from "./readers.ts";

const q = (s: string) => parseReaderQuery(new URLSearchParams(s));

describe("the readers' parameters", () => {
  test("defaults are SuperMQ's: offset 0, limit 10, newest first", () => {
    expect(q("")).toEqual({ offset: 0, limit: 10, order: "time", dir: "desc" });
  });
  test("times in s, ms, us and ns all become nanoseconds", () => {
    for (const t of ["1320067464", "1320067464000", "1320067464000000", "1320067464000000000"])
      expect(q(`from=${t}`).from).toBe(1_320_067_464_000_000_000n);
  });
  test("the interval takes neo's one duration grammar (Go's spellings included)", () => {
    const at = (i: string) => q(`from=1&to=2&aggregation=avg&interval=${i}`).intervalNs;
    expect(at("1m30s")).toBe(90_000_000_000n);
    expect(at("500ms")).toBe(500_000_000n);
    expect(at("1d")).toBe(86_400_000_000_000n);
    expect(() => at("1x")).toThrow('invalid interval "1x"');
  });
  test("bad values are refused with a reason", () => {
    for (const bad of [
      "limit=0",
      "limit=1001",
      "offset=-1",
      "comparator=xx",
      "vb=yes",
      "v=abc",
      "dir=up",
      "format=json",
    ])
      expect(() => q(bad)).toThrow();
    expect(() => q("aggregation=avg&from=1")).toThrow("aggregation needs to");
    expect(() => q("aggregation=median&from=1&to=2")).toThrow("invalid aggregation");
    expect(() => q("aggregation=avg&from=1&to=2&interval=fortnight")).toThrow("invalid interval");
  });
});

describe("the SQL it runs", () => {
  const db = new Database(":memory:");
  db.exec(
    "CREATE TABLE T_SENML (NAME TEXT, TIME INTEGER, VALUE REAL, UNIT TEXT, VS TEXT, VB INTEGER, VD TEXT, SUM REAL, CHANNEL TEXT, PUBLISHER TEXT, SUBTOPIC TEXT, PROTOCOL TEXT);" +
      "INSERT INTO T_SENML VALUES ('a', 1, 1, NULL, NULL, NULL, NULL, NULL, 'c', 'p', '', 'mqtt');" +
      "INSERT INTO T_SENML VALUES ('it''s', 2, 5, NULL, 'x', 1, NULL, NULL, 'c', 'p', 's', 'http');" +
      "INSERT INTO T_SENML VALUES ('a', 3, 9, NULL, NULL, NULL, NULL, NULL, 'other', 'p', '', 'mqtt');" +
      "INSERT INTO T_SENML VALUES ('old', 4, 2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);",
  );
  const rows = (s: string) => {
    const sql = readerSql("T_SENML", "c", q(s));
    return { page: db.prepare(sql.page).values(), total: db.prepare(sql.total).values()[0]?.[0] };
  };
  test("only this channel's rows (and rows older than the channel column)", () => {
    expect(rows("").total).toBe(3);
    expect(rows("").page.map((r) => r[5])).toEqual(["old", "it's", "a"]);
  });
  test("quotes in a filter are text, never SQL", () => {
    expect(rows("name=it's").total).toBe(1);
    expect(rows("name=' OR 1=1 --").total).toBe(0);
    expect(rows("subtopic=s&protocol=http&v=5&comparator=ge").total).toBe(1);
  });
});
