// A public route that checks a secret of its own (guard "secret": refresh key, recovery
// key) never audits by itself: it reports the outcome in c.checked and the runner writes
// the row; its 401 counts toward the brute-force guard.
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger, setLogSink } from "../lib/log.ts";
import { failure } from "../lib/http/respond.ts";
import { createQueryService } from "../query/index.ts";
import { openSeriesStore } from "../storage/index.ts";
import type { HttpAuditEvent } from "./audit-events.ts";
import type { RouteSpec } from "./route.ts";
import { createHttpFetch } from "./server.ts";
import { MapTokens, testConfig } from "./test-support.ts";

setLogSink(() => {});
const dir = mkdtempSync(join(tmpdir(), "neo-runner-secret-"));
const store = openSeriesStore(dir);
const config = testConfig(dir, true);
const queries = createQueryService(store.file, config.query, createLogger("query"));
afterAll(() => {
  queries.close();
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const audit: HttpAuditEvent[] = [];
let failures = 0;
const ownCheck: RouteSpec = {
  method: "POST",
  path: "/own/check",
  who: "public",
  guard: "secret",
  handler: (req, c) => {
    const good = req.headers.get("authorization") === "Bearer good";
    c.checked = {
      kind: "auth",
      action: "refresh",
      method: "refresh_key",
      ...(good ? { user: "ops" } : { reason: "unknown refresh key" }),
    };
    return good ? Response.json({ ok: true }, { status: 201 }) : failure(401, "unknown refresh key");
  },
};
const handler = createHttpFetch({
  config,
  store,
  queries,
  auth: new MapTokens(),
  audit: { record: (e) => void audit.push(e) },
  guard: { check: () => ({ ok: true }), failed: () => void failures++ },
  routes: [ownCheck],
});

const call = (authorization: string) =>
  handler.fetch(new Request("http://neo.test/own/check", { method: "POST", headers: { authorization } }), {
    clientIp: "10.0.0.7",
  });

test("the runner audits a guard-secret route's reported outcome, accepted and refused", async () => {
  expect((await call("Bearer good"))?.status).toBe(201);
  expect((await call("Bearer bad"))?.status).toBe(401);
  expect(audit).toEqual([
    {
      kind: "auth",
      action: "refresh",
      result: "ok",
      method: "refresh_key",
      listener: "http",
      address: "10.0.0.7",
      user: "ops",
    },
    {
      kind: "auth",
      action: "refresh",
      result: "fail",
      method: "refresh_key",
      listener: "http",
      address: "10.0.0.7",
      reason: "unknown refresh key",
    },
  ]);
  expect(failures).toBe(1); // the refused secret counts like a wrong token
});
