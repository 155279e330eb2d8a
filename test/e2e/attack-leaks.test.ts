// Existence leaks across SuperMQ domains, driven with curl against a real `neo serve`: what a
// caller may not see answers exactly as what does not exist (a domain, a table, a key).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type AttackGateway, openAttackGateway } from "./attack-kit.ts";
import { eventually, genKey } from "./harness.ts";
import { connectCollect, pubCode } from "./mqtt-clients.ts";
import { requiresTool } from "./requires.ts";

const need = requiresTool("/usr/bin/mosquitto_pub", "apt-get install mosquitto-clients");
let gw: AttackGateway;
let bId = "";

describe.skipIf(need.skip)("existence leaks across SuperMQ domains", () => {
  beforeAll(async () => {
    need.check();
    gw = await openAttackGateway();
    bId = await gw.domain("lb");
    const dev = await gw.client(bId);
    await gw.channel(bId, "lbline", [dev]);
    expect(await gw.pub(dev.id, dev.secret, "m/lb/c/lbline", '[{"n":"t","v":1}]')).toBe(0);
  });
  afterAll(async () => {
    await gw?.stop();
  });

  test("/<domain>/...: a domain the caller is not in answers as an unknown one, naming only the path", async () => {
    const eve = await gw.user("eve");
    for (const what of ["clients", "channels", "groups"]) {
      for (const d of [bId, "lb"]) {
        const theirs = await gw.curl("GET", `/${d}/${what}`, eve);
        const none = await gw.curl("GET", `/${d.replace(/b/g, "x")}/${what}`, eve);
        expect(theirs.status).toBe(none.status);
        expect(JSON.stringify(theirs.body)).toBe(JSON.stringify(none.body).replaceAll(d.replace(/b/g, "x"), d));
        if (d === "lb") expect(JSON.stringify(theirs.body)).not.toContain(bId);
      }
    }
    const told = await gw.curl("GET", "/lb/clients", eve);
    expect(told.body.reason).toBe('domain "lb": not found or not allowed');
    const audit = JSON.stringify((await gw.curl("GET", "/audit?result=fail&limit=100", gw.root)).body);
    expect(audit).toContain(
      `"action":"domains:read","result":"fail","method":"access_key","listener":"http","address":"127.0.0.1","user":"eve","target":"${bId}"`,
    ); // a deny row
    // the operator (domains:read on every domain) still hears that a domain does not exist
    expect((await gw.curl("GET", "/nosuch/clients", gw.root)).status).toBe(404);
    expect((await gw.curl("GET", "/lb/clients", gw.root)).status).toBe(200);
  });

  test("/db/query, /db/write with a wildcard key in domain A: another domain's table answers as a missing one", async () => {
    const a = await gw.domain("la");
    const wide = await gw.user("wide", ["tables:read:*", "tables:write:*"]);
    await gw.member(a, "wide", "member");
    const q = (sql: string) => gw.curl("GET", `/db/query?q=${encodeURIComponent(sql)}`, wide);
    const theirs = await q("select * from C_LBLINE");
    const none = await q("select * from C_NOSUCH");
    expect(theirs.status).toBe(none.status);
    expect(theirs.body.reason).toBe("no such table: C_LBLINE");
    expect(none.body.reason).toBe("no such table: C_NOSUCH");
    const rows = { data: { columns: ["NAME", "TIME", "VALUE"], rows: [["forged", 1, 1]] } };
    // a write cannot answer so: a missing table is made (table names are global, docs/supermq.md)
    const w = await gw.curl("POST", "/db/write/C_LBLINE", wide, rows);
    expect(w.status).toBe(403);
    expect(w.body.reason).toBe("not allowed to write table C_LBLINE");
    // the refusals are audited
    const audit = JSON.stringify((await gw.curl("GET", "/audit?result=fail&limit=100", gw.root)).body);
    expect(audit).toContain("not allowed to read table C_LBLINE");
    expect(audit).toContain("not allowed to write table C_LBLINE");
  });

  test("/keys/<id>/rotate|revoke|DELETE: another domain's key answers as an unknown one (404)", async () => {
    const dev = await gw.client(bId);
    const ops = ["keys:rotate:*", "keys:revoke:*", "keys:delete:*"].flatMap((s) => ["--scope", s]);
    const k = await genKey(gw.srv.data, "keyops", ops);
    const auth = `Bearer ${k.token}`;
    for (const [method, tail] of [
      ["POST", "/rotate"],
      ["POST", "/revoke"],
      ["DELETE", ""],
    ] as const) {
      const theirs = await gw.curl(method, `/keys/${dev.id}${tail}`, auth, method === "POST" ? {} : undefined);
      const none = await gw.curl(method, `/keys/nosuchkey${tail}`, auth, method === "POST" ? {} : undefined);
      expect(theirs.status).toBe(404);
      expect(none.status).toBe(404);
      expect(theirs.body.reason).toBe(`client id ${dev.id} not found`);
      expect(none.body.reason).toBe("client id nosuchkey not found");
    }
    // ids are global (MQTT client ids): making or signing for another domain's is 409, as a taken one
    const mk = (await genKey(gw.srv.data, "keymaker", ["--scope", "keys:create:*"])).token;
    const made = await gw.curl("POST", "/keys", `Bearer ${mk}`, { id: dev.id });
    expect(made.status).toBe(409);
    expect(made.body.reason).toBe(`client id ${dev.id} already exists`);
    const own = await gw.curl("POST", "/keys", `Bearer ${mk}`, { id: "keyops" });
    expect(own.body.reason).toBe("client id keyops already exists");
    const signed = await gw.curl("POST", `/keys/${dev.id}/sign`, `Bearer ${mk}`, { csr: "x" });
    expect(signed.status).toBe(409);
    // the key is still there, enabled, and each refusal is a deny row
    const still = await gw.curl("GET", `/${bId}/clients/${dev.id}`, gw.root);
    expect(still.body).toMatchObject({ id: dev.id, status: "enabled" });
    const audit = JSON.stringify((await gw.curl("GET", "/audit?result=fail&limit=100", gw.root)).body);
    for (const op of ["keys:rotate", "keys:revoke", "keys:delete"]) expect(audit).toContain(op);
  });

  test("MQTT db/query of a tables:read:* key: another domain's table is answered as a missing one", async () => {
    const k = await genKey(gw.srv.data, "mqreader"); // Auth.DefaultScopes: tables:read:*
    const { c, got, ready } = connectCollect(`mqtt://${gw.srv.mqttHost}:${gw.srv.mqttPort}`, {
      protocolVersion: 5,
      username: k.token,
    });
    await ready;
    await c.subscribeAsync("leak/#", { qos: 1 });
    const codes: number[] = [];
    for (const t of ["C_LBLINE", "C_LBLINE_SENML", "C_NOSUCH"])
      codes.push(await pubCode(c, "db/query", JSON.stringify({ q: `select * from ${t}`, reply: `leak/${t}` })));
    expect(codes).toEqual([0x99, 0x99, 0x99]); // the same PUBACK as a missing table's
    await eventually(() => got.length === 3);
    for (const m of got) {
      const t = m.topic.slice("leak/".length);
      expect(JSON.parse(m.payload)).toMatchObject({ success: false, reason: `no such table: ${t}` });
    }
    await c.endAsync();
  });
});
