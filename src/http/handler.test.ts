// Route tests against the handler alone: no port, no socket, a real SQLite store.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger, setLogSink } from "../lib/log.ts";
import { createQueryService } from "../query/index.ts";
import { openSeriesStore } from "../storage/index.ts";
import { createHttpFetch } from "./server.ts";
import { MapTokens, testConfig } from "./test-support.ts";

setLogSink(() => {});
const dir = mkdtempSync(join(tmpdir(), "neo-http-fetch-"));
const store = openSeriesStore(dir);
const tokens = new MapTokens();
tokens.add("tok-1", "c1");
const config = testConfig(dir, true);
const queries = createQueryService(store.file, config.query, createLogger("query"));
const handler = createHttpFetch({ config, store, queries, auth: tokens });
afterAll(() => {
  queries.close();
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const call = async (method: string, path: string, init: RequestInit = {}) => {
  const r = await handler.fetch(new Request(`http://neo.test${path}`, { method, ...init }));
  if (!r) throw new Error("no response");
  return r;
};
const bearer = { authorization: "Bearer tok-1" };

describe("http handler as a pure fetch(req)", () => {
  test("GET and HEAD /health answer without a token", async () => {
    expect((await call("GET", "/health")).status).toBe(200);
    expect((await call("HEAD", "/health")).status).toBe(200);
  });

  test("an unknown path is 404 and a wrong method is 405 with Allow, both before any token check", async () => {
    const nf = await call("GET", "/db/nope");
    expect(nf.status).toBe(404);
    expect(await nf.json()).toEqual({ success: false, reason: "not found: /db/nope" });
    const wm = await call("DELETE", "/db/query");
    expect(wm.status).toBe(405);
    expect(wm.headers.get("allow")).toBe("GET, HEAD, POST");
  });

  test("a /db route needs the token; with it a write and a query round-trip", async () => {
    expect((await call("GET", "/db/query?q=select%201")).status).toBe(401);
    const w = await call("POST", "/db/write/t1", {
      headers: { ...bearer, "content-type": "application/json" },
      body: '[["a", 1, 1.5]]',
    });
    expect(w.status).toBe(200);
    expect(((await w.json()) as { elapse: string }).elapse).toMatch(/^[0-9.]+(ns|µs|ms|s)$/);
    const q = await call("GET", "/db/query?q=select%20value%20from%20t1", { headers: bearer });
    expect(((await q.json()) as { data: { rows: unknown[] } }).data.rows).toEqual([[1.5]]);
  });

  test("POST /db/write/ without a table is 400 with the usage", async () => {
    const r = await call("POST", "/db/write/", { headers: bearer, body: "[]" });
    expect(r.status).toBe(400);
    expect(((await r.json()) as { reason: string }).reason).toBe("missing table name: POST /db/write/<table>");
  });

  test("the table lists each route with its requirement", () => {
    const w = handler.routes.find((r) => r.path === "/db/write/:table");
    expect(w?.scope).toEqual({ op: "tables:write", target: ":table" });
  });
});
