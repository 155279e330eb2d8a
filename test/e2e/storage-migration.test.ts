// A data directory written by the previous neo version (plain tag tables) is migrated to
// the compact layout while the server serves: progress in the log and /health, the same
// rows with the same exact times, the same answers over HTTP before and after, and rows
// written over MQTT and HTTP during the migration kept exactly once.
import { Database } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { sensorRows, writeLegacySeries } from "../../src/storage/legacy-fixture.ts";
import { requiresTool } from "./requires.ts";
import { cleanup, run, startServer, tempDir } from "./harness.ts";

const need = requiresTool("/usr/bin/mosquitto_pub", "apt-get install mosquitto-clients");

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

describe.skipIf(need.skip)("series store migration at start-up", () => {
  beforeAll(() => need.check());
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

  test("the gateway serves while a big table migrates: reads and writes during it, every row once at the end", async () => {
    const data = tempDir("neo-migrate-bg-");
    dirs.push(data);
    const old = sensorRows(300_000, 100);
    writeLegacySeries(data, { EXAMPLE: old });
    const srv = await startServer([], { data });
    try {
      // ready (listening) while most rows still wait in the old table
      await srv.waitForLog(/migrating table EXAMPLE to the compact layout: 300000 rows \(in the background/);
      expect(srv.logs()).not.toMatch(/migrated table EXAMPLE/);
      const health = (await (await fetch(`${srv.httpUrl}/health`)).json()) as {
        migration?: { table: string; moved: number; total: number };
      };
      expect(health.migration?.table).toBe("EXAMPLE");
      expect(health.migration?.total).toBe(300000);
      expect(health.migration!.moved).toBeLessThan(300000);
      // queries see every row (moved or not) once, mid-way
      expect(await httpQuery(srv.httpUrl, "select count(*) from EXAMPLE")).toEqual([[300000]]);
      // writes during the migration: MQTT (QoS 1: PUBACK after the commit) and HTTP
      const t = (i: number) => `${1675851592000000001n + BigInt(i)}`;
      for (let i = 0; i < 3; i++) {
        const pub = await run(
          [
            "mosquitto_pub",
            "-h",
            srv.mqttHost,
            "-p",
            String(srv.mqttPort),
            "-q",
            "1",
            "-t",
            "db/write/EXAMPLE",
            "-m",
            `[["mqtt.${i}", ${t(i)}, ${i}.25]]`,
          ],
          { timeoutMs: 10_000 },
        );
        expect(pub.code).toBe(0);
        const res = await fetch(`${srv.httpUrl}/db/write/EXAMPLE`, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: `{"data":{"columns":["NAME","TIME","VALUE"],"rows":[["http.${i}", ${t(i)}, ${i}.5]]}}`,
        });
        expect(res.status).toBe(200);
      }
      // the rows just written are there (exact times) while the migration goes on
      expect(
        await httpQuery(srv.httpUrl, "select NAME, TIME, VALUE from EXAMPLE where NAME like 'http.%' order by NAME"),
      ).toEqual([
        ["http.0", t(0), 0.5],
        ["http.1", t(1), 1.5],
        ["http.2", t(2), 2.5],
      ]);
      await srv.waitForLog(/migrated table EXAMPLE: 300000 rows, verified/, 120_000);
      expect(srv.logs().indexOf("migrated table EXAMPLE")).toBeGreaterThan(
        srv.logs().indexOf("migrating table EXAMPLE to the compact layout"),
      );
      expect(await httpQuery(srv.httpUrl, "select count(*) from EXAMPLE")).toEqual([[300006]]);
      expect(
        await httpQuery(
          srv.httpUrl,
          "select NAME, TIME, VALUE from EXAMPLE where NAME like 'mqtt.%' or NAME like 'http.%' order by NAME",
        ),
      ).toEqual([
        ["http.0", t(0), 0.5],
        ["http.1", t(1), 1.5],
        ["http.2", t(2), 2.5],
        ["mqtt.0", t(0), 0.25],
        ["mqtt.1", t(1), 1.25],
        ["mqtt.2", t(2), 2.25],
      ]);
      // every old row once, exact time and value: per name count, min/max time, sum
      const agg = new Map<string, { n: number; min: bigint; max: bigint }>();
      for (const r of old) {
        const a = agg.get(r.name) ?? { n: 0, min: r.time, max: r.time };
        a.n++;
        if (r.time < a.min) a.min = r.time;
        if (r.time > a.max) a.max = r.time;
        agg.set(r.name, a);
      }
      const got = await httpQuery(
        srv.httpUrl,
        "select NAME, count(*), count(distinct TIME), min(TIME), max(TIME) from EXAMPLE where NAME like 'sensor.%' group by NAME order by NAME",
      );
      expect(got.length).toBe(100);
      for (const [name, n, distinct, min, max] of got) {
        const a = agg.get(String(name))!;
        expect([n, distinct, String(min), String(max)]).toEqual([a.n, a.n, String(a.min), String(a.max)]);
      }
      // and exact values, one name in full
      const seven = old.filter((r) => r.name === "sensor.7").map((r) => [r.name, String(r.time), r.value]);
      expect(
        (
          await httpQuery(srv.httpUrl, "select NAME, TIME, VALUE from EXAMPLE where NAME = 'sensor.7' order by TIME")
        ).map((r) => [r[0], String(r[1]), r[2]]),
      ).toEqual(seven);
      const health2 = (await (await fetch(`${srv.httpUrl}/health`)).json()) as { migration?: unknown };
      expect(health2.migration).toBeUndefined();
    } finally {
      expect(await srv.stop()).toBe(0);
    }
  }, 180_000);
});
