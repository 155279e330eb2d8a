// The runner as a table of scenarios, in-process through the pure fetch handler:
// {method, path, credential, status, audit}. Token auth is OFF here on purpose: a sent
// credential is checked all the same, and a scoped key gets 403 naming the table whether
// it exists or not.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createReadCheck } from "../app/query-authz.ts";
import { createLogger, setLogSink } from "../lib/log.ts";
import { createQueryService, openTableFinder } from "../query/index.ts";
import { openSeriesStore, userTableOf } from "../storage/index.ts";
import type { HttpAuditEvent } from "./audit-events.ts";
import { createHttpFetch } from "./server.ts";
import { MapTokens, testConfig } from "./test-support.ts";

setLogSink(() => {});
const dir = mkdtempSync(join(tmpdir(), "neo-runner-"));
const store = openSeriesStore(dir);
store.write("SECRET", [{ name: "s", time: 1n, value: 1 }]);
store.write("MINE", [{ name: "m", time: 1n, value: 2 }]);
const tokens = new MapTokens();
tokens.add("all:b:1", "all");
tokens.add("lim:b:1", "lim", Date.now() + 3_600_000, ["tables:read:MINE", "tables:write:MINE"]);
const config = testConfig(dir, false);
const queries = createQueryService(store.file, config.query, createLogger("query"));
const finder = openTableFinder(store.file, userTableOf);
const audit: HttpAuditEvent[] = [];
let failures = 0;
const handler = createHttpFetch({
  config,
  store,
  queries,
  auth: tokens,
  readCheck: createReadCheck(finder),
  audit: { record: (e) => void audit.push(e) },
  guard: { check: () => ({ ok: true }), failed: () => void failures++ },
});
afterAll(() => {
  finder.close();
  queries.close();
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

type Scenario = {
  method: string;
  path: string;
  credential?: string;
  body?: string;
  status: number;
  /** the audit row the request leaves: auth ok/fail, a refusal, or nothing */
  audit: "none" | "auth ok" | "auth fail" | "deny";
  reason?: string;
};

const json = { "content-type": "application/json" };
const scenarios: Scenario[] = [
  { method: "GET", path: "/health", credential: "Bearer wrong", status: 200, audit: "none" },
  { method: "GET", path: "/db/query?q=select%201", status: 200, audit: "none" },
  { method: "GET", path: "/db/query?q=select%201", credential: "Bearer all:b:1", status: 200, audit: "auth ok" },
  // a wrong credential is never ignored, token auth off or not
  {
    method: "POST",
    path: "/db/write/MINE",
    credential: "Bearer all:b:wrong",
    body: "[]",
    status: 401,
    audit: "auth fail",
  },
  { method: "POST", path: "/db/write/MINE", credential: "Basic YTpi", body: "[]", status: 401, audit: "none" },
  // a scoped key: 403 naming the table, for a table it may not read and one that does not exist
  {
    method: "GET",
    path: "/db/query?q=select%20*%20from%20SECRET",
    credential: "Bearer lim:b:1",
    status: 403,
    audit: "deny",
    reason: "not allowed to read table SECRET",
  },
  {
    method: "GET",
    path: "/db/query?q=select%20*%20from%20NOPE",
    credential: "Bearer lim:b:1",
    status: 403,
    audit: "deny",
    reason: "not allowed to read table NOPE",
  },
  {
    method: "GET",
    path: "/db/query?q=select%20*%20from%20MINE",
    credential: "Bearer lim:b:1",
    status: 200,
    audit: "auth ok",
  },
  {
    method: "POST",
    path: "/db/write/SECRET",
    credential: "Bearer lim:b:1",
    body: '[["x",1,1]]',
    status: 403,
    audit: "deny",
    reason: "not allowed to write table SECRET",
  },
  // a key that may read everything learns that a table is missing
  {
    method: "GET",
    path: "/db/query?q=select%20*%20from%20NOPE",
    credential: "Bearer all:b:1",
    status: 400,
    audit: "auth ok",
  },
];

describe("the runner, scenario by scenario", () => {
  for (const s of scenarios) {
    test(`${s.method} ${s.path} with ${s.credential ?? "nothing"} -> ${s.status}, audit ${s.audit}`, async () => {
      audit.length = 0;
      const headers: Record<string, string> = { ...(s.body ? json : {}) };
      if (s.credential) headers.authorization = s.credential;
      const r = await handler.fetch(
        new Request(`http://neo.test${s.path}`, { method: s.method, headers, ...(s.body ? { body: s.body } : {}) }),
        { clientIp: "10.0.0.9" },
      );
      expect(r?.status).toBe(s.status);
      if (s.reason) expect(((await r!.json()) as { reason: string }).reason).toBe(s.reason);
      const refused = audit.filter((e) => e.kind === "deny");
      if (s.audit === "deny") {
        expect(refused.length).toBe(1);
        expect(refused[0]).toMatchObject({ client: "lim", result: "fail", listener: "http", address: "10.0.0.9" });
      } else expect(refused.length).toBe(0);
      const auth = audit.filter((e) => e.kind === "auth").map((e) => `auth ${e.result}`);
      if (s.audit.startsWith("auth")) expect(auth).toEqual([s.audit]);
      if (s.audit === "none") expect(auth).toEqual([]);
    });
  }

  test("wrong credentials count toward the brute-force guard, missing ones do not", () => {
    expect(failures).toBeGreaterThanOrEqual(2);
  });
});
