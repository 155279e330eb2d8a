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

  test("another domain's table and its SenML side table answer 'no such table', as a missing one", async () => {
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
    // the refusals of the domain's tables are deny rows in the audit trail
    const audit = JSON.stringify((await gw.curl("GET", "/audit?result=fail&limit=100", gw.root)).body);
    expect(audit).toContain("not allowed to read table C_GLINE");
  });
});
