// gRPC Query (machbase-neo's API) of a default-domain key with tables:read:*: another SuperMQ
// domain's table is answered as a table that does not exist, as on /db/query and db/query.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { type AttackGateway, openAttackGateway } from "./attack-kit.ts";
import { needPython, py, pythonStubs } from "./grpc-clients.ts";
import { cleanup, genKey, neo, tempDir } from "./harness.ts";
import { requiresTool } from "./requires.ts";

const need = requiresTool("/usr/bin/mosquitto_pub", "apt-get install mosquitto-clients");
const dir = tempDir("neo-e2e-leaks-grpc-");
let gw: AttackGateway;
let stubs = "";

describe.skipIf(need.skip || needPython.skip)("gRPC Query across SuperMQ domains", () => {
  beforeAll(async () => {
    need.check();
    needPython.check();
    const conf = join(dir, "neo.conf");
    await Bun.write(conf, 'Grpc {\n  Listen = "127.0.0.1:0"\n  Tls { ClientAuth = "optional" }\n}\n');
    gw = await openAttackGateway(["--config", conf]);
    stubs = await pythonStubs(dir);
  }, 60_000);
  afterAll(async () => {
    await gw?.stop();
    cleanup(dir);
  });

  test("another domain's table (and SenML side table) is 'no such table', its key unknown (DelKey) or taken (GenKey)", async () => {
    const b = await gw.domain("gb");
    const dev = await gw.client(b);
    await gw.channel(b, "gline", [dev]);
    expect(await gw.pub(dev.id, dev.secret, "m/gb/c/gline", '[{"n":"t","v":1}]')).toBe(0);
    const ca = join(dir, "neo.crt");
    expect((await neo(["shell", "key", "server-cert", "--output", ca, "--data", gw.srv.data])).code).toBe(0);
    const k = await genKey(gw.srv.data, "greader"); // Auth.DefaultScopes: tables:read:*
    const who = { cert: "-", key: "-", token: k.token };
    const q = (t: string) => py(stubs, gw.srv.ready.grpc ?? "", ca, who, "query", `select * from ${t}`);
    for (const t of ["C_GLINE", "C_GLINE_SENML", "C_NOSUCH"])
      expect(await q(t)).toMatchObject({ ok: false, reason: `no such table: ${t}` });
    // mgmt: another domain's key is deleted as an unknown one, and its id is taken as a default one's
    const ops = ["keys:delete:*", "keys:create:*"].flatMap((s) => ["--scope", s]);
    const km = await genKey(gw.srv.data, "gkeys", ops);
    const mgmt = (...cmd: string[]) =>
      py(stubs, gw.srv.ready.grpc ?? "", ca, { cert: "-", key: "-", token: km.token }, ...cmd);
    expect(await mgmt("delkey", dev.id)).toMatchObject({ ok: false, reason: `client id ${dev.id} not found` });
    expect(await mgmt("delkey", "nosuchkey")).toMatchObject({ ok: false, reason: "client id nosuchkey not found" });
    expect(await mgmt("genkey", dev.id)).toMatchObject({ ok: false, reason: `client id ${dev.id} already exists` });
    expect(await mgmt("genkey", "greader")).toMatchObject({ ok: false, reason: "client id greader already exists" });
    expect((await gw.curl("GET", `/${b}/clients/${dev.id}`, gw.root)).body).toMatchObject({ id: dev.id });
    // the refusals of the domain's tables and keys are deny rows in the audit trail
    const audit = JSON.stringify((await gw.curl("GET", "/audit?result=fail&limit=100", gw.root)).body);
    expect(audit).toContain("not allowed to read table C_GLINE");
    expect(audit).toContain(`not allowed to delete key ${dev.id}`);
  });
});
