import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSeriesStore, type SenmlRow, type SeriesStore } from "./index.ts";
import { createSenmlWriter } from "./senml-table.ts";

let dir: string;
let store: SeriesStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "neo-senml-"));
  store = openSeriesStore(dir);
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const T = 1276020076001000000n;
const rec = (o: Partial<SenmlRow>): SenmlRow => ({
  name: "dev:voltage",
  time: T,
  value: null,
  unit: null,
  stringValue: null,
  boolValue: null,
  dataValue: null,
  sum: null,
  ...o,
});

describe("SenML side table", () => {
  test("a batch with SenML records fills the tag table and <TABLE>_SENML in one commit, every field queryable", () => {
    const senml = [
      rec({ value: 120.1, unit: "V" }),
      rec({ name: "dev:door", stringValue: "open" }),
      rec({ name: "dev:light", boolValue: true }),
      rec({ name: "dev:blob", dataValue: "aGkgCg", sum: 3 }),
    ];
    const rows = senml.map((r) => ({ name: r.name, time: r.time, value: r.value }));
    expect(store.writeMany([{ table: "plant", rows, senml }])).toEqual([4]);
    expect(store.query("select NAME, TIME, VALUE from PLANT order by NAME").rows).toEqual([
      ["dev:blob", T, null],
      ["dev:door", T, null],
      ["dev:light", T, null],
      ["dev:voltage", T, 120.1],
    ]);
    const side = store.query("select NAME, TIME, VALUE, UNIT, VS, VB, VD, SUM from PLANT_SENML order by NAME");
    expect(side.columns).toEqual(["NAME", "TIME", "VALUE", "UNIT", "VS", "VB", "VD", "SUM"]);
    expect(side.types[1]).toBe("datetime");
    expect(side.rows).toEqual([
      ["dev:blob", T, null, null, null, null, "aGkgCg", 3],
      ["dev:door", T, null, null, "open", null, null, null],
      ["dev:light", T, null, null, null, 1n, null, null],
      ["dev:voltage", T, 120.1, "V", null, null, null, null],
    ]);
    expect(store.tables()).toContain("PLANT_SENML");
  });

  test("where a record came from is kept, and a side table made before gets those columns", () => {
    const db = new Database(":memory:");
    db.exec(
      "CREATE TABLE X_SENML (NAME TEXT NOT NULL, TIME INTEGER NOT NULL, VALUE REAL, UNIT TEXT, VS TEXT, VB INTEGER, VD TEXT, SUM REAL)",
    );
    db.exec("INSERT INTO X_SENML (NAME, TIME) VALUES ('old', 1)");
    const w = createSenmlWriter(db);
    w.insert("X", [{ ...rec({ value: 2 }), channel: "ch", publisher: "p1", subtopic: "a/b", protocol: "mqtt" }]);
    w.close();
    expect(
      db.prepare("select NAME, CHANNEL, PUBLISHER, SUBTOPIC, PROTOCOL from X_SENML order by TIME").values(),
    ).toEqual([
      ["old", null, null, null, null],
      ["dev:voltage", "ch", "p1", "a/b", "mqtt"],
    ]);
    db.close();
  });

  test("a refused batch stores neither its tag rows nor its SenML records", () => {
    const bad = [rec({ value: 1 }), rec({ time: 2n ** 64n })];
    const rejected: string[] = [];
    const out = store.writeMany(
      [
        { table: "plant", rows: bad.map((r) => ({ name: r.name, time: 1n, value: 1 })), senml: bad },
        { table: "other", rows: [{ name: "x", time: 1n, value: 1 }] },
      ],
      (_i, e) => rejected.push(e.message),
    );
    expect(out).toEqual([-1, 1]);
    expect(rejected[0]).toContain("SenML record 2");
    expect(store.tables()).not.toContain("PLANT");
    expect(store.tables()).not.toContain("PLANT_SENML");
  });
});
