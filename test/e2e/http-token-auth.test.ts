// HTTP token auth end to end: neo serve + neo shell key + the /db/* API, driven by curl and
// openssl exactly as machbase-neo documents them.
import { beforeAll, describe, expect, test } from "bun:test";
import { statSync } from "node:fs";
import { join } from "node:path";
import { genKey, neo, run, type Server } from "./harness.ts";
import { type Key, useGateway } from "./fixture.ts";

const mode = (p: string) => (statSync(p).mode & 0o777).toString(8);

describe("neo serve with HTTP token auth", () => {
  const gw = useGateway({ args: ["--http-enable-token-auth", "true"], keys: ["http-api-app01"] });
  let srv: Server;
  let key: Key;
  beforeAll(() => {
    ({ srv, key } = gw);
  });

  const curl = (path: string, ...args: string[]) =>
    run(["curl", "-sS", "-w", "\n%{http_code}", `${srv.httpUrl}${path}`, ...args]);
  const split = (out: string) => {
    const i = out.lastIndexOf("\n");
    return { body: out.slice(0, i), status: Number(out.slice(i + 1)) };
  };

  test("it logs the real listen address and that token auth is on, like machbase-neo", async () => {
    await srv.waitForLog(/HTTP token authentication enabled/);
    const port = srv.ready.http.split(":").pop();
    await srv.waitForLog(new RegExp(`HTTP Listen tcp://127\\.0\\.0\\.1:${port}`));
    expect(srv.ready.event).toBe("ready");
  });

  test("first start makes a private data dir and a CA key only the owner can read", () => {
    expect(mode(srv.data)).toBe("700");
    expect(mode(join(srv.data, "pki", "ca_key.pem"))).toBe("600");
  });

  test("key gen writes cert 0644, key and token 0600, and the token has machbase-neo's format", () => {
    expect(mode(key.cert)).toBe("644");
    expect(mode(key.key)).toBe("600");
    expect(mode(key.tokenFile)).toBe("600");
    expect(key.token).toMatch(/^http-api-app01:b:[0-9a-f]{64}$/);
  });

  test("the issued client certificate verifies against server-cert's output with openssl", async () => {
    const ca = join(`${srv.data}-keys`, "neo.crt");
    const r = await neo(["shell", "key", "server-cert", "--output", ca, "--data", srv.data]);
    expect(r.code).toBe(0);
    const v = await run(["openssl", "verify", "-CAfile", ca, key.cert]);
    expect(v.stdout).toContain(": OK");
  });

  test("on a fresh gateway machbase-neo's documented query of EXAMPLE answers success with no rows (curl --data-urlencode, a form POST)", async () => {
    const r = split(
      (
        await curl(
          "/db/query",
          "--data-urlencode",
          "q=select * from EXAMPLE limit 2",
          "-H",
          `Authorization: Bearer ${key.token}`,
        )
      ).stdout,
    );
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toMatchObject({
      success: true,
      reason: "success",
      data: { columns: ["NAME", "TIME", "VALUE"], types: ["string", "datetime", "double"], rows: [] },
    });
  });

  test("a write and a query with the client's bearer token succeed", async () => {
    const w = split(
      (
        await curl(
          "/db/write/EXAMPLE",
          "-H",
          `Authorization: Bearer ${key.token}`,
          "-H",
          "Content-Type: application/json",
          "--data",
          '{"data":{"columns":["NAME","TIME","VALUE"],"rows":[["wave.sin",1675851592000000001,0]]}}',
        )
      ).stdout,
    );
    expect(w.status).toBe(200);
    expect(JSON.parse(w.body)).toMatchObject({ success: true, reason: "success, 1 record(s) inserted" });

    const q = split(
      (
        await curl(
          "/db/query",
          "-G",
          "--data-urlencode",
          "q=select * from EXAMPLE limit 2",
          "-H",
          `Authorization: Bearer ${key.token}`,
        )
      ).stdout,
    );
    expect(q.status).toBe(200);
    // the ns timestamp comes back exact (beyond 2^53)
    expect(q.body).toContain("1675851592000000001");
    const body = JSON.parse(q.body);
    expect(body).toMatchObject({
      success: true,
      reason: "success",
      data: { columns: ["NAME", "TIME", "VALUE"], types: ["string", "datetime", "double"] },
    });
    expect(typeof body.elapse).toBe("string");
  });

  test("a wrong token gets 401 invalid token", async () => {
    const r = split(
      (
        await curl(
          "/db/query",
          "-G",
          "--data-urlencode",
          "q=select 1",
          "-H",
          "Authorization: Bearer http-api-app01:b:intended-wrong-value",
        )
      ).stdout,
    );
    expect(r.status).toBe(401);
    expect(JSON.parse(r.body)).toEqual({ success: false, reason: "invalid token" });
  });

  test("no Authorization header gets 401 saying the token is missing", async () => {
    const r = split((await curl("/db/query", "-G", "--data-urlencode", "q=select 1")).stdout);
    expect(r.status).toBe(401);
    expect(JSON.parse(r.body)).toEqual({ success: false, reason: "missing authorization token" });
  });

  test("a statement that writes is refused with a 4xx and the data stays", async () => {
    for (const q of [
      "drop table EXAMPLE",
      "delete from EXAMPLE",
      "insert into EXAMPLE values ('x', 1, 2)",
      "select 1; drop table EXAMPLE",
    ]) {
      const r = split(
        (await curl("/db/query", "-G", "--data-urlencode", `q=${q}`, "-H", `Authorization: Bearer ${key.token}`))
          .stdout,
      );
      expect(r.status).toBeGreaterThanOrEqual(400);
      expect(r.status).toBeLessThan(500);
      expect(JSON.parse(r.body).success).toBe(false);
    }
    const c = split(
      (
        await curl(
          "/db/query",
          "-G",
          "--data-urlencode",
          "q=select count(*) as N from EXAMPLE",
          "-H",
          `Authorization: Bearer ${key.token}`,
        )
      ).stdout,
    );
    expect(JSON.parse(c.body).data.rows[0][0]).toBe(1);
  });

  test("malformed bodies get 400 with a reason, never a 500", async () => {
    const auth = ["-H", `Authorization: Bearer ${key.token}`];
    const cases: string[][] = [
      ["-H", "Content-Type: application/json", "--data", "{not json"],
      ["-H", "Content-Type: application/json", "--data", '{"data":{"columns":["NAME"],"rows":[["x"]]}}'],
      ["-H", "Content-Type: text/csv", "--data-binary", "only-one-field\n"],
    ];
    for (const c of cases) {
      const r = split((await curl("/db/write/EXAMPLE", ...auth, ...c)).stdout);
      expect(r.status).toBe(400);
      const b = JSON.parse(r.body);
      expect(b.success).toBe(false);
      expect(b.reason.length).toBeGreaterThan(0);
    }
    const bad = split(
      (await curl("/db/write/bad-name!", ...auth, "-H", "Content-Type: application/json", "--data", "[]")).stdout,
    );
    expect(bad.status).toBe(400);
  });

  test("CSV and NDJSON writes land in the same table", async () => {
    const auth = ["-H", `Authorization: Bearer ${key.token}`];
    const csv = split(
      (
        await curl(
          "/db/write/EXAMPLE",
          ...auth,
          "-H",
          "Content-Type: text/csv",
          "--data-binary",
          "wave.cos,1675851592000000000,1\nwave.cos,1675851593000000000,0.5\n",
        )
      ).stdout,
    );
    expect(JSON.parse(csv.body).reason).toBe("success, 2 record(s) inserted");
    const nd = split(
      (
        await curl(
          "/db/write/EXAMPLE",
          ...auth,
          "-H",
          "Content-Type: application/x-ndjson",
          "--data-binary",
          '{"NAME":"wave.nd","TIME":1675851594000000000,"VALUE":2}\n',
        )
      ).stdout,
    );
    expect(JSON.parse(nd.body).reason).toBe("success, 1 record(s) inserted");
  });

  test("health needs no token", async () => {
    const r = split((await curl("/health")).stdout);
    expect(r.status).toBe(200);
  });

  test("a key deleted with the CLI stops working on the very next request, no restart", async () => {
    const k2 = await genKey(srv.data, "short-lived");
    const ok = split(
      (await curl("/db/query", "-G", "--data-urlencode", "q=select 1", "-H", `Authorization: Bearer ${k2.token}`))
        .stdout,
    );
    expect(ok.status).toBe(200);
    const del = await neo(["shell", "key", "del", "short-lived", "--data", srv.data]);
    expect(del.code).toBe(0);
    expect(del.stdout.trim()).toBe("deleted");
    const after = split(
      (await curl("/db/query", "-G", "--data-urlencode", "q=select 1", "-H", `Authorization: Bearer ${k2.token}`))
        .stdout,
    );
    expect(after.status).toBe(401);
    expect(JSON.parse(after.body).reason).toBe("invalid token");
  });

  test("an expired key's token is refused", async () => {
    const k = await genKey(srv.data, "expired01", ["--not-after", "2020-01-01T00:00:00Z"]).catch(() => undefined);
    if (!k) throw new Error("key gen with a past --not-after should be allowed (the TLS tests need expired keys)");
    const r = split(
      (await curl("/db/query", "-G", "--data-urlencode", "q=select 1", "-H", `Authorization: Bearer ${k.token}`))
        .stdout,
    );
    expect(r.status).toBe(401);
  });
});
