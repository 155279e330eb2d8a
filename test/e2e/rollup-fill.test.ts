// A rollup fill that finishes whoever started it: `neo shell table set --rollup` records
// the fill as pending in series.db and fills it in small steps; SIGHUP (a dropped SSH
// session) does not stop it, and after a kill -9 mid-fill the running server finishes
// it. `neo shell table list` shows "filling N%" meanwhile. The rollup then counts every
// stored row exactly once, also rows written while it filled.
import { Database } from "bun:sqlite";
import { afterAll, expect, test } from "bun:test";
import { join } from "node:path";
import { cleanup, eventually, NEO, neo, ROOT, type Server, startServer, tempDir } from "./harness.ts";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) cleanup(d);
});

const T0 = 1_700_000_000_000_000_000n;
// 48,000 rows: with 300 rows a step the fill takes 160 steps
const NAMES = 6_000;
async function fillTable(srv: Server, table: string) {
  const rows: string[] = [];
  for (let n = 0; n < NAMES; n++)
    for (let k = 0; k < 8; k++) rows.push(`["s${n}",${T0 + BigInt(k) * 700_000_000n},${n + k}]`);
  const r = await fetch(`${srv.httpUrl}/db/write/${table}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: `{"data":{"columns":["NAME","TIME","VALUE"],"rows":[${rows.join(",")}]}}`,
  });
  expect(r.status).toBe(200);
}
async function one(srv: Server, sql: string): Promise<unknown[]> {
  const r = await fetch(`${srv.httpUrl}/db/query?q=${encodeURIComponent(sql)}`);
  const body = (await r.json()) as { success: boolean; reason: string; data: { rows: unknown[][] } };
  if (!body.success) throw new Error(body.reason);
  return body.data.rows[0] ?? [];
}
/** the pending fill of `table`, read straight from the store (done rows), or null once it is gone */
function pending(data: string, table: string): number | null {
  const db = new Database(join(data, "series.db"), { readonly: true });
  try {
    const r = db
      .query<{ done: number }, [string]>("SELECT done FROM _neo_rollup_fill WHERE tbl = ?")
      .get(table.toUpperCase());
    return r ? r.done : null;
  } catch {
    return null; // the table is made with the first fill
  } finally {
    db.close();
  }
}
function setRollup(data: string, table: string) {
  return Bun.spawn([...NEO, "shell", "table", "set", table, "--rollup", "1s", "--data", data], {
    cwd: ROOT,
    stdout: "pipe",
    stderr: "pipe",
    // small steps (many transactions), so the test can catch the fill half-way
    env: { ...process.env, NO_COLOR: "1", NEO_FILL_STEP_ROWS: "300" },
  });
}
async function exact(srv: Server, table: string) {
  const [rows, sum] = await one(srv, `select count(*), sum(VALUE) from ${table}`);
  const [counted, summed] = await one(srv, `select sum(COUNT), sum(SUM) from _${table}_ROLLUP_1S`);
  expect(counted).toBe(rows);
  expect(summed).toBe(sum);
}

test("SIGHUP mid-fill does not stop the CLI; after kill -9 mid-fill the running server finishes the rollup", async () => {
  const data = tempDir("neo-fill-");
  dirs.push(data);
  const srv = await startServer([], { data });
  try {
    await fillTable(srv, "HUP");
    await fillTable(srv, "KILLED");

    // 1. a closed terminal: SIGHUP while it fills; the command goes on to the end
    const hup = setRollup(data, "HUP");
    await eventually(() => (pending(data, "HUP") ?? 0) > 0, 20_000);
    hup.kill("SIGHUP");
    // rows written while it fills count once
    const w = await fetch(`${srv.httpUrl}/db/write/HUP`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: `[["s1",${T0 + 1n},1000],["late",${T0},7]]`,
    });
    expect(w.status).toBe(200);
    const hupCode = await hup.exited;
    if (hupCode !== 0) console.log("HUP", await new Response(hup.stderr).text());
    expect(hupCode).toBe(0);
    expect(pending(data, "HUP")).toBeNull();
    await exact(srv, "HUP");

    // 2. kill -9 mid-fill: the fill stays pending, `table list` says how far, the server finishes it
    const killed = setRollup(data, "KILLED");
    await eventually(() => (pending(data, "KILLED") ?? 0) > 0, 20_000);
    killed.kill("SIGKILL");
    await killed.exited;
    const list = await neo(["shell", "table", "list", "--data", data]);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/1s \(filling \d+%\)/);
    await eventually(() => pending(data, "KILLED") === null, 30_000);
    await srv.waitForLog(/rollup fill complete/, 10_000);
    await exact(srv, "KILLED");
    const after = await neo(["shell", "table", "list", "--format", "json", "--data", data]);
    const info = (JSON.parse(after.stdout) as { name: string; rollups: { filling?: unknown }[] }[]).find(
      (t) => t.name === "KILLED",
    );
    expect(info?.rollups[0]?.filling).toBeUndefined();
  } finally {
    await srv.stop();
  }
}, 90_000);
