import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NeoError } from "../lib/errors.ts";
import { durationNs } from "../lib/duration.ts";
import { openSeriesStore, type SeriesOptions, type SeriesStore } from "./index.ts";
import { openDatabase } from "./db.ts";
import { sensorRows } from "./legacy-fixture.ts";
import { pendingFills } from "./rollup-fill.ts";
import { setTableOptions } from "./table-settings.ts";

const DAY = 86_400_000_000_000n;
const T0 = 1_700_000_000_000_000_000n;
let dir: string;
let store: SeriesStore;
let clock = T0;
const open = (o: SeriesOptions = {}) => openSeriesStore(dir, { now: () => clock, ...o });
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "neo-life-"));
  clock = T0;
  store = open();
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const count = (t: string) => Number(store.query(`select count(*) from ${t}`).rows[0]![0]);
/** one row per name per day for `days` days up to T0 */
const daily = (days: number, names = 3) =>
  Array.from({ length: days * names }, (_, i) => ({
    name: `s${i % names}`,
    time: T0 - BigInt(Math.floor(i / names)) * DAY,
    value: i / 10,
  }));

describe("retention", () => {
  test("rows older than the table's retention are deleted, newer ones stay (fixed clock)", async () => {
    store.write("keep", daily(30));
    store.write("trim", daily(30));
    store.setTableOptions("trim", { retention: "7d" });
    expect(await store.runRetention()).toBe(22 * 3);
    expect(count("trim")).toBe(8 * 3); // T0 - 7d ... T0
    expect(count("keep")).toBe(90); // no default retention: kept
    clock += 2n * DAY;
    await store.runRetention();
    expect(count("trim")).toBe(6 * 3);
  });

  test("Storage.Retention applies to every table without its own; off overrides it", async () => {
    store.close();
    store = open({ retention: durationNs("10d") });
    store.write("a", daily(30));
    store.write("b", daily(30));
    store.setTableOptions("b", { retention: "off" });
    await store.runRetention();
    expect(count("a")).toBe(11 * 3);
    expect(count("b")).toBe(90);
    const info = store.tableInfo();
    expect(info.find((t) => t.name === "A")?.retention).toBe("10d (default)");
    expect(info.find((t) => t.name === "B")?.retention).toBe("off");
  });

  test("a big backlog is deleted in many small transactions", async () => {
    store.write("big", sensorRows(30_000, 10, T0 - 100n * DAY));
    store.setTableOptions("big", { retention: "1d" });
    expect(await store.runRetention()).toBe(30_000);
    expect(count("big")).toBe(0);
  });

  test("a table with more names than one step visits is cleaned in several steps", async () => {
    store.write("many", sensorRows(7_500, 2_500, T0 - 100n * DAY));
    store.write("many", [{ name: "sensor.1", time: T0, value: 1 }]);
    store.setTableOptions("many", { retention: "1d" });
    expect(await store.runRetention()).toBe(7_500);
    expect(store.query("select NAME, TIME from many").rows).toEqual([["sensor.1", T0]]);
  });

  test("bad settings are refused with a clear reason", () => {
    const reason = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        return (e as NeoError).message;
      }
      return "no error";
    };
    expect(reason(() => store.setTableOptions("example", { retention: "7x" }))).toContain('invalid retention "7x"');
    expect(reason(() => store.setTableOptions("nosuch", { retention: "7d" }))).toBe("no such table: NOSUCH");
    expect(reason(() => store.setTableOptions("example", { rollups: "1m,1m" }))).toContain("given twice");
    expect(reason(() => store.setTableOptions("example", { rollups: "5w" }))).toContain("invalid rollup interval");
  });
});

