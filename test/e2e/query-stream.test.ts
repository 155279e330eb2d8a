// A streamed /db/query answer whose reader goes away: the query process writing it is
// stopped at once (not left waiting for acknowledgements until Query.Timeout), and the
// principal's share of the pool is free for its next query.
import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { useGateway } from "./fixture.ts";
import { eventually } from "./harness.ts";

/** pids of the server's direct children (its query processes) */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  const tasks = `/proc/${pid}/task`;
  if (!existsSync(tasks)) return out;
  for (const t of readdirSync(tasks)) {
    try {
      const text = readFileSync(`${tasks}/${t}/children`, "utf8").trim();
      if (text) out.push(...text.split(/\s+/).map(Number));
    } catch {
      // the thread ended
    }
  }
  return out;
}

describe("a streamed answer whose reader goes away", () => {
  const gw = useGateway({ config: 'Query {\n  Timeout = "60s"\n  Workers = 1\n  MaxRows = 100000000\n}' });
  test("stops its query process, and the next query of that reader is answered", async () => {
    const endless =
      "with recursive c(x) as (select 1 union all select x+1 from c where x < 1000000000) select x, hex(randomblob(64)) from c";
    const ac = new AbortController();
    const r = await fetch(`${gw.srv.httpUrl}/db/query?format=csv&q=${encodeURIComponent(endless)}`, {
      signal: ac.signal,
    });
    expect(r.status).toBe(200);
    const reader = (r.body as ReadableStream<Uint8Array>).getReader();
    let got = 0;
    while (got < 65_536) got += (await reader.read()).value?.length ?? 0;
    const [writer] = childrenOf(gw.srv.proc.pid);
    expect(writer).toBeGreaterThan(0);
    ac.abort();
    await eventually(() => !childrenOf(gw.srv.proc.pid).includes(writer as number), 20_000);
    const next = await fetch(`${gw.srv.httpUrl}/db/query?q=${encodeURIComponent("select 1 as one")}`);
    expect(next.status).toBe(200);
    expect(((await next.json()) as { data: { rows: unknown[] } }).data.rows).toEqual([[1]]);
  }, 60_000);
});
