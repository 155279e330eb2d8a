// Dashboards per domain over REST with curl: create, list, get, update, share/unshare,
// delete, a panel's data; scopes decide (a PAT with dashboards:read cannot update; a PAT
// bound to another domain gets 403) and a shared dashboard reads tables with the VIEWER's
// rights (bob without tables:read on T sees the panel's refusal, never T's rows).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { cleanup, eventually, neo, run, type Server, startServer } from "./harness.ts";
import { requiresTool } from "./requires.ts";
import { curlAnswer } from "./curl-answer.ts";

const need = requiresTool("/usr/bin/curl", "apt-get install curl");
const DEFAULT = "00000000-0000-4000-8000-000000000000";
let srv: Server;
let alice: string;
let bob: string;
let north: string;
// biome-ignore lint/suspicious/noExplicitAny: test assertions walk arbitrary JSON
type Json = Record<string, any>;

async function curl(method: string, path: string, opts: { bearer?: string; json?: unknown; csv?: string } = {}) {
  const args = ["curl", "-s", "-X", method, "-w", "\n%{http_code}", `${srv.httpUrl}${path}`];
  if (opts.bearer) args.push("-H", `Authorization: Bearer ${opts.bearer}`);
  if (opts.json !== undefined) args.push("-H", "Content-Type: application/json", "--data", JSON.stringify(opts.json));
  if (opts.csv !== undefined) args.push("-H", "Content-Type: text/csv", "--data-binary", opts.csv);
  const r = await run(args);
  return curlAnswer<Json>(r.stdout);
}

async function user(name: string, role: string, scopes: string[]): Promise<string> {
  const password = `${name}-password-1`;
  const args = ["shell", "user", "add", name, "--role", role, "--password-stdin", "--data", srv.data];
  for (const s of scopes) args.push("--scope", s);
  const add = await neo(args, { stdin: `${password}\n` });
  if (add.code !== 0) throw new Error(add.stderr);
  return (await curl("POST", "/users/tokens/issue", { json: { username: name, password } })).body.access_token;
}

/** a PAT of `owner` holding these SuperMQ scopes */
async function pat(owner: string, scopes: Record<string, string>[]): Promise<string> {
  const p = (await curl("POST", "/pats", { bearer: owner, json: { name: `p${Math.random()}`, duration: "1h" } })).body;
  const add = await curl("PATCH", `/pats/${p.id}/scope/add`, { bearer: owner, json: { scopes } });
  if (add.status !== 200) throw new Error(add.text);
  return p.secret;
}

const panel = (title: string) => ({
  title,
  chart: "line",
  query: { table: "T", tags: ["a", "b"], aggregate: "none" },
});

