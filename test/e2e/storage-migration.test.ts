// A data directory written by the previous neo version (plain tag tables) is migrated to
// the compact layout when the server starts: progress in the log, the same rows with the
// same exact times, and the same answers over HTTP before and after.
import { Database } from "bun:sqlite";
import { afterAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { sensorRows, writeLegacySeries } from "../../src/storage/legacy-fixture.ts";
import { cleanup, startServer, tempDir } from "./harness.ts";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) cleanup(d);
});

const QUERIES = [
  "select NAME, TIME, VALUE from EXAMPLE order by NAME, TIME",
  "select NAME, count(*), sum(VALUE), min(TIME), max(TIME) from EXAMPLE group by NAME order by NAME",
  "select * from EXAMPLE where NAME = 'sensor.7' and TIME between 1700000000100000000 and 1700000000600000000 order by TIME",
];

async function httpQuery(base: string, q: string): Promise<unknown[][]> {
  const res = await fetch(`${base}/db/query?q=${encodeURIComponent(q)}`);
  // int64 (nanosecond) cells are JSON numbers: keep their digits exact
  const text = (await res.text()).replace(/(?<=[[,])(-?\d{16,})(?=[,\]])/g, '"$1"');
  const body = JSON.parse(text) as { success: boolean; reason: string; data: { rows: unknown[][] } };
  if (!body.success) throw new Error(body.reason);
  return body.data.rows;
}

describe("series store migration at start-up", () => {
  test("a data dir made by the old version keeps every row, exact time and query answer", async () => {
    const data = tempDir("neo-migrate-");
    dirs.push(data);
    const rows = sensorRows(30_000, 50);
    rows.push({ name: "exact", time: 1675851592000000001n, value: null });
    rows.push({ name: "exact", time: 1675851592000000001n, value: 0.1 + 0.2 });
    writeLegacySeries(data, { EXAMPLE: rows });
    const old = new Database(join(data, "series.db"), { readonly: true, safeIntegers: true });
    const expected = QUERIES.map((q) => (old.query(q).values() as unknown[][]).map((r) => r.map(String)));
    old.close();

    const srv = await startServer([], { data });
    try {
      await srv.waitForLog(/migrated table EXAMPLE: 30002 rows, verified/);
      expect(srv.logs()).toMatch(/migrating table EXAMPLE to the compact layout: 30002 rows/);
      for (const [i, q] of QUERIES.entries()) {
        const got = (await httpQuery(srv.httpUrl, q)).map((r) => r.map(String));
        expect(got).toEqual(expected[i]!);
      }
    } finally {
      expect(await srv.stop()).toBe(0);
    }
    // the second start has nothing to migrate
    const again = await startServer([], { data });
    try {
      expect(await httpQuery(again.httpUrl, "select count(*) from EXAMPLE")).toEqual([[30002]]);
      expect(await httpQuery(again.httpUrl, "select count(*) from EXAMPLE where TIME = 1675851592000000001")).toEqual([
        [2],
      ]);
      expect(again.logs()).not.toMatch(/migrat/);
    } finally {
      await again.stop();
    }
  }, 60000);
});
