// The side doors of issue 18, driven as the attack did (curl, mosquitto_pub): refusals
// reach the audit trail, a channel cannot be pointed at a table its creator may not
// write, a sent credential is checked with token auth off, a scoped key cannot tell a
// missing table from a forbidden one, and a valid credential without the right is 403.
import { describe, expect, test } from "bun:test";
import { eventually, genKey, neo, run } from "./harness.ts";
import { TOKEN_AUTH, useGateway, withGateway } from "./fixture.ts";
import { curlAnswer } from "./curl-answer.ts";

const gw = useGateway({ args: TOKEN_AUTH, keys: ["admin"] });
const ROW = '{"data":{"columns":["NAME","TIME","VALUE"],"rows":[["a",1700000000000000000,1]]}}';

/** curl as the attack used it: status and parsed body */
async function curl(method: string, url: string, token: string | null, body?: string, type = "application/json") {
  const args = ["curl", "-sS", "-X", method, "-w", "\n%{http_code}", url];
  if (token) args.push("-H", `Authorization: Bearer ${token}`);
  if (body !== undefined) args.push("-H", `Content-Type: ${type}`, "--data-binary", body);
  const r = await run(args);
  return curlAnswer<{ reason?: string }>(r.stdout);
}
const scoped = (id: string, scopes: string[]) =>
  genKey(
    gw.srv.data,
    id,
    scopes.flatMap((s) => ["--scope", s]),
  );
const audit = async (...args: string[]) => {
  const r = await neo(["shell", "audit", "--data", gw.srv.data, "--format", "json", ...args]);
  return JSON.parse(r.stdout) as { kind: string; action: string; result: string; client?: string; target?: string }[];
};

describe("issue 18's holes, closed", () => {
  test("403s and PUBACK 0x87 of key lim show under neo shell audit --client lim --result fail, aggregated", async () => {
    const lim = await scoped("lim", ["tables:write:MINE", "topics:publish:devices/lim/#", "clients:connect:lim"]);
    for (let i = 0; i < 25; i++)
      expect((await curl("POST", `${gw.srv.httpUrl}/db/write/SECRET`, lim.token, ROW)).status).toBe(403);
    for (let i = 0; i < 10; i++) {
      const p = await run([
        ...["mosquitto_pub", "-h", "127.0.0.1", "-p", String(gw.srv.mqttPort), "-V", "mqttv5", "-q", "1"],
        ...["-i", "lim", "-u", lim.token, "-t", "secret/x", "-m", "forged"],
      ]);
      expect(p.stderr + p.stdout).toMatch(/not authori[sz]ed|0x87|135/i);
    }
    const rows = await eventually(async () => {
      const r = await audit("--client", "lim", "--result", "fail");
      const writes = r.filter((e) => e.kind === "deny" && e.action === "tables:write");
      const pubs = r.filter((e) => e.kind === "deny" && e.action === "topics:publish");
      return writes.length >= 1 && pubs.length >= 1 ? { writes, pubs } : undefined;
    });
    // aggregated: Audit.RefusalsInFull (10) in full per minute, the rest one count row when the minute ends
    expect(rows.writes.length).toBeLessThan(25);
    expect(rows.writes[0]).toMatchObject({ target: "SECRET" });
    expect(rows.pubs[0]).toMatchObject({ target: "secret/x" });
  });

  test("a key with only channels:create and channels:connect cannot point a channel at SECRET and write there", async () => {
    await gw.write("SECRET", ROW, "application/json");
    const k = await scoped("chan-mine", ["channels:create:mine", "channels:connect:mine", "channels:publish:mine"]);
    const made = await curl("POST", `${gw.srv.httpUrl}/channels`, k.token, '{"id":"mine","table":"SECRET"}');
    expect(made.status).toBe(403);
    expect(made.body.reason).toBe("not allowed to write table SECRET");
    // an operator's channel on SECRET: connecting oneself as its publisher needs tables:write:SECRET too
    const made2 = await neo(["shell", "channel", "create", "plant", "--table", "SECRET", "--data", gw.srv.data]);
    expect(made2.code).toBe(0);
    const k2 = await scoped("chan-plant", ["channels:connect:plant"]);
    const conn = await curl("POST", `${gw.srv.httpUrl}/channels/plant/connect`, k2.token, '{"client_id":"chan-plant"}');
    expect(conn.status).toBe(403);
    const senml = '[{"bn":"forged:","n":"t","v":1}]';
    const post = await curl(
      "POST",
      `${gw.srv.httpUrl}/http/channels/plant/messages`,
      k2.token,
      senml,
      "application/senml+json",
    );
    expect(post.status).toBe(403);
    const q = await gw.query("select count(*) from SECRET where NAME like 'forged%'");
    expect(q.body.data.rows[0]![0]).toBe(0);
  });

  test("a scoped key gets the same 403 for a missing table and a forbidden one; a client token on /audit is 403", async () => {
    const k = await scoped("reader", ["tables:read:MINE"]);
    const q = (sql: string) => curl("GET", `${gw.srv.httpUrl}/db/query?q=${encodeURIComponent(sql)}`, k.token);
    const secret = await q("select * from SECRET");
    const nope = await q("select * from NOPE");
    expect([secret.status, nope.status]).toEqual([403, 403]);
    expect(secret.body.reason).toBe("not allowed to read table SECRET");
    expect(nope.body.reason).toBe("not allowed to read table NOPE");
    const a = await curl("GET", `${gw.srv.httpUrl}/audit`, k.token);
    expect(a.status).toBe(403);
  });
});

describe("a sent credential is always checked", () => {
  test("token auth off: a wrong bearer on /db/write is 401 and writes nothing", async () => {
    await withGateway({}, async (open) => {
      const wrong = `nobody:b:${"0".repeat(64)}`;
      const w = await curl("POST", `${open.srv.httpUrl}/db/write/OPEN`, wrong, ROW);
      expect(w.status).toBe(401);
      expect((await curl("POST", `${open.srv.httpUrl}/db/write/OPEN`, null, ROW)).status).toBe(200);
      const rows = await curl("GET", `${open.srv.httpUrl}/db/query?q=select+count(*)+from+OPEN`, null);
      expect((rows.body as unknown as { data: { rows: number[][] } }).data.rows[0]![0]).toBe(1);
    });
  });
});