describe.skipIf(need.skip)("dashboards per domain (REST)", () => {
  beforeAll(async () => {
    need.check();
    srv = await startServer(["--http-enable-token-auth", "true", "--mqtt-enable-token-auth", "true"]);
    alice = await user("alice", "admin", []);
    bob = await user("bob", "user", ["dashboards:read:*", "tables:read:OTHER"]);
    const now = BigInt(Date.now()) * 1_000_000n;
    const rows = [1, 2, 3].flatMap((i) => [
      `a,${now - BigInt(i) * 60_000_000_000n},${i}`,
      `b,${now - BigInt(i) * 60_000_000_000n},${10 * i}`,
    ]);
    const w = await curl("POST", "/db/write/T", { bearer: alice, csv: `${rows.join("\n")}\n` });
    if (w.status !== 200) throw new Error(w.text);
    north = (await curl("POST", "/domains", { bearer: alice, json: { name: "North", route: "north" } })).body.id;
  });
  afterAll(async () => {
    await srv?.stop();
    if (srv) cleanup(srv.data);
  });

  test("create (201), list, get, update, a panel's data with two series, delete (204); bad input 400", async () => {
    const made = await curl("POST", "/dashboards", {
      bearer: alice,
      json: {
        name: "Line 1",
        description: "press",
        panels: [panel("temps")],
        time_range: { last: "1h" },
        refresh: "10s",
      },
    });
    expect(made.status).toBe(201);
    const d = made.body;
    expect(d).toMatchObject({
      name: "Line 1",
      domain_id: DEFAULT,
      owner: "alice",
      refresh: "10s",
      created_by: "alice",
    });
    expect(d.can).toEqual({ read: true, update: true, delete: true, share: true });
    expect(d.panels[0].query).toEqual({ table: "T", tags: ["a", "b"], aggregate: "none", interval: "auto" });

    const list = await curl("GET", "/dashboards", { bearer: alice });
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ total: 1, offset: 0, limit: 10, can_create: true });
    expect((await curl("GET", `/${DEFAULT}/dashboards/${d.id}`, { bearer: alice })).body.name).toBe("Line 1");

    const data = await curl("GET", `/dashboards/${d.id}/panels/0/data?last=1h`, { bearer: alice });
    expect(data.status).toBe(200);
    expect(data.body.data.columns).toEqual(["NAME", "TIME", "VALUE"]);
    expect(new Set(data.body.data.rows.map((r: unknown[]) => r[0]))).toEqual(new Set(["a", "b"]));
    expect(data.body.data.rows).toHaveLength(6);
    const avg = await curl("PATCH", `/dashboards/${d.id}`, {
      bearer: alice,
      json: { panels: [{ ...panel("avg"), query: { table: "T", tags: ["b"], aggregate: "avg", interval: "1h" } }] },
    });
    expect(avg.status).toBe(200);
    expect(avg.body).toMatchObject({ updated_by: "alice", panels: [{ title: "avg" }] });
    const one = await curl("GET", `/dashboards/${d.id}/panels/0/data?last=2h`, { bearer: alice });
    expect(one.body.data.rows.map((r: unknown[]) => r[0])).toEqual(expect.arrayContaining(["b"]));
    expect((await curl("GET", `/dashboards/${d.id}/panels/1/data`, { bearer: alice })).status).toBe(404);

    for (const bad of [
      {},
      { name: "x", panels: [{ chart: "pie", query: { sql: "select 1" } }] },
      { name: "x", refresh: "2s" },
    ]) {
      const r = await curl("POST", "/dashboards", { bearer: alice, json: bad });
      expect(r.status).toBe(400);
      expect(r.body.reason ?? r.body.message).toBeTruthy();
    }
    expect((await curl("DELETE", `/dashboards/${d.id}`, { bearer: alice })).status).toBe(204);
    expect((await curl("GET", `/dashboards/${d.id}`, { bearer: alice })).status).toBe(404);
    expect((await curl("GET", "/dashboards")).status).toBe(401);
  });

  test("a PAT with dashboards:read reads but cannot update, delete or share", async () => {
    const d = (await curl("POST", "/dashboards", { bearer: alice, json: { name: "ro", panels: [panel("p")] } })).body;
    const reader = await pat(alice, [{ entity_type: "dashboards", operation: "read", entity_id: "*" }]);
    const got = await curl("GET", `/dashboards/${d.id}`, { bearer: reader });
    expect(got.status).toBe(200);
    expect(got.body.can).toEqual({ read: true, update: false, delete: false, share: false });
    expect((await curl("PATCH", `/dashboards/${d.id}`, { bearer: reader, json: { name: "x" } })).status).toBe(403);
    expect((await curl("DELETE", `/dashboards/${d.id}`, { bearer: reader })).status).toBe(403);
    expect((await curl("POST", `/dashboards/${d.id}/share`, { bearer: reader, json: { members: true } })).status).toBe(
      403,
    );
    expect((await curl("POST", "/dashboards", { bearer: reader, json: { name: "x" } })).status).toBe(403);
    expect((await curl("GET", `/dashboards/${d.id}`, { bearer: alice })).body.name).toBe("ro");
  });

  test("a dashboard lives in its domain: a PAT bound to another domain gets 403", async () => {
    const made = await curl("POST", "/north/dashboards", { bearer: alice, json: { name: "N", panels: [panel("p")] } });
    expect(made.status).toBe(201);
    expect(made.body.domain_id).toBe(north);
    const id = made.body.id;
    // the north dashboard is not in the default domain
    expect((await curl("GET", `/dashboards/${id}`, { bearer: alice })).status).toBe(404);
    const home = await pat(alice, [
      { optional_domain_id: DEFAULT, entity_type: "dashboards", operation: "read", entity_id: "*" },
    ]);
    expect((await curl("GET", `/north/dashboards/${id}`, { bearer: home })).status).toBe(403);
    expect((await curl("GET", `/${north}/dashboards`, { bearer: home })).status).toBe(403);
    const there = await pat(alice, [
      { optional_domain_id: north, entity_type: "dashboards", operation: "read", entity_id: "*" },
    ]);
    expect((await curl("GET", `/north/dashboards/${id}`, { bearer: there })).status).toBe(200);
    expect((await curl("GET", `/${north}/dashboards`, { bearer: there })).body.total).toBe(1);
    expect((await curl("GET", "/dashboards", { bearer: there })).status).toBe(403);
    expect((await curl("GET", "/nowhere/dashboards", { bearer: alice })).status).toBe(404);
  });

  test("sharing: bob sees alice's dashboard only while shared, with his own table rights", async () => {
    const d = (await curl("POST", "/dashboards", { bearer: alice, json: { name: "shared", panels: [panel("p")] } }))
      .body;
    expect((await curl("GET", `/dashboards/${d.id}`, { bearer: bob })).status).toBe(404);
    expect((await curl("GET", "/dashboards", { bearer: bob })).body.total).toBe(0);

    const shared = await curl("POST", `/dashboards/${d.id}/share`, { bearer: alice, json: { members: true } });
    expect(shared.status).toBe(200);
    expect(shared.body.shared).toEqual({ members: true, users: [] });
    const seen = await curl("GET", `/dashboards/${d.id}`, { bearer: bob });
    expect(seen.status).toBe(200);
    expect(seen.body.can).toEqual({ read: true, update: false, delete: false, share: false });
    expect((await curl("GET", "/dashboards", { bearer: bob })).body.total).toBe(1);
    // the viewer's rights, not the owner's: no rows of T for bob
    const data = await curl("GET", `/dashboards/${d.id}/panels/0/data`, { bearer: bob });
    expect(data.status).toBe(403);
    expect(data.body).toMatchObject({ success: false, reason: "not allowed to read table T" });
    expect(data.text).not.toContain('"a"');
    expect((await curl("PATCH", `/dashboards/${d.id}`, { bearer: bob, json: { name: "mine" } })).status).toBe(403);

    expect((await curl("POST", `/dashboards/${d.id}/unshare`, { bearer: alice, json: { members: true } })).status).toBe(
      200,
    );
    expect((await curl("GET", `/dashboards/${d.id}`, { bearer: bob })).status).toBe(404);
    const named = await curl("POST", `/dashboards/${d.id}/share`, { bearer: alice, json: { users: ["bob"] } });
    expect(named.body.shared).toEqual({ members: false, users: ["bob"] });
    expect((await curl("GET", `/dashboards/${d.id}`, { bearer: bob })).status).toBe(200);
    const nobody = await curl("POST", `/dashboards/${d.id}/share`, { bearer: alice, json: { users: ["nobody"] } });
    expect(nobody.status).toBe(400);
    expect((await curl("POST", `/dashboards/${d.id}/share`, { bearer: alice, json: {} })).status).toBe(400);
    // every change is in the audit trail, with who and which dashboard
    const rows = await eventually(async () => {
      const r = (await curl("GET", "/audit?kind=change&user=alice&limit=100", { bearer: alice })).body;
      const ours = (r.data as { action: string; target: string }[]).filter((x) => x.target === d.id);
      return ours.length >= 4 ? ours : undefined;
    });
    expect(new Set(rows.map((x) => x.action))).toEqual(
      new Set(["dashboard.create", "dashboard.share", "dashboard.unshare"]),
    );
  });

  test("in another domain 'shared with members' means its members: bob sees it once he is one, and only what is shared", async () => {
    const shared = (await curl("POST", "/north/dashboards", { bearer: alice, json: { name: "NM" } })).body;
    const mine = (await curl("POST", "/north/dashboards", { bearer: alice, json: { name: "NP" } })).body;
    expect(
      (await curl("POST", `/north/dashboards/${shared.id}/share`, { bearer: alice, json: { members: true } })).status,
    ).toBe(200);
    // not a member of north: refused there whatever his own dashboards:read:* says
    expect((await curl("GET", `/north/dashboards/${shared.id}`, { bearer: bob })).status).toBe(403);
    const add = await neo(["shell", "domain", "member", "add", "north", "bob", "--role", "member", "--data", srv.data]);
    expect(add.code).toBe(0);
    expect((await curl("GET", `/north/dashboards/${shared.id}`, { bearer: bob })).status).toBe(200);
    expect((await curl("GET", `/north/dashboards/${mine.id}`, { bearer: bob })).status).toBe(404);
    const list = await curl("GET", "/north/dashboards", { bearer: bob });
    expect(list.body.dashboards.map((d: { name: string }) => d.name)).toEqual(["NM"]);
    expect(list.body.can_create).toBe(false);
    expect((await curl("PATCH", `/north/dashboards/${shared.id}`, { bearer: bob, json: { name: "x" } })).status).toBe(
      403,
    );
  });
});
