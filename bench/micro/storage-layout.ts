// The series store on issue 15's benchmark: 1,000,000 rows, 100 names like `sensor.7`,
// one row every 10 ms, one-decimal values, written 1,000 rows per commit. For the compact
// layout (today's code) and the previous plain-table layout (its SQL, in the same run):
// bytes a row (data files after a checkpoint), rows/s written, and three queries (median
// of 7, in process on a read-only connection):
//   range:     a 10-minute range of one name
//   latestTime: the latest time per name (group by, no VALUE: an index-only scan before)
//   latest:    the latest value per name (group by)
//   latestRow: the latest row per name (correlated max(TIME); the aliases must differ from
//              the table name in more than case, or SQLite binds both to the inner table)
//   perMinute: per-minute averages of one name
// With --http, the compact store is also queried over HTTP through a real `neo serve`
// (src/main.ts) on the same data dir: what a client of /db/query sees. The compact store's
// queries are also timed over its previous view (a plain JOIN, before the CROSS JOIN of
// layout.ts) on the same file, as "compact, previous view".
// Run: bun bench/micro/storage-layout.ts [--rows N] [--sync full|normal] [--http]
import { Database } from "bun:sqlite";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { openSeriesStore } from "../../src/storage/index.ts";
import { decodeValueSql } from "../../src/storage/layout.ts";
import { sensorRows } from "../../src/storage/legacy-fixture.ts";

const { values: args } = parseArgs({
  options: { rows: { type: "string" }, sync: { type: "string" }, http: { type: "boolean" } },
});
const N = Number(args.rows ?? 1_000_000);
const sync = args.sync === "normal" ? "normal" : "full";
const BATCH = 1000;
const rows = sensorRows(N, 100);
const t0 = 1700000000000000000n;
const QUERIES: Record<string, string> = {
  range: `select * from T where NAME = 'sensor.7' and TIME between ${t0 + 3_600_000_000_000n} and ${t0 + 4_200_000_000_000n}`,
  latestTime: "select NAME, max(TIME) from T group by NAME",
  latest: "select NAME, max(TIME), VALUE from T group by NAME",
  latestRow: "select NAME, TIME, VALUE from T a where TIME = (select max(TIME) from T b where b.NAME = a.NAME)",
  perMinute: "select TIME / 60000000000 * 60000000000 as M, avg(VALUE) from T where NAME = 'sensor.7' group by M",
};

const fileSize = (f: string) => (existsSync(f) ? statSync(f).size : 0);
const median = (xs: number[]) => xs.sort((a, b) => a - b)[xs.length >> 1]!;

function timeQueries(q: (sql: string) => unknown[][]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, sql] of Object.entries(QUERIES)) {
    const times: number[] = [];
    for (let i = 0; i < 7; i++) {
      const a = performance.now();
      q(sql);
      times.push(performance.now() - a);
    }
    out[k] = median(times);
  }
  return out;
}

async function compact(dir: string) {
  const store = openSeriesStore(dir, { sync });
  const a = performance.now();
  for (let i = 0; i < N; i += BATCH) store.writeMany([{ table: "T", rows: rows.slice(i, i + BATCH) }]);
  const rate = N / ((performance.now() - a) / 1000);
  store.close(); // checkpoints
  const size = fileSize(join(dir, "series.db")) + fileSize(join(dir, "series.db-wal"));
  const ro = openSeriesStore(dir);
  const times = timeQueries((sql) => ro.query(sql).rows);
  ro.close();
  const raw = new Database(join(dir, "series.db"), { readonly: true, safeIntegers: true });
  raw.exec(
    `CREATE TEMP VIEW T_JOIN AS SELECT n.name AS NAME, d.time AS TIME, ${decodeValueSql("d.v")} AS VALUE ` +
      `FROM "_T_data" AS d JOIN "_T_names" AS n ON n.id = d.nid`,
  );
  const joinTimes = timeQueries((sql) => raw.query(sql.replace(/\bT\b/g, "T_JOIN")).values() as unknown[][]);
  raw.close();
  const http = args.http ? await overHttp(dir) : undefined;
  return { rate, size, times, http, joinTimes };
}