describe("rollups", () => {
  test("min, max, avg, count and sum per name per interval, back-filled and kept up to date", () => {
    const minute = 60_000_000_000n;
    store.write("r", [
      { name: "a", time: T0, value: 1 },
      { name: "a", time: T0 + 1n, value: 3 },
      { name: "a", time: T0 + minute, value: 10 },
    ]);
    store.setTableOptions("r", { rollups: "1m,1h" });
    store.write("r", [
      { name: "a", time: T0 + 2n, value: 5 },
      { name: "a", time: T0 + 3n, value: null },
      { name: "b", time: T0, value: -1.5 },
    ]);
    const m = store.query("select NAME, TIME, MIN, MAX, AVG, COUNT, SUM from _R_ROLLUP_1M order by NAME, TIME");
    const b0 = T0 - (T0 % minute);
    expect(m.rows).toEqual([
      ["a", b0, 1, 5, 3, 3n, 9],
      ["a", b0 + minute, 10, 10, 10, 1n, 10],
      ["b", b0, -1.5, -1.5, -1.5, 1n, -1.5],
    ]);
    const h = store.query("select NAME, COUNT, SUM from _R_ROLLUP_1H order by NAME");
    expect(h.rows).toEqual([
      ["a", 4n, 19],
      ["b", 1n, -1.5],
    ]);
    const info = store.tableInfo().find((t) => t.name === "R");
    expect(info?.rollups.map((r) => [r.every, r.table, r.rows])).toEqual([
      ["1m", "_R_ROLLUP_1M", 3],
      ["1h", "_R_ROLLUP_1H", 2],
    ]);
    store.setTableOptions("r", { rollups: "1h" });
    expect(() => store.query("select * from _R_ROLLUP_1M")).toThrow("no such table");
  });

  test("rows the running writer commits while another process fills a new rollup count exactly once", () => {
    store.write("bf", sensorRows(12_000, 3, T0));
    const cli = openDatabase(join(dir, "series.db"));
    let extra = 0;
    setTableOptions(
      cli,
      "BF",
      { rollups: "1s" },
      {
        stepRows: 2000,
        betweenChunks: () => {
          store.write("bf", [
            // sensor.2 is filled last: a fill that read live rows would count these twice
            { name: "sensor.2", time: T0 + BigInt(extra), value: 1 },
            { name: `late.${extra}`, time: T0, value: 2 },
          ]);
          extra++;
        },
      },
    );
    cli.close();
    expect(extra).toBeGreaterThanOrEqual(6); // 12,000 rows in steps of 2,000 (late names are the writer's alone)
    const [rows] = store.query("select count(*) from bf").rows[0] as [bigint];
    const [counted, sum] = store.query("select sum(COUNT), sum(SUM) from _BF_ROLLUP_1S").rows[0] as [bigint, number];
    expect(counted).toBe(rows);
    expect(rows).toBe(12_000n + 2n * BigInt(extra));
    const [rawSum] = store.query("select sum(VALUE) from bf").rows[0] as [number];
    expect(sum).toBeCloseTo(rawSum, 6);
  });

  test("a fill cut off after its first step stays pending, says how far it got, and any connection finishes it", () => {
    store.write("cut", sensorRows(12_000, 3, T0));
    const cli = openDatabase(join(dir, "series.db"));
    expect(() =>
      setTableOptions(
        cli,
        "CUT",
        { rollups: "1s" },
        {
          stepRows: 2000,
          betweenChunks: () => {
            throw new Error("SIGKILL");
          },
        },
      ),
    ).toThrow("SIGKILL");
    cli.close();
    const pending = pendingFills(openDatabase(join(dir, "series.db"), { readonly: true }));
    expect(pending).toEqual([
      { table: "CUT", every: "1s", done: expect.any(Number), total: 12_000, started: expect.any(String) },
    ]);
    expect(pending[0]!.done).toBeGreaterThan(0);
    expect(pending[0]!.done).toBeLessThan(12_000);
    // writes go on meanwhile, then the server (any connection) takes the remaining steps
    store.write("cut", [{ name: "sensor.0", time: T0 + 7n, value: 5 }]);
    while (store.fillRollups()) {}
    const [rows] = store.query("select count(*) from cut").rows[0] as [bigint];
    const [counted, sum] = store.query("select sum(COUNT), sum(SUM) from _CUT_ROLLUP_1S").rows[0] as [bigint, number];
    expect(counted).toBe(rows);
    const [rawSum] = store.query("select sum(VALUE) from cut").rows[0] as [number];
    expect(sum).toBeCloseTo(rawSum, 6);
    expect(store.tableInfo().find((t) => t.name === "CUT")?.rollups[0]?.filling).toBeUndefined();
  });

  test("a rollup has its own retention", async () => {
    store.write("r", daily(30, 1));
    store.setTableOptions("r", { retention: "3d", rollups: "1d:10d" });
    await store.runRetention();
    expect(count("r")).toBe(4);
    expect(count("_R_ROLLUP_1D")).toBe(11);
  });

  test("a rollup set by another process (the CLI) is kept up to date by the running writer", () => {
    store.write("r", [{ name: "a", time: T0, value: 1 }]);
    const cli = open();
    cli.setTableOptions("r", { rollups: "1h" });
    cli.close();
    store.write("r", [{ name: "a", time: T0 + 1n, value: 2 }]);
    expect(store.query("select COUNT, SUM from _R_ROLLUP_1H").rows).toEqual([[2n, 3]]);
  });
});

describe("table info", () => {
  test("rows, bytes, oldest and newest time per table", () => {
    store.write("info", [
      { name: "x", time: 5n, value: 1 },
      { name: "y", time: 9n, value: 2 },
    ]);
    const t = store.tableInfo().find((i) => i.name === "INFO")!;
    expect(t).toMatchObject({ rows: 2, oldest: 5n, newest: 9n, retention: "off (default)", rollups: [] });
    expect(t.bytes).toBeGreaterThan(0);
    expect(store.tableInfo().find((i) => i.name === "EXAMPLE")).toMatchObject({ rows: 0, oldest: null });
  });
});

describe("size limit", () => {
  test("with Storage.MaxSize reached a write is refused with 507 storage full, and stored rows stay", () => {
    store.close();
    store = open({ maxSize: 200_000 });
    const rows = sensorRows(2_000, 10);
    let err: unknown;
    try {
      for (let i = 0; i < 100; i++)
        store.write(
          "full",
          rows.map((r) => ({ ...r, time: r.time + BigInt(i) })),
        );
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NeoError);
    expect((err as NeoError).status).toBe(507);
    expect((err as NeoError).message).toMatch(/^storage full: the series store uses .* of Storage.MaxSize 0.2 MB/);
    expect(store.storageState().state).toBe("full");
    expect(count("full") % 2000).toBe(0);
  });

  test('with WhenFull = "drop-oldest" the oldest rows make room and writes go on', () => {
    store.close();
    store = open({ maxSize: 400_000, whenFull: "drop-oldest" });
    for (let i = 0; i < 60; i++) store.write("ring", sensorRows(1_000, 10, T0 + BigInt(i) * 10_000_000_000n));
    expect(count("ring")).toBeLessThan(60_000);
    const newest = store.query("select max(TIME) from ring").rows[0]![0] as bigint;
    expect(newest).toBe(T0 + 59n * 10_000_000_000n + 999n * 10_000_000n);
  });
});
