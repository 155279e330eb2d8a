// Data in and out of the HTTP server: /db/write (JSON, CSV, NDJSON, gzip) and /db/query
// (GET, POST form, JSON) with exact times, and every error path as a JSON reason
// (400, 404, 405, 413, 415, 500). The door (token auth, upgrades): server-auth.test.ts.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { gzipSync } from "node:zlib";
import { setLogLevel, setLogSink } from "../lib/log.ts";
import { startHarness, type Harness } from "./test-support.ts";

const logs: string[] = [];

const TOKEN = "app01:b:" + "a".repeat(64);
const T = "1675851592000000001";
/** a reply body as the loose shape these assertions read */
// biome-ignore lint/suspicious/noExplicitAny: test assertions walk arbitrary JSON
const json = async (r: Response): Promise<any> => r.json();

let h: Harness;
beforeAll(() => {
  // other test files in the same run may have changed the global log sink or level
  setLogLevel("info");
  setLogSink((l) => logs.push(l));
  h = startHarness({ tokenAuth: true });
  h.tokens.add(TOKEN, "app01");
});
afterAll(() => h.close());

const auth = { authorization: `Bearer ${TOKEN}` };
const get = (path: string, headers: Record<string, string> = auth) => fetch(h.url + path, { headers });
const post = (path: string, body: Bun.BodyInit, headers: Record<string, string> = {}) =>
  fetch(h.url + path, { method: "POST", body, headers: { ...auth, ...headers } });

describe("write and query", () => {
  test("JSON write then query returns exact nanosecond times as bare JSON numbers", async () => {
    const w = await post(
      "/db/write/EXAMPLE",
      `{"data":{"columns":["NAME","TIME","VALUE"],"rows":[["wave.sin",${T},0],["wave.cos",${T},1]]}}`,
      { "content-type": "application/json" },
    );
    expect(w.status).toBe(200);
    const wb = await json(w);
    expect(wb.success).toBe(true);
    expect(wb.reason).toBe("success, 2 record(s) inserted");
    expect(wb.elapse).toMatch(/^[0-9.]+(µs|ms|s)$/);

    const r = await get("/db/query?q=" + encodeURIComponent("select * from EXAMPLE order by name desc limit 2"));
    expect(r.status).toBe(200);
    const text = await r.text();
    expect(text).toStartWith(
      `{"data":{"columns":["NAME","TIME","VALUE"],"types":["string","datetime","double"],"rows":[["wave.sin",${T},0],["wave.cos",${T},1]]},"success":true,"reason":"success","elapse":"`,
    );
  });

  test("query by POST form, by JSON body, and with a timeformat", async () => {
    const form = await post("/db/query", new URLSearchParams({ q: "select count(*) from example" }));
    expect(await form.text()).toContain('"types":["int64"],"rows":[[2]]');
    const jq = await post(
      "/db/query",
      JSON.stringify({ q: "select time from example limit 1", timeformat: "RFC3339NANO" }),
      {
        "content-type": "application/json",
      },
    );
    expect((await json(jq)).data.rows).toEqual([["2023-02-08T10:19:52.000000001Z"]]);
    const ms = await get("/db/query?timeformat=ms&q=" + encodeURIComponent("select time from example limit 1"));
    expect((await json(ms)).data.rows).toEqual([[1675851592000]]);
  });

  test("CSV, NDJSON and gzip bodies are written", async () => {
    const csv = await post("/db/write/multi?header=skip", "name,time,value\na,1,1\nb,2,2\n", {
      "content-type": "text/csv",
    });
    expect((await json(csv)).reason).toBe("success, 2 record(s) inserted");
    const nd = await post("/db/write/multi", '{"NAME":"c","TIME":3,"VALUE":3}\n{"name":"d","time":4,"value":null}\n', {
      "content-type": "application/x-ndjson",
    });
    expect((await json(nd)).reason).toBe("success, 2 record(s) inserted");
    const gz = await post("/db/write/multi?timeformat=s&method=append", gzipSync(Buffer.from('[["e",5,5]]')), {
      "content-type": "application/json",
      "content-encoding": "gzip",
    });
    expect((await json(gz)).reason).toBe("success, 1 record(s) inserted");
    const all = await get("/db/query?q=" + encodeURIComponent("select name, time from multi order by time"));
    expect((await json(all)).data.rows).toEqual([
      ["a", 1],
      ["b", 2],
      ["c", 3],
      ["d", 4],
      ["e", 5000000000],
    ]);
  });
});

