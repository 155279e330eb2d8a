import { describe, expect, test } from "bun:test";
import { panelSql, parseDashboardBody, parseTimeRange, resolveRange } from "./dashboard-spec.ts";

describe("dashboard bodies", () => {
  test("a create needs a name; panels default to a line chart and an auto interval; tables are upper-cased", () => {
    expect(() => parseDashboardBody({}, true)).toThrow("name");
    const b = parseDashboardBody({ name: "x", panels: [{ query: { table: "temps", tags: ["a"] } }] }, true);
    expect(b.panels).toEqual([
      { title: "", chart: "line", query: { table: "TEMPS", tags: ["a"], aggregate: "none", interval: "auto" } },
    ]);
    expect(parseDashboardBody({ refresh: "30s" }, false)).toEqual({ refresh: "30s" });
  });

  test("every bad field is refused with a reason naming it", () => {
    const bad: [Record<string, unknown>, string][] = [
      [{ name: "" }, "name"],
      [{ name: "x", refresh: "2s" }, "refresh"],
      [{ name: "x", panels: {} }, "panels"],
      [{ name: "x", panels: [{ chart: "pie", query: { sql: "select 1" } }] }, "panels[0].chart"],
      [{ name: "x", panels: [{ query: { table: "1x" } }] }, "panels[0].query.table"],
      [{ name: "x", panels: [{ query: { table: "T", aggregate: "median" } }] }, "aggregate"],
      [{ name: "x", panels: [{ query: { table: "T", interval: "5 minutes" } }] }, "interval"],
      [{ name: "x", panels: [{ query: { sql: "" } }] }, "sql"],
      [{ name: "x", time_range: { last: "1y" } }, "time_range.last"],
      [{ name: "x", time_range: { from: 5, to: 5 } }, "before"],
    ];
    for (const [body, reason] of bad) expect(() => parseDashboardBody(body, true)).toThrow(reason);
  });

  test("time ranges: the last n minutes/hours/days up to 400 days, or absolute ms", () => {
    expect(parseTimeRange({ last: "15m" })).toEqual({ last: "15m" });
    expect(resolveRange({ last: "1h" }, 10_000_000)).toEqual({ from: 10_000_000 - 3_600_000, to: 10_000_000 });
    expect(resolveRange({ from: 1, to: 2 }, 99)).toEqual({ from: 1, to: 2 });
    expect(() => parseTimeRange({ last: "401d" })).toThrow("400d");
  });
});

describe("panel statements", () => {
  const range = { from: 1_000, to: 3_601_000 };
  test("tags become one IN list (quotes doubled) over [from, to) in ns", () => {
    const sql = panelSql({ table: "T", tags: ["a", "o'k"], aggregate: "none", interval: "auto" }, range);
    expect(sql).toBe(
      "SELECT NAME, TIME, VALUE FROM T WHERE TIME >= 1000000000 AND TIME < 3601000000000 AND NAME IN ('a', 'o''k') ORDER BY TIME LIMIT 50000",
    );
  });

  test("an aggregate buckets TIME per interval (auto: a round step near range/300)", () => {
    const sql = panelSql({ table: "T", tags: [], aggregate: "avg", interval: "auto" }, range);
    expect(sql).toContain("AVG(VALUE) AS VALUE");
    expect(sql).toContain("(TIME / 30000000000) * 30000000000 AS TIME");
    expect(sql).not.toContain("NAME IN");
    expect(panelSql({ table: "T", tags: [], aggregate: "max", interval: "1m" }, range)).toContain("/ 60000000000)");
  });

  test("SQL panels get $from and $to as ns literals", () => {
    expect(panelSql({ sql: "select * from T where TIME >= $from and TIME < $to and x = '$fromage'" }, range)).toBe(
      "select * from T where TIME >= 1000000000 and TIME < 3601000000000 and x = '$fromage'",
    );
  });
});
