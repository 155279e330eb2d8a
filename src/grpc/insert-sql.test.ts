import { describe, expect, test } from "bun:test";
import { RawNumber } from "../ingest/index.ts";
import { bind, InsertError, parseInsert, timeOf } from "./insert-sql.ts";

describe("parseInsert (Exec's one statement)", () => {
  test("reads INSERT INTO with literals, NULL, quoted text and ? parameters, in any column order", () => {
    const st = parseInsert("insert into ex (VALUE, name, time) values (1.5, 'it''s', ?), (?, 'b', 2);");
    expect(st.table).toBe("ex");
    expect(st.order).toEqual([1, 2, 0]);
    expect(st.tuples).toEqual([
      [new RawNumber("1.5"), "it's", { param: 0 }],
      [{ param: 1 }, "b", new RawNumber("2")],
    ]);
    expect(bind(st.tuples[0] ?? [], [7n, 8])).toEqual([new RawNumber("1.5"), "it's", 7n]);
    expect(parseInsert("INSERT INTO t VALUES ('a', 1, NULL)").tuples[0]?.[2]).toBeNull();
  });

  test("refuses anything else with what Exec takes, and malformed inserts with where they went wrong", () => {
    for (const sql of ["create table t (a)", "pragma query_only=0", "attach 'x' as y", "select 1", ""])
      expect(() => parseInsert(sql)).toThrow("Exec takes INSERT INTO");
    expect(() => parseInsert("insert into t values ('a', 1)")).toThrow("3 values");
    expect(() => parseInsert("insert into t (a, b, c) values (1, 2, 3)")).toThrow("NAME, TIME, VALUE");
    expect(() => parseInsert("insert into t values ('a', 1, 2); drop table t")).toThrow(InsertError);
    expect(() => parseInsert("insert into t select name, time, value from u")).toThrow("expected VALUES");
    expect(() => bind([{ param: 1 }], [1])).toThrow("1 parameters");
  });

  test("TIME is nanoseconds or a date text", () => {
    expect(timeOf(new RawNumber("1700000000123456789"))).toBe(1_700_000_000_123_456_789n);
    expect(timeOf("2023-11-14 22:13:20")).toBe(1_700_000_000_000_000_000n);
    expect(timeOf("2023-11-14T22:13:20.5Z")).toBe(1_700_000_000_500_000_000n);
    expect(() => timeOf(null)).toThrow("TIME must be");
  });
});
