// Queries run in query processes under Query.Timeout, MaxRows, MaxBytes and MaxMemory:
// the worst statements a valid client can send neither stall the gateway nor bloat it.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import mqtt from "mqtt";
import { cleanup, eventually, startServer, tempDir, type Server } from "./harness.ts";

const ENDLESS = "with recursive c(x) as (select 1 union all select x+1 from c) select count(*) from c";

function configFile(dir: string, text: string): string {
  const f = join(dir, "neo.conf");
  writeFileSync(f, text);
  return f;
}

/** pids of the server's direct children (its query processes) */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  const tasks = `/proc/${pid}/task`;
  if (!existsSync(tasks)) return out;
  for (const t of require("node:fs").readdirSync(tasks) as string[]) {
    try {
      const text = readFileSync(`${tasks}/${t}/children`, "utf8").trim();
      if (text) out.push(...text.split(/\s+/).map(Number));
    } catch {
      // the thread ended
    }
  }
  return out;
}

const alive = (pid: number) =>
  existsSync(`/proc/${pid}/stat`) && !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, "utf8"));

async function query(srv: Server, q: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const r = await fetch(`${srv.httpUrl}/db/query?q=${encodeURIComponent(q)}`);
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}

describe("query limits", () => {
  let srv: Server;
  let dir: string;
  beforeAll(async () => {
    dir = tempDir();
    const cfg = configFile(
      dir,
      'Query {\n  Timeout = "3s"\n  MaxRows = 5\n  MaxBytes = 4096\n  MaxMemory = 134217728\n}\n',
    );
    srv = await startServer(["--config", cfg], { data: join(dir, "data") });
  });
  afterAll(async () => {
    await srv.stop();
    cleanup(dir);
  });

  test("an endless query is stopped after Query.Timeout with 504 while /health and MQTT CONNECT keep answering", async () => {
    let done = false;
    const slow = query(srv, ENDLESS).finally(() => (done = true));
    const health = await fetch(`${srv.httpUrl}/health`);
    expect(health.status).toBe(200);
    const c = await mqtt.connectAsync(`mqtt://${srv.mqttHost}:${srv.mqttPort}`, { reconnectPeriod: 0 });
    await c.endAsync();
    expect(done).toBe(false); // both answered while the query was still running
    const r = await slow;
    expect(r.status).toBe(504);
    expect(r.body).toEqual({ success: false, reason: "query timed out after 3s", elapse: expect.any(String) });
  });

  test("the same query over the db/query topic gets the timeout as its reply", async () => {
    const c = await mqtt.connectAsync(`mqtt://${srv.mqttHost}:${srv.mqttPort}`, { reconnectPeriod: 0 });
    await c.subscribeAsync("db/reply/robust", { qos: 1 });
    const got = new Promise<Record<string, unknown>>((resolve) =>
      c.on("message", (_t, p) => resolve(JSON.parse(p.toString()))),
    );
    await c.publishAsync("db/query", JSON.stringify({ q: ENDLESS, reply: "db/reply/robust" }), { qos: 1 });
    const reply = await got;
    expect(reply.success).toBe(false);
    expect(reply.reason).toBe("query timed out after 3s");
    await c.endAsync();
  });

  test("a result over Query.MaxRows is cut at the cap and says so", async () => {
    const r = await query(
      srv,
      "with recursive c(x) as (select 1 union all select x+1 from c where x < 100) select x from c",
    );
    expect(r.status).toBe(200);
    const data = r.body.data as { rows: unknown[][] };
    expect(data.rows).toEqual([[1], [2], [3], [4], [5]]);
    expect(r.body.success).toBe(true);
    expect(r.body.truncated).toBe(true);
    expect(r.body.reason).toBe("success, result cut at 5 rows (Query.MaxRows)");
  });

  test("a result over Query.MaxBytes is cut before the cap and says so", async () => {
    const r = await query(srv, "select printf('%.3000c', 'x') union all select printf('%.3000c', 'y')");
    expect(r.status).toBe(200);
    expect((r.body.data as { rows: unknown[][] }).rows.length).toBe(1);
    expect(r.body.reason).toBe("success, result cut at 1 rows: over 4096 bytes (Query.MaxBytes)");
  });

  test("randomblob, zeroblob and printf of a gigabyte are stopped at Query.MaxMemory and the next query works", async () => {
    for (const q of [
      "select randomblob(1000000000)",
      "select zeroblob(1000000000)",
      "select printf('%.*c', 900000000, 'x')",
    ]) {
      const r = await query(srv, q);
      expect(r.status).toBe(413);
      expect(String(r.body.reason)).toContain("Query.MaxMemory");
    }
    const ok = await query(srv, "select 1 as one");
    expect(ok.body).toMatchObject({ success: true, data: { columns: ["ONE"], rows: [[1]] } });
    // the gateway itself never held the blob
    const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${srv.proc.pid}/status`, "utf8"))?.[1]) * 1024;
    expect(rss).toBeLessThan(400 * 1024 * 1024);
  });

  test("writes and second statements are refused with 400 before they run", async () => {
    expect((await query(srv, "delete from example")).status).toBe(400);
    expect((await query(srv, "select 1; select 2")).body.reason).toBe("only a single statement is allowed");
  });
});

test("a query longer than Bun's 10 s idle timeout still gets its 504 answer, not a reset connection", async () => {
  const dir = tempDir();
  const srv = await startServer(["--config", configFile(dir, 'Query { Timeout = "11s" }\n')], {
    data: join(dir, "data"),
  });
  try {
    const r = await query(srv, ENDLESS);
    expect(r.status).toBe(504);
    expect(r.body.reason).toBe("query timed out after 11s");
  } finally {
    await srv.stop();
    cleanup(dir);
  }
}, 30_000);

describe("stopping while a query runs", () => {
  test("SIGTERM exits cleanly within 5 s and leaves no query process behind", async () => {
    const dir = tempDir();
    const srv = await startServer([], { data: dir });
    try {
      const slow = fetch(`${srv.httpUrl}/db/query?q=${encodeURIComponent(ENDLESS)}`).catch(() => null);
      const kids = await eventually(() => {
        const k = childrenOf(srv.proc.pid);
        return k.length > 0 ? k : undefined;
      });
      const t0 = performance.now();
      const code = await srv.stop("SIGTERM");
      expect(code).toBe(0);
      expect(performance.now() - t0).toBeLessThan(5000);
      await slow;
      await eventually(() => kids.every((k) => !alive(k)));
    } finally {
      cleanup(dir);
    }
  });

  test("a gateway killed with SIGKILL takes its running query process with it", async () => {
    const dir = tempDir();
    const srv = await startServer([], { data: dir });
    try {
      const slow = fetch(`${srv.httpUrl}/db/query?q=${encodeURIComponent(ENDLESS)}`).catch(() => null);
      const kids = await eventually(() => {
        const k = childrenOf(srv.proc.pid);
        return k.length > 0 ? k : undefined;
      });
      await srv.stop("SIGKILL");
      await slow;
      await eventually(() => kids.every((k) => !alive(k)));
    } finally {
      cleanup(dir);
    }
  });
});

test("back-to-back queries that grow fast never take a query process far past Query.MaxMemory", async () => {
  const dir = tempDir();
  const max = 128 * 1024 * 1024;
  const srv = await startServer(["--config", configFile(dir, `Query {\n  MaxMemory = ${max}\n  Workers = 2\n}\n`)], {
    data: join(dir, "data"),
  });
  // the highest resident set seen of any query process (VmHWM, polled while the queries run)
  let peak = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      for (const pid of childrenOf(srv.proc.pid)) {
        try {
          const kb = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
          peak = Math.max(peak, kb * 1024);
        } catch {
          // it ended between the listing and the read
        }
      }
      await Bun.sleep(1);
    }
  })();
  try {
    const heavy = [
      "select randomblob(1000000000)",
      "select printf('%.*c', 900000000, 'x')",
      // a big answer: the JSON text, then its copy for IPC
      "with recursive c(x) as (select 1 union all select x+1 from c where x < 2000000) select x, printf('%.40c', 'v') from c",
    ];
    const statuses: number[] = [];
    await Promise.all(
      [0, 1].map(async (lane) => {
        for (let i = 0; i < 6; i++) statuses.push((await query(srv, heavy[(i + lane) % heavy.length]!)).status);
      }),
    );
    expect(statuses.filter((s) => s === 413).length).toBeGreaterThanOrEqual(8);
    expect((await query(srv, "select 1 as one")).status).toBe(200);
  } finally {
    sampling = false;
    await sampler;
    await srv.stop();
    cleanup(dir);
  }
  // the guard looks every 2 ms from inside the process: what it lets through is what grows in 2 ms
  expect(peak).toBeGreaterThan(0);
  expect(peak).toBeLessThan(max + 24 * 1024 * 1024);
}, 60_000);
