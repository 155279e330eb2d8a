// Retention and rollups on a running gateway, set with `neo shell table set` while it
// runs; `neo shell table list` and GET /db/tables show the same picture.
import { afterAll, describe, expect, test } from "bun:test";
import { cleanup, eventually, neo, type Server, startServer, tempDir } from "./harness.ts";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) cleanup(d);
});

const NOW_NS = BigInt(Date.now()) * 1_000_000n;
const OLD_NS = 946684800000000000n; // 2000-01-01
async function write(srv: Server, rows: [string, bigint, number][]) {
  const body = `{"data":{"columns":["NAME","TIME","VALUE"],"rows":[${rows.map((r) => `["${r[0]}",${r[1]},${r[2]}]`).join(",")}]}}`;
  const r = await fetch(`${srv.httpUrl}/db/write/LIFE`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
  });
  expect(r.status).toBe(200);
}
async function q(srv: Server, sql: string): Promise<unknown[][]> {
  const r = await fetch(`${srv.httpUrl}/db/query?q=${encodeURIComponent(sql)}`);
  const body = (await r.json()) as { success: boolean; reason: string; data: { rows: unknown[][] } };
  if (!body.success) throw new Error(body.reason);
  return body.data.rows;
}

describe("table lifecycle on a running gateway", () => {
  test("retention set from the CLI deletes old rows; rollups are queryable and follow new data", async () => {
    const data = tempDir("neo-life-");
    dirs.push(data);
    let srv = await startServer([], { data });
    try {
      await write(srv, [
        ["a", OLD_NS, 1],
        ["a", OLD_NS + 1n, 2],
        ["a", NOW_NS, 3],
        ["b", NOW_NS, 4],
      ]);
      const set = await neo([
        "shell",
        "table",
        "set",
        "life",
        "--retention",
        "7d",
        "--rollup",
        "1m,1h:30d",
        "--data",
        data,
      ]);
      expect(set.code).toBe(0);
      expect(set.stdout).toContain("select * from _LIFE_ROLLUP_1M");
      // the rollup was filled from what is stored, and the running writer keeps it current
      expect(
        await q(srv, "select NAME, COUNT, SUM from _LIFE_ROLLUP_1H where TIME > 1000000000000000000 order by NAME"),
      ).toEqual([
        ["a", 1, 3],
        ["b", 1, 4],
      ]);
      await write(srv, [["a", NOW_NS + 1n, 10]]);
      expect(
        await q(
          srv,
          "select MIN, MAX, COUNT, SUM from _LIFE_ROLLUP_1M where NAME = 'a' and TIME > 1000000000000000000",
        ),
      ).toEqual([[3, 10, 2, 13]]);
    } finally {
      await srv.stop();
    }
    // the start-up retention pass deletes the rows of 2000
    srv = await startServer([], { data });
    try {
      await eventually(async () => Number((await q(srv, "select count(*) from LIFE"))[0]![0]) === 3);
      expect(await q(srv, "select count(*) from LIFE where TIME < 1000000000000000000")).toEqual([[0]]);
      // the two rows of 2000 and their 1h rollup row (30d); the 1m rollup keeps everything
      await srv.waitForLog(/retention: deleted 3 row\(s\)/);

      const res = await fetch(`${srv.httpUrl}/db/tables`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as {
        success: boolean;
        data: { tables: { name: string; rows: number; retention: string; rollups: { table: string }[] }[] };
      };
      const life = body.data.tables.find((t) => t.name === "LIFE");
      expect(life).toMatchObject({ rows: 3, retention: "7d" });
      expect(life?.rollups.map((r) => r.table)).toEqual(["_LIFE_ROLLUP_1M", "_LIFE_ROLLUP_1H"]);

      const list = await neo(["shell", "table", "list", "--data", data]);
      expect(list.code).toBe(0);
      expect(list.stdout).toMatch(/│ +\d+ │ LIFE +│ +3 │ .* │ 7d +│ 1m,1h:30d │/);
      const json = JSON.parse((await neo(["shell", "table", "list", "--format", "json", "--data", data])).stdout);
      expect(json.find((t: { name: string }) => t.name === "LIFE").newestNs).toBe(String(NOW_NS + 1n));
    } finally {
      await srv.stop();
    }
  }, 60000);
});