/** the same three queries through GET /db/query of a real server on `dir` (median of 7) */
async function overHttp(dir: string): Promise<Record<string, number>> {
  const main = join(import.meta.dir, "../../src/main.ts");
  const p = Bun.spawn(
    [process.execPath, main, "serve", "--data", dir, "--host", "127.0.0.1", "--http-port", "0", "--mqtt-port", "0"],
    {
      stdout: "pipe",
      stderr: "ignore",
    },
  );
  try {
    const reader = p.stdout.getReader();
    let buf = "";
    while (!buf.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) throw new Error("neo serve exited before it was ready");
      buf += new TextDecoder().decode(value);
    }
    const ready = JSON.parse(buf.slice(0, buf.indexOf("\n"))) as { http: string };
    const out: Record<string, number> = {};
    // `select 1`: the fixed cost of a /db/query round trip (HTTP, query process), for reading the others
    for (const [k, sql] of Object.entries({ ...QUERIES, baseline: "select 1" })) {
      const times: number[] = [];
      for (let i = 0; i < 7; i++) {
        const a = performance.now();
        const r = await fetch(`http://${ready.http}/db/query?q=${encodeURIComponent(sql)}`);
        if (!((await r.json()) as { success: boolean }).success) throw new Error(`query failed: ${sql}`);
        times.push(performance.now() - a);
      }
      out[k] = median(times);
    }
    return out;
  } finally {
    p.kill("SIGTERM");
    await p.exited;
  }
}

async function plain(dir: string) {
  // the previous layout's SQL and pragmas (synchronous=NORMAL was its only setting)
  const file = join(dir, "series.db");
  const db = new Database(file, { create: true, safeIntegers: true });
  db.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;");
  db.exec(
    'CREATE TABLE T (NAME TEXT NOT NULL, TIME INTEGER NOT NULL, VALUE REAL); CREATE INDEX "_idx_T" ON T (NAME, TIME);',
  );
  const ins = db.prepare("INSERT INTO T (NAME, TIME, VALUE) VALUES (?, ?, ?)");
  const tx = db.transaction((from: number) => {
    for (let i = from; i < Math.min(from + BATCH, N); i++) ins.run(rows[i]!.name, rows[i]!.time, rows[i]!.value);
  });
  const a = performance.now();
  for (let i = 0; i < N; i += BATCH) tx(i);
  const rate = N / ((performance.now() - a) / 1000);
  ins.finalize();
  db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  db.close();
  const size = fileSize(file) + fileSize(`${file}-wal`);
  const ro = new Database(file, { readonly: true, safeIntegers: true });
  const times = timeQueries((sql) => ro.query(sql).values() as unknown[][]);
  ro.close();
  return {
    rate,
    size,
    times,
    http: undefined as Record<string, number> | undefined,
    joinTimes: undefined as Record<string, number> | undefined,
  };
}

const f = (x: number) => Math.round(x).toLocaleString("en-US");
const results: [string, Awaited<ReturnType<typeof plain>>][] = [];
for (const [label, fn] of [
  ["plain tables (before)", plain],
  [`compact, Sync=${sync}`, compact],
] as const) {
  const dir = mkdtempSync(join(tmpdir(), "neo-bench-layout-"));
  try {
    results.push([label, await fn(dir)]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
console.log(`${f(N)} rows, 100 names, 10 ms apart, one-decimal values, ${BATCH} rows per commit`);
console.log(
  "| layout | bytes/row | rows/s written | range ms | latestTime ms | latest ms | latestRow ms | perMinute ms |",
);
console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
const cells = (t: Record<string, number>) =>
  [
    t.range!.toFixed(2),
    t.latestTime!.toFixed(1),
    t.latest!.toFixed(1),
    t.latestRow!.toFixed(1),
    t.perMinute!.toFixed(2),
  ].join(" | ");
for (const [label, r] of results) {
  console.log(`| ${label} | ${(r.size / N).toFixed(2)} | ${f(r.rate)} | ${cells(r.times)} |`);
  if (r.joinTimes) console.log(`| ${label}, previous view (JOIN) | | | ${cells(r.joinTimes)} |`);
  if (r.http) console.log(`| ${label}, over HTTP | | | ${cells(r.http)} |`);
}
