// Attacks on SuperMQ domains as a new user would try them, with curl and mosquitto_pub
// against a real `neo serve`: a default-domain key whose scopes say `tables:write:*` must
// not write another domain's channel table by /db/write or the db/write|append topics.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type AttackGateway, openAttackGateway } from "./attack-kit.ts";
import { genKey } from "./harness.ts";
import { requiresTool } from "./requires.ts";

const need = requiresTool("/usr/bin/mosquitto_pub", "apt-get install mosquitto-clients");
let gw: AttackGateway;
let bId = "";

describe.skipIf(need.skip)("attacks across SuperMQ domains", () => {
  beforeAll(async () => {
    need.check();
    gw = await openAttackGateway();
  });
  afterAll(async () => {
    await gw?.stop();
  });

  test("a default-domain key with tables:write:* writes no table of another domain's channel", async () => {
    const b = await gw.domain("tb");
    bId = b;
    const dev = await gw.client(b);
    await gw.channel(b, "bline", [dev]);
    expect(await gw.pub(dev.id, dev.secret, "m/tb/c/bline", '[{"n":"t","v":1}]')).toBe(0);
    const dk = await genKey(gw.srv.data, "dk"); // Auth.DefaultScopes: tables:write:*, topics:publish:#
    const rows = { data: { columns: ["NAME", "TIME", "VALUE"], rows: [["forged", 1, 1]] } };
    for (const t of ["C_BLINE", "c_bline", "C_BLINE_SENML"]) {
      const w = await gw.curl("POST", `/db/write/${t}`, `Bearer ${dk.token}`, rows);
      expect(w.status).toBe(403);
      expect(w.body.reason).toBe(`not allowed to write table ${t}`);
    }
    for (const topic of ["db/write/C_BLINE", "db/append/C_BLINE"])
      expect(await gw.pub(dk.token, undefined, topic, '[["forged",2,1]]')).toBe(135);
    // the key's own default-domain tables are as before
    expect((await gw.curl("POST", "/db/write/OWN", `Bearer ${dk.token}`, rows)).status).toBe(200);
    const q = await gw.curl(
      "GET",
      `/db/query?q=${encodeURIComponent("select count(*) from C_BLINE where NAME='forged'")}`,
      gw.root,
    );
    expect(q.body.data).toMatchObject({ rows: [[0]] });
  });

  test("/db/query of another domain's table answers as for a table that does not exist (no domain named)", async () => {
    const a = await gw.domain("ta");
    const alice = await gw.user("alice");
    await gw.member(a, "alice", "admin");
    const q = (sql: string) => gw.curl("GET", `/db/query?q=${encodeURIComponent(sql)}`, alice);
    const theirs = await q("select * from C_BLINE");
    const none = await q("select * from C_NOSUCH");
    expect(theirs.status).toBe(403);
    expect(theirs.body.reason).toBe("not allowed to read table C_BLINE");
    expect(none.body.reason).toBe("not allowed to read table C_NOSUCH");
    expect(JSON.stringify(theirs.body)).not.toContain(bId);
    // her own domain's channel table she may read by her role there (so she hears it is not made yet)
    await gw.channel(a, "aline", [], alice);
    expect((await q("select count(*) from C_ALINE")).body.reason).toBe("no such table: C_ALINE");
  });

  test("Mainflux's reader /channels/<id>/messages tells nothing of another domain's channel", async () => {
    const wide = await genKey(gw.srv.data, "wide", ["--scope", "channels:subscribe:*"]);
    const dave = await gw.user("dave");
    for (const auth of [`Bearer ${wide.token}`, dave]) {
      const theirs = await gw.curl("GET", "/channels/bline/messages", auth);
      const none = await gw.curl("GET", "/channels/nosuch/messages", auth);
      expect(theirs.status).toBe(403);
      expect(none.status).toBe(auth === dave ? 403 : 404); // the wide key may read a default channel of that id
      expect(theirs.body.reason).toBe(
        "not allowed to subscribe to channel bline (needs the scope channels:subscribe:bline)",
      );
      if (auth === dave) expect(none.body.reason).toBe(String(theirs.body.reason).replaceAll("bline", "nosuch"));
    }
    const audit = await gw.curl("GET", "/audit?client=wide&result=fail", gw.root);
    expect(JSON.stringify(audit.body)).toContain("channels:subscribe");
  });

  test("neo's /channels routes are the default domain's: channels:*:* there lists, disconnects, deletes no other domain's channel", async () => {
    const b = await gw.domain("tc");
    const dev = await gw.client(b);
    await gw.channel(b, "cline", [dev]);
    const ops = await gw.user("ops", ["channels:list:*", "channels:connect:*", "channels:disconnect:*"]);
    const list = await gw.curl("GET", "/channels", ops);
    expect(JSON.stringify(list.body)).not.toContain("cline");
    expect((await gw.curl("GET", "/channels/cline", ops)).status).toBe(404);
    expect((await gw.curl("POST", "/channels/cline/disconnect", ops, { client: dev.id })).status).toBe(404);
    expect((await gw.curl("POST", "/channels/cline/connect", ops, { client: "dk" })).status).toBe(404);
    // nor is another domain's client connected to a default-domain channel (its scopes stay its domain's)
    expect((await gw.curl("POST", "/channels", gw.root, { id: "dflt" })).status).toBe(201);
    const join = await gw.curl("POST", "/channels/dflt/connect", ops, {
      client: dev.id,
      subscribe: true,
      publish: false,
    });
    expect(join.status).toBe(404);
    const bulk = await gw.user("ops2", ["channels:delete:*", "channels:list:*"]);
    expect((await gw.curl("DELETE", "/channels/cline", bulk)).status).toBe(404);
    expect((await gw.curl("DELETE", "/web/api/channels/cline", bulk)).status).toBeGreaterThanOrEqual(400);
    // the channel and its connection are still there: its client still publishes
    expect(await gw.pub(dev.id, dev.secret, "m/tc/c/cline", '[{"n":"t","v":2}]')).toBe(0);
    expect((await gw.curl("GET", `/${b}/channels/cline`, gw.root)).status).toBe(200);
  });

  test("a default-domain key with keys:*:* lists, rotates, revokes, deletes no client of another domain", async () => {
    const d = await gw.domain("td");
    const dev = await gw.client(d);
    const kadm = await genKey(gw.srv.data, "kadm", ["--scope", "keys:list:*", "--scope", "keys:rotate:*"]);
    const list = await gw.curl("GET", "/keys", `Bearer ${kadm.token}`);
    expect(list.status).toBe(200);
    expect(JSON.stringify(list.body)).not.toContain(dev.id);
    expect(JSON.stringify(list.body)).toContain("kadm");
    const rot = await gw.curl("POST", `/keys/${dev.id}/rotate`, `Bearer ${kadm.token}`);
    expect(rot.status).toBe(404); // as an unknown key (attack-leaks.test.ts)
    expect(rot.body.reason).toBe(`client id ${dev.id} not found`);
    expect(JSON.stringify(rot.body)).not.toContain("PRIVATE KEY");
    const kdel = (await genKey(gw.srv.data, "kdel2", ["--scope", "keys:revoke:*", "--scope", "keys:delete:*"])).token;
    expect((await gw.curl("POST", `/keys/${dev.id}/revoke`, `Bearer ${kdel}`)).status).toBe(404);
    expect((await gw.curl("DELETE", `/keys/${dev.id}`, `Bearer ${kdel}`)).status).toBe(404);
    // the client is untouched: its secret still publishes (to its own domain's channel)
    await gw.channel(d, "dline", [dev]);
    expect(await gw.pub(dev.id, dev.secret, "m/td/c/dline", '[{"n":"t","v":3}]')).toBe(0);
    // the domain's own operator still manages it from /keys
    expect((await gw.curl("GET", "/keys", gw.root)).body.data).toContainEqual(expect.objectContaining({ id: dev.id }));
  });

  test("a domain admin makes no channel on another domain's table nor on a default-domain table", async () => {
    const e = await gw.domain("te");
    const erin = await gw.user("erin");
    await gw.member(e, "erin", "admin");
    let n = 0;
    const mk = (table: string) => gw.curl("POST", `/${e}/channels`, erin, { id: `erin${++n}`, name: "e", table });
    for (const table of ["C_BLINE", "c_bline_senml", "OWN"]) {
      const r = await mk(table);
      expect(r.status).toBe(403);
      expect(r.body.reason).toBe(
        `not allowed to write table ${table.toUpperCase()} (needs the scope tables:write:${table.toUpperCase()})`,
      );
    }
    const fresh = await mk("ERIN_NEW");
    expect(fresh.status, JSON.stringify(fresh.body)).toBe(201); // a new table becomes this domain's
    // the operator may write anywhere, but a table still never joins a second domain
    expect((await gw.curl("POST", `/${e}/channels`, gw.root, { id: "op1", table: "C_BLINE" })).status).toBe(409);
  });

  test("a domain cannot take another domain's id as its route, nor its UUID route as its id (409)", async () => {
    const mk = (b: Record<string, string>) => gw.curl("POST", "/domains", gw.root, { name: "evil", ...b });
    for (const route of [bId, bId.toUpperCase()]) expect((await mk({ route })).status).toBe(409);
    const u = "11111111-2222-4333-8444-555555555555";
    expect((await mk({ route: u })).status).toBe(201);
    expect((await mk({ route: "evil2", id: u })).status).toBe(409);
    // B's id still names B on every path
    expect((await gw.curl("GET", `/${bId}/channels/bline`, gw.root)).status).toBe(200);
  });

  test("a deleted channel's stored rows stay its domain's: no default-domain key reads them afterwards", async () => {
    const f = await gw.domain("tf");
    const dev = await gw.client(f);
    await gw.channel(f, "gone", [dev]);
    expect(await gw.pub(dev.id, dev.secret, "m/tf/c/gone", '[{"n":"secret","v":9}]')).toBe(0);
    expect((await gw.curl("DELETE", `/${f}/channels/gone`, gw.root)).status).toBe(204);
    const reader = await genKey(gw.srv.data, "reader"); // tables:read:*
    for (const t of ["C_GONE", "C_GONE_SENML"]) {
      const q = await gw.curl(
        "GET",
        `/db/query?q=${encodeURIComponent(`select * from ${t}`)}`,
        `Bearer ${reader.token}`,
      );
      expect(q.body.reason).toBe(`no such table: ${t}`); // as a missing one (attack-leaks.test.ts)
    }
    // the operator still reads them
    const op = await gw.curl("GET", `/db/query?q=${encodeURIComponent("select count(*) from C_GONE")}`, gw.root);
    expect(op.body.data).toMatchObject({ rows: [[1]] });
  });
});
