// The pool with real query processes: one principal's endless statements take its own
// share only; another principal's queries still run.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Database } from "bun:sqlite";
import { createLogger } from "../lib/log.ts";
import { createQueryPool } from "./pool.ts";

const dir = mkdtempSync(join(tmpdir(), "neo-pool-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = join(dir, "series.db");
new Database(file).close();

const ENDLESS = "with recursive c(x) as (select 1 union all select x+1 from c) select count(*) from c";

describe("query pool fairness", () => {
  test("an endless principal fills its share (and borrows the idle worker) and gets 429 with Retry-After; another principal takes the borrowed worker back and gets answers", async () => {
    const pool = createQueryPool({
      file,
      workers: 2,
      timeoutMs: 3000,
      maxMemory: 256 * 1024 * 1024,
      maxWaiting: 64,
      maxRows: 1000,
      maxBytes: 1 << 20,
      log: createLogger("query"),
    });
    try {
      // both idle workers (its own share and one borrowed), four waiting, the seventh refused
      const attack = Array.from({ length: 7 }, () => pool.run({ sql: ENDLESS }, undefined, "client:bad"));
      const refused = (await attack[6]) as { ok: false; status: number; retryAfterSec?: number };
      expect(refused).toMatchObject({ ok: false, status: 429 });
      expect(refused.retryAfterSec ?? 0).toBeGreaterThanOrEqual(1);
      for (let i = 0; i < 5; i++) {
        const a = await pool.run({ sql: "select 1 as one" }, undefined, "client:good");
        expect(a.ok).toBe(true);
      }
    } finally {
      pool.close();
    }
  }, 30_000);
});
