// The /db/* API as a machbase-neo user drives it with curl and fetch: time formats,
// bodies, compression, methods, exact numbers, the Bearer scheme and body limits.
import { describe, expect, test } from "bun:test";
import { existsSync, statSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { cleanup, tempDir } from "./harness.ts";
import { TOKEN_AUTH, useGateway } from "./fixture.ts";

const _mode = (p: string) => (statSync(p).mode & 0o777).toString(8);
const _sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("the /db/* API with token auth", () => {
  const gw = useGateway({ args: TOKEN_AUTH, keys: ["qa-app01", "asker"] });
  const { http, query, write } = gw;

  test("query timeformat ns, us, ms, s and RFC3339 render the same instant", async () => {
    const w = await write(
      "QATF",
      JSON.stringify({ data: { columns: ["NAME", "TIME", "VALUE"], rows: [["t", 1675851592123456789, 1]] } }),
      "application/json",
    );
    // the literal above loses precision as a JS number: send it exactly instead
    expect(w.status).toBe(200);
    await write("QATF", "exact,1675851592123456789,2\n", "text/csv");
    const at = async (tf: string) =>
      (await query("select TIME from QATF where NAME = 'exact'", `&timeformat=${tf}`)).body.data.rows[0]![0];
    expect(await at("ns")).toBe(1675851592123456789);
    expect(await at("us")).toBe(1675851592123456);
    expect(await at("ms")).toBe(1675851592123);
    expect(await at("s")).toBe(1675851592);
    expect(await at("RFC3339")).toBe("2023-02-08T10:19:52Z");
  });

  test("write timeformat s, ms, us and RFC3339 (fractions and offsets) store exact nanoseconds", async () => {
    const rows = (name: string, t: unknown) =>
      JSON.stringify({ data: { columns: ["NAME", "TIME", "VALUE"], rows: [[name, t, 1]] } });
    expect((await write("QAWTF", rows("s", 1675851592), "application/json", "?timeformat=s")).status).toBe(200);
    expect((await write("QAWTF", rows("ms", 1675851592123), "application/json", "?timeformat=ms")).status).toBe(200);
    expect((await write("QAWTF", rows("us", 1675851592123456), "application/json", "?timeformat=us")).status).toBe(200);
    expect(
      (await write("QAWTF", rows("rfc", "2023-02-08T10:19:52.123456789Z"), "application/json", "?timeformat=RFC3339"))
        .status,
    ).toBe(200);
    expect(
      (await write("QAWTF", rows("rfcoff", "2023-02-08T19:19:52+09:00"), "application/json", "?timeformat=RFC3339"))
        .status,
    ).toBe(200);
    expect((await write("QAWTF", "csvrfc,2023-02-08T10:19:52Z,2\n", "text/csv", "?timeformat=RFC3339")).status).toBe(
      200,
    );
    const q = await query("select NAME, TIME from QAWTF order by NAME");
    expect(q.body.data.rows).toEqual([
      ["csvrfc", 1675851592000000000],
      ["ms", 1675851592123000000],
      ["rfc", 1675851592123456789],
      ["rfcoff", 1675851592000000000],
      ["s", 1675851592000000000],
      ["us", 1675851592123456000],
    ]);
    const bad = await write("QAWTF", "x,1,2\n", "text/csv", "?timeformat=bogus");
    expect(bad.status).toBe(400);
    expect(bad.body.success).toBe(false);
  });

  test("a gzip-encoded CSV body is written; broken gzip and a gzip bomb get 400 with a reason", async () => {
    const ok = await write("QAGZ", gzipSync("gz,1675851592000000000,1\ngz,1675851592000000001,2\n"), "text/csv", "", {
      "Content-Encoding": "gzip",
    });
    expect(ok).toEqual({
      status: 200,
      body: expect.objectContaining({ success: true, reason: "success, 2 record(s) inserted" }),
    });
    const broken = await write("QAGZ", "notgzip", "text/csv", "", { "Content-Encoding": "gzip" });
    expect(broken.status).toBe(400);
    expect(broken.body.reason).toContain("gzip");
    const bomb = await write("QAGZ", gzipSync(Buffer.alloc(200 * 1024 * 1024, 0x61), { level: 1 }), "text/csv", "", {
      "Content-Encoding": "gzip",
    });
    expect(bomb.status).toBe(400);
    expect(bomb.body.reason).toContain("exceeds");
    expect((await http("/health")).status).toBe(200);
  });

  test("a CSV header line is skipped and header=columns reorders the fields", async () => {
    expect((await write("QAHDR", "NAME,TIME,VALUE\nh1,1675851592000000000,1\n", "text/csv")).body.reason).toBe(
      "success, 1 record(s) inserted",
    );
    expect(
      (await write("QAHDR", "TIME,NAME,VALUE\n1675851592000000000,h2,2\n", "text/csv", "?header=columns")).status,
    ).toBe(200);
    const q = await query("select NAME, VALUE from QAHDR order by NAME");
    expect(q.body.data.rows).toEqual([
      ["h1", 1],
      ["h2", 2],
    ]);
  });

  test("tricky writes through /db/query are refused 400 and leave no file behind", async () => {
    const dir = tempDir("neo-qa-sql-");
    for (const q of [
      "PRAGMA journal_mode=DELETE",
      `ATTACH DATABASE '${dir}/evil.db' AS evil`,
      `VACUUM INTO '${dir}/evil2.db'`,
      "with x as (select 1) delete from QAGZ",
      "  -- a comment first\ndelete from QAGZ",
      "create temp table t(a)",
      "select load_extension('/tmp/x.so')",
      "BEGIN IMMEDIATE",
    ]) {
      const r = await query(q);
      expect(r.status).toBe(400);
      expect(r.body.success).toBe(false);
    }
    expect(existsSync(`${dir}/evil.db`) || existsSync(`${dir}/evil2.db`)).toBe(false);
    expect((await query("select count(*) from QAGZ")).body.data.rows[0]![0]).toBe(2);
    cleanup(dir);
  });

  test("query takes q from a form body and a JSON body; wrong shapes get 400 with a reason", async () => {
    const form = await http("/db/query", { method: "POST", body: new URLSearchParams({ q: "select 2 as N" }) });
    expect(((await form.json()) as { data: { rows: unknown[][] } }).data.rows).toEqual([[2]]);
    const json = await http("/db/query", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ q: "select TIME from QAWTF where NAME='s'", timeformat: "s" }),
    });
    expect(((await json.json()) as { data: { rows: unknown[][] } }).data.rows).toEqual([[1675851592]]);
    for (const body of ['{"q":1}', "{bad", "[]", "null"]) {
      const r = await http("/db/query", { method: "POST", headers: { "Content-Type": "application/json" }, body });
      expect(r.status).toBe(400);
      expect(((await r.json()) as { success: boolean }).success).toBe(false);
    }
    expect((await query("")).body.reason).toBe("missing query (q)");
  });

  test("wrong methods get 405 and unknown paths 404, both as JSON", async () => {
    const put = await http("/db/query", { method: "PUT" });
    expect(put.status).toBe(405);
    expect(await put.json()).toEqual({ success: false, reason: "method not allowed" });
    const get = await http("/db/write/QAGZ");
    expect(get.status).toBe(405);
    const nf = await http("/db/nothing");
    expect(nf.status).toBe(404);
    expect(((await nf.json()) as { success: boolean }).success).toBe(false);
  });

  test("int64 results beyond 2^53 come back exact, not rounded", async () => {
    const r = await http(
      `/db/query?q=${encodeURIComponent("select 9223372036854775807 as X, 1675851592123456789 + 1 as T")}`,
    );
    const text = await r.text();
    expect(text).toContain("[9223372036854775807,1675851592123456790]");
  });

  test("a lower-case Bearer scheme and extra spaces are accepted; Basic is not", async () => {
    expect(
      (await fetch(`${gw.srv.httpUrl}/db/query?q=select+1`, { headers: { Authorization: `bearer  ${gw.key.token}` } }))
        .status,
    ).toBe(200);
    expect(
      (await fetch(`${gw.srv.httpUrl}/db/query?q=select+1`, { headers: { Authorization: `Basic ${gw.key.token}` } }))
        .status,
    ).toBe(401);
  });

  test("a bearer value that is not a client token (a session token, a pasted password) is never written to the log", async () => {
    const secret = "SuperSecretPassw0rdNoColon";
    const r = await fetch(`${gw.srv.httpUrl}/db/query?q=select+1`, { headers: { Authorization: `Bearer ${secret}` } });
    expect(r.status).toBe(401);
    await gw.srv.waitForLog(/refused a bearer value that is not a client token/);
    expect(gw.srv.logs()).not.toContain(secret);
  });

  test("a body over the HTTP limit gets 413 with a JSON reason after authentication; without a token it is 401", async () => {
    const big = new Uint8Array(20 * 1024 * 1024);
    const noAuth = await fetch(`${gw.srv.httpUrl}/db/write/BIG`, {
      method: "POST",
      body: big,
      headers: { "content-type": "text/csv" },
    });
    expect(noAuth.status).toBe(401);
    const r = await fetch(`${gw.srv.httpUrl}/db/write/BIG`, {
      method: "POST",
      body: big,
      headers: { "content-type": "text/csv", authorization: `Bearer ${gw.keys.asker!.token}` },
    });
    expect(r.status).toBe(413);
    const body = (await r.json()) as { success: boolean; reason: string };
    expect(body.success).toBe(false);
    expect(body.reason).toContain("exceeds");
  });

  test("an unknown timeformat on a query is a 400, and a BLOB comes back as base64", async () => {
    const h = { Authorization: `Bearer ${gw.keys.asker!.token}` };
    const bad = await fetch(`${gw.srv.httpUrl}/db/query?q=select+1&timeformat=bogus`, { headers: h });
    expect(bad.status).toBe(400);
    const blob = await fetch(`${gw.srv.httpUrl}/db/query?q=${encodeURIComponent("select x'00ff' as B")}`, {
      headers: h,
    });
    expect(((await blob.json()) as { data: { rows: unknown[][] } }).data.rows).toEqual([["AP8="]]);
  });
});
