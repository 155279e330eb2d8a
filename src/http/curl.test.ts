// machbase-neo's documented curl commands (docs/http-api.md and the README's quick start), run
// with the real curl against the real server.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { setLogSink } from "../lib/log.ts";
import { curl, startHarness, type Harness } from "./test-support.ts";

setLogSink(() => {});
const TOKEN = "http-api-app01:b:" + "0123456789abcdef".repeat(4);
let h: Harness;
let tokenFile: string;

beforeAll(() => {
  h = startHarness({ tokenAuth: true });
  h.tokens.add(TOKEN, "http-api-app01");
  tokenFile = join(h.dir, "http-api-app01_token");
  writeFileSync(tokenFile, TOKEN, { mode: 0o600 });
  h.store.write("EXAMPLE", [
    { name: "wave.sin", time: 1675851592000000000n, value: 0 },
    { name: "wave.cos", time: 1675851592000000000n, value: 1 },
  ]);
});
afterAll(() => h.close());

const bearer = () => ["-H", `Authorization: Bearer ${TOKEN}`];

describe("curl", () => {
  test("machbase-neo's query with --data-urlencode and a bearer token returns its documented rows", async () => {
    const r = await curl([
      "--output",
      "-",
      `${h.url}/db/query`,
      "--data-urlencode",
      "q=select * from EXAMPLE limit 2",
      ...bearer(),
    ]);
    expect(r.status).toBe(200);
    const body = JSON.parse(r.body);
    expect(body.data).toEqual({
      columns: ["NAME", "TIME", "VALUE"],
      types: ["string", "datetime", "double"],
      rows: [
        ["wave.sin", 1675851592000000000, 0],
        ["wave.cos", 1675851592000000000, 1],
      ],
    });
    expect(body.success).toBe(true);
    expect(body.reason).toBe("success");
  });

  test("machbase-neo's intended-wrong token gets 401 invalid token", async () => {
    const r = await curl([
      "--output",
      "-",
      `${h.url}/db/query`,
      "--data-urlencode",
      "q=select * from EXAMPLE limit 2",
      "-H",
      "Authorization: Bearer http-api-app01:b:intended-wrong-value",
    ]);
    expect(r.status).toBe(401);
    expect(r.body).toBe('{"success":false,"reason":"invalid token"}');
  });

  test("no Authorization header gets 401 missing authorization token", async () => {
    const r = await curl([`${h.url}/db/query`, "--data-urlencode", "q=select 1"]);
    expect(r.status).toBe(401);
    expect(r.body).toBe('{"success":false,"reason":"missing authorization token"}');
  });

  test("a CSV upload with --data-binary writes every row exactly", async () => {
    const file = join(h.dir, "rows.csv");
    writeFileSync(file, "name,time,value\nc1,1675851592000000001,1.5\nc2,1675851592000000002,2.5\n");
    const r = await curl([
      `${h.url}/db/write/csvtab?header=skip`,
      "-H",
      "Content-Type: text/csv",
      "--data-binary",
      `@${file}`,
      ...bearer(),
    ]);
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body).reason).toBe("success, 2 record(s) inserted");
    const q = await curl([
      "-G",
      `${h.url}/db/query`,
      "--data-urlencode",
      "q=select time from csvtab order by time",
      ...bearer(),
    ]);
    expect(q.body).toContain('"rows":[[1675851592000000001],[1675851592000000002]]');
  });

  test("a gzip JSON upload with Content-Encoding: gzip is written", async () => {
    const file = join(h.dir, "rows.json.gz");
    writeFileSync(file, gzipSync(Buffer.from('{"data":{"columns":["NAME","TIME","VALUE"],"rows":[["g",1,1]]}}')));
    const r = await curl([
      `${h.url}/db/write/gz`,
      "-H",
      "Content-Type: application/json",
      "-H",
      "Content-Encoding: gzip",
      "--data-binary",
      `@${file}`,
      ...bearer(),
    ]);
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body).reason).toBe("success, 1 record(s) inserted");
  });

  test("a malformed JSON body is 400 with a reason", async () => {
    const r = await curl([
      `${h.url}/db/write/t`,
      "-H",
      "Content-Type: application/json",
      "--data-binary",
      '{"data":',
      ...bearer(),
    ]);
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body)).toMatchObject({ success: false });
    expect(JSON.parse(r.body).reason).toContain("not valid JSON");
  });

  test("a malformed CSV body is 400 naming the line", async () => {
    const r = await curl([
      `${h.url}/db/write/t`,
      "-H",
      "Content-Type: text/csv",
      "--data-binary",
      "a,1,x",
      ...bearer(),
    ]);
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body).reason).toContain("line 1");
  });

  test("a DROP through /db/query is refused and the table still answers", async () => {
    const r = await curl([`${h.url}/db/query`, "--data-urlencode", "q=drop table EXAMPLE", ...bearer()]);
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body).success).toBe(false);
    const q = await curl([`${h.url}/db/query`, "--data-urlencode", "q=select count(*) from EXAMPLE", ...bearer()]);
    expect(JSON.parse(q.body).data.rows).toEqual([[2]]);
  });

  test("an unknown table is 400, an unknown path 404, a wrong method 405", async () => {
    const t = await curl([`${h.url}/db/query`, "--data-urlencode", "q=select * from MISSING", ...bearer()]);
    expect(t.status).toBe(400);
    expect(JSON.parse(t.body).reason).toBe("no such table: MISSING");
    expect((await curl([`${h.url}/nothing/here`, ...bearer()])).status).toBe(404);
    expect((await curl(["-X", "PUT", `${h.url}/db/write/t`, ...bearer()])).status).toBe(405);
  });

  test("/health answers without a token", async () => {
    const r = await curl([`${h.url}/health`]);
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toMatchObject({ success: true, reason: "ok" });
  });
});