describe("error paths", () => {
  const expectFailure = async (r: Response, status: number, reason?: string | RegExp) => {
    expect(r.status).toBe(status);
    expect(r.headers.get("content-type")).toContain("application/json");
    const body = await json(r);
    expect(body.success).toBe(false);
    if (typeof reason === "string") expect(body.reason).toBe(reason);
    else if (reason) expect(body.reason).toMatch(reason);
    return body;
  };

  test("malformed JSON write is 400 with a reason", async () => {
    await expectFailure(
      await post("/db/write/t", "[1,", { "content-type": "application/json" }),
      400,
      /not valid JSON/,
    );
  });

  test("malformed CSV write is 400 with the line", async () => {
    await expectFailure(await post("/db/write/t", "a,1,1\nb,2", { "content-type": "text/csv" }), 400, /line 2/);
  });

  test("malformed JSON query body is 400", async () => {
    await expectFailure(await post("/db/query", "{q:", { "content-type": "application/json" }), 400, /not valid JSON/);
  });

  test("an invalid table name is 400", async () => {
    const json = { "content-type": "application/json" };
    await expectFailure(await post("/db/write/_secret", '["a",1,1]', json), 400, /invalid table name/);
    await expectFailure(await post("/db/write/sqlite_master", '["a",1,1]', json), 400, /invalid table name/);
  });

  test("write statements through /db/query are refused and data is intact", async () => {
    for (const q of [
      "delete from example",
      "drop table example",
      "select 1; delete from example",
      "insert into example values ('x',1,1)",
    ]) {
      await expectFailure(await get("/db/query?q=" + encodeURIComponent(q)), 400);
    }
    const r = await get("/db/query?q=" + encodeURIComponent("select count(*) from example"));
    expect((await json(r)).data.rows).toEqual([[2]]);
  });

  test("an unknown table is 400 with SQLite's message", async () => {
    await expectFailure(
      await get("/db/query?q=" + encodeURIComponent("select * from NOPE")),
      400,
      "no such table: NOPE",
    );
  });

  test("a missing query is 400", async () => {
    await expectFailure(await get("/db/query"), 400, /missing query/);
  });

  test("unknown routes are 404 JSON", async () => {
    await expectFailure(await get("/nope"), 404);
    await expectFailure(await get("/db/nope"), 404);
  });

  test("wrong methods are 405 with Allow", async () => {
    const r = await get("/db/write/t");
    await expectFailure(r, 405);
    expect(r.headers.get("allow")).toBe("POST");
    await expectFailure(await fetch(h.url + "/db/query", { method: "DELETE", headers: auth }), 405);
  });

  test("an unsupported content type is 415", async () => {
    await expectFailure(await post("/db/write/t", "x", { "content-type": "application/xml" }), 415);
  });

  test("an oversized body is 413 and the server keeps serving", async () => {
    const small = startHarness({ tokenAuth: false, maxBodyBytes: 1024 });
    try {
      const r = await fetch(small.url + "/db/write/t", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "x".repeat(5000),
      });
      expect(r.status).toBe(413);
      const ok = await fetch(small.url + "/db/write/t", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: '["a",1,1]',
      });
      expect(ok.status).toBe(200);
    } finally {
      await small.close();
    }
  });

  test("an unexpected error is a 500 with a generic reason and the cause logged", async () => {
    const broken = startHarness({
      tokenAuth: false,
      routes: [
        {
          method: "GET",
          path: "/anything",
          who: "public",
          handler: () => {
            throw new Error("boom: secret detail");
          },
        },
      ],
    });
    try {
      const r = await fetch(broken.url + "/anything");
      expect(r.status).toBe(500);
      expect(await json(r)).toEqual({ success: false, reason: "internal error" });
      expect(logs.some((l) => l.includes("boom: secret detail"))).toBe(true);
    } finally {
      await broken.close();
    }
  });
});
