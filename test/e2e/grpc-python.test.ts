// machbase-neo's key docs: "The generated keys (X.509) are used for ... gRPC connections." A key from
// `neo shell key gen` talks to neo's gRPC listener with machbase-neo's own API through
// Python stubs generated from the .proto files (Debian's python3-grpcio), over mutual TLS:
// it appends and reads back what /db/query answers, a scoped key gets what its scopes allow
// and nothing more, and an unknown certificate is refused at the handshake.
import { beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { GRPC_CONFIG, needPython, py, pythonStubs } from "./grpc-clients.ts";
import { useGateway } from "./fixture.ts";
import { eventually, genKey, neo, run } from "./harness.ts";

const gw = useGateway({ config: GRPC_CONFIG, keys: ["dev1"], ca: true });
let stubs = "";
let addr = "";
const keys: Record<string, Awaited<ReturnType<typeof genKey>>> = {};
const call = (id: string, ...cmd: string[]) => py(stubs, addr, gw.ca, keys[id] ?? gw.key, ...cmd);

beforeAll(async () => {
  if (needPython.skip) return;
  needPython.check();
  stubs = await pythonStubs(gw.dir);
  addr = gw.srv.ready.grpc ?? "";
  const data = gw.srv.data;
  keys.reader = await genKey(data, "reader", ["--scope", "tables:read:EXAMPLE"]);
  keys.admin = await genKey(data, "keyadmin", [
    "--scope",
    "keys:list:*",
    "--scope",
    "keys:create:*",
    "--scope",
    "keys:delete:*",
  ]);
  keys.gone = await genKey(data, "gone");
  const del = await neo(["shell", "key", "del", "gone", "--data", data]);
  expect(del.code).toBe(0);
  expect((await gw.write("SECRET", '[["s", 1700000000000000000, 42]]', "application/json")).status).toBe(200);
}, 60_000);

describe.skipIf(needPython.skip)("gRPC with machbase-neo's Python stubs over mutual TLS", () => {
  test("the ready line names the gRPC listener and that it is TLS", () => {
    expect(gw.srv.ready.grpc).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(gw.srv.ready.grpcTls).toBe(true);
  });

  test("a key from `neo shell key gen` appends a stream of records and reads back what /db/query answers", async () => {
    const a = await call("dev1", "append", "example", "2000");
    expect(a).toMatchObject({ ok: true, success: 2000, fail: 0, table: "EXAMPLE", columns: ["NAME", "TIME", "VALUE"] });
    const sql = "select * from EXAMPLE order by name, time";
    const q = await call("dev1", "query", sql);
    const http = await gw.query(sql);
    expect(q.ok).toBe(true);
    expect(q.columns).toEqual(http.body.data.columns);
    expect(q.types).toEqual(http.body.data.types);
    expect(q.rows).toEqual(http.body.data.rows);
    expect((q.rows as unknown[]).length).toBe(2000);
    // times travel as google.protobuf.Timestamp: exact to the nanosecond
    const first = await call(
      "dev1",
      "query",
      "select time from EXAMPLE where name = ? order by time limit 1",
      '"wave.0"',
    );
    expect(first.raw).toContain('"rows": [[1700000000123456789]]');
  });

  test("QueryRow, Exec INSERT and Explain answer as machbase-neo does; DDL is refused as on /db/query", async () => {
    expect(await call("dev1", "queryrow", "select count(*) from EXAMPLE where name = 'wave.1'")).toMatchObject({
      ok: true,
      values: [667],
    });
    expect(await call("dev1", "queryrow", "select * from EXAMPLE where name = 'nobody'")).toMatchObject({
      ok: false,
      reason: "sql: no rows in result set",
    });
    const ins = await call(
      "dev1",
      "exec",
      "INSERT INTO EXAMPLE (NAME, TIME, VALUE) VALUES ('exec', 1700000000000000001, 1.5), ('exec', 1700000000000000002, NULL)",
    );
    expect(ins).toMatchObject({ ok: true, rows: 2, reason: "2 rows inserted." });
    expect((await gw.query("select count(*) from EXAMPLE where name = 'exec'")).body.data.rows).toEqual([[2]]);
    for (const ddl of [
      "create table t (a int)",
      "drop table EXAMPLE",
      "attach database 'x' as y",
      "pragma query_only=0",
    ]) {
      const r = await call("dev1", "exec", ddl);
      expect(r.ok).toBe(false);
      expect(String(r.reason)).toContain("Exec takes INSERT INTO");
    }
    expect((await call("dev1", "query", "delete from EXAMPLE")).ok).toBe(false);
    const plan = await call("dev1", "explain", "select * from EXAMPLE where name = 'wave.0'");
    expect(plan.ok).toBe(true);
    expect(String(plan.plan)).toContain("SEARCH");
  });

  test("prepared statements run as Query and Exec do, with parameters and the same checks", async () => {
    const ins = await call(
      "dev1",
      "prepared",
      "insert into EXAMPLE values (?, ?, ?)",
      '"prep"',
      "1700000000000000005",
      "2.5",
    );
    expect(ins).toMatchObject({ ok: true, rows: 1 });
    const q = await call("dev1", "prepared", "select value from EXAMPLE where name = ?", '"prep"');
    expect(q).toMatchObject({ ok: true, rows: [[2.5]] });
    expect(await call("reader", "prepared", "select * from SECRET where name = ?", '"s"')).toMatchObject({
      ok: false,
      reason: "not allowed to read table SECRET",
    });
  });

  test("a scoped key queries what its scopes allow and nothing more; refusals reach the audit trail", async () => {
    expect((await call("reader", "queryrow", "select count(*) from EXAMPLE")).ok).toBe(true);
    for (const sql of [
      "select * from SECRET",
      "select * from EXAMPLE, SECRET",
      "select * from EXAMPLE where value in (select value from SECRET)",
    ]) {
      const r = await call("reader", "query", sql);
      expect(r).toMatchObject({ ok: false, reason: "not allowed to read table SECRET" });
    }
    expect((await call("reader", "explain", "select * from SECRET")).ok).toBe(false);
    expect(await call("reader", "append", "EXAMPLE", "10")).toMatchObject({
      ok: false,
      reason: "not allowed to write table EXAMPLE",
    });
    expect(await call("reader", "exec", "insert into EXAMPLE values ('r', 1, 1)")).toMatchObject({
      ok: false,
      reason: "not allowed to write table EXAMPLE",
    });
    expect((await call("reader", "listkey")).ok).toBe(false);
    // authorization refusals are deny events: the operation, the table, the reason (the trail
    // is written in batches: read it until the last refusal is there)
    const denies = await eventually(async () => {
      const args = ["shell", "audit", "--client", "reader", "--kind", "deny", "--format", "json"];
      const audit = await neo([...args, "--data", gw.srv.data]);
      const rows = (
        JSON.parse(audit.stdout) as { action: string; target?: string; listener?: string; address?: string }[]
      ).map((e) => `${e.action} ${e.target} ${e.listener} ${e.address}`);
      return rows.includes("keys:list * grpcs 127.0.0.1") && rows;
    });
    // the client's own address: grpc-js got the socket from the transport (at the first
    // connection, after it loaded), not a connection of its own
    expect(denies).toContain("tables:read SECRET grpcs 127.0.0.1");
    expect(denies).toContain("tables:write EXAMPLE grpcs 127.0.0.1");
  });

  test("mgmt.Management key calls are decided by keys:<op>:<id> scopes", async () => {
    const made = await call("admin", "genkey", "made-by-grpc");
    expect(made).toMatchObject({ ok: true, certificate: "-----BEGIN CERTIFICATE-----" });
    expect(String(made.token)).toStartWith("made-by-grpc:b:");
    expect((await call("admin", "listkey")).keys).toContain("made-by-grpc");
    expect(await call("admin", "delkey", "made-by-grpc")).toMatchObject({ ok: true });
    expect((await call("dev1", "genkey", "not-mine")).ok).toBe(false);
  });

  test("an unknown certificate is refused at the handshake: a deleted key's, and one from another CA", async () => {
    const deleted = await call("gone", "queryrow", "select 1");
    expect(deleted).toMatchObject({ ok: false, code: "UNAVAILABLE" });
    const dir = gw.dir;
    const o = (args: string[]) => run(["openssl", ...args], { cwd: dir });
    await o([
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-keyout",
      "fk.pem",
      "-out",
      "fc.pem",
      "-subj",
      "/CN=dev1",
      "-days",
      "2",
    ]);
    const foreign = await py(
      stubs,
      addr,
      gw.ca,
      { cert: join(dir, "fc.pem"), key: join(dir, "fk.pem") },
      "queryrow",
      "select 1",
    );
    expect(foreign).toMatchObject({ ok: false, code: "UNAVAILABLE" });
    // the handshake refusal is in the trail (written in batches)
    await eventually(async () => {
      const args = ["shell", "audit", "--client", "gone", "--result", "fail", "--format", "json"];
      return (await neo([...args, "--data", gw.srv.data])).stdout.includes("grpcs");
    });
  });
});
