// Dashboards and the users they name, with curl and `neo shell` against a running server:
// a deleted user's shares and dashboards go with it (a new user of the same name sees
// nothing of the old one), `dashboards:list` lists what the caller is shown (SuperMQ's list),
// and `neo shell dashboard list|show|del|share|unshare` in the default domain and another.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { cleanup, neo, run, type Server, startServer } from "./harness.ts";
import { requiresTool } from "./requires.ts";
import { curlAnswer } from "./curl-answer.ts";

const need = requiresTool("/usr/bin/curl", "apt-get install curl");
let srv: Server;
let alice: string;
let north: string;
// biome-ignore lint/suspicious/noExplicitAny: test assertions walk arbitrary JSON
type Json = Record<string, any>;

async function curl(method: string, path: string, opts: { bearer?: string; json?: unknown } = {}) {
  const args = ["curl", "-s", "-X", method, "-w", "\n%{http_code}", `${srv.httpUrl}${path}`];
  if (opts.bearer) args.push("-H", `Authorization: Bearer ${opts.bearer}`);
  if (opts.json !== undefined) args.push("-H", "Content-Type: application/json", "--data", JSON.stringify(opts.json));
  const r = await run(args);
  return curlAnswer<Json>(r.stdout);
}

const shell = (...args: string[]) => neo(["shell", ...args, "--data", srv.data]);

async function user(name: string, role: string, scopes: string[]): Promise<string> {
  const password = `${name}-password-1`;
  const args = ["shell", "user", "add", name, "--role", role, "--password-stdin", "--data", srv.data];
  for (const s of scopes) args.push("--scope", s);
  const add = await neo(args, { stdin: `${password}\n` });
  if (add.code !== 0) throw new Error(add.stderr);
  return (await curl("POST", "/users/tokens/issue", { json: { username: name, password } })).body.access_token;
}

const create = async (bearer: string, name: string, at = "/dashboards") => {
  const r = await curl("POST", at, { bearer, json: { name } });
  if (r.status !== 201) throw new Error(r.text);
  return r.body.id as string;
};
const names = async (bearer: string) =>
  ((await curl("GET", "/dashboards?limit=100", { bearer })).body.dashboards ?? []).map((d: Json) => d.name);

describe.skipIf(need.skip)("dashboards and the users they name", () => {
  beforeAll(async () => {
    need.check();
    srv = await startServer(["--http-enable-token-auth", "true", "--mqtt-enable-token-auth", "true"]);
    alice = await user("alice", "admin", []);
    north = (await curl("POST", "/domains", { bearer: alice, json: { name: "North", route: "north" } })).body.id;
  });
  afterAll(async () => {
    await srv?.stop();
    if (srv) cleanup(srv.data);
  });

  test("delete bob, create bob again: the new bob sees nothing shared with the old one, nor owns his", async () => {
    const bob = await user("bob", "user", ["dashboards:read:*", "dashboards:create:*"]);
    const forBob = await create(alice, "for bob");
    expect(
      (await curl("POST", `/dashboards/${forBob}/share`, { bearer: alice, json: { users: ["bob"] } })).status,
    ).toBe(200);
    const bobs = await create(bob, "bob's own");
    expect(await names(bob)).toEqual(["for bob", "bob's own"]);

    const del = await shell("user", "del", "bob");
    expect(del.code).toBe(0);
    expect((await curl("GET", "/dashboards", { bearer: bob })).status).toBe(401);
    // the share names nobody now, and bob's own dashboard is gone (nobody inherits it)
    expect((await curl("GET", `/dashboards/${forBob}`, { bearer: alice })).body.shared).toEqual({
      members: false,
      users: [],
    });
    expect(JSON.parse((await shell("dashboard", "list", "--format", "json")).stdout).map((d: Json) => d.id)).toEqual([
      forBob,
    ]);

    const bob2 = await user("bob", "user", ["dashboards:read:*", "dashboards:create:*"]);
    expect(await names(bob2)).toEqual([]);
    expect((await curl("GET", `/dashboards/${forBob}`, { bearer: bob2 })).status).toBe(404);
    expect((await curl("GET", `/dashboards/${bobs}`, { bearer: bob2 })).status).toBe(404);
    await shell("user", "del", "bob");
  });

  test("a PAT with only dashboards:list lists the dashboards its user is shown; without it: 403", async () => {
    const carol = await user("carol", "user", ["dashboards:list:*", "dashboards:read:*"]);
    const shown = await create(alice, "for carol");
    await create(alice, "alice only");
    await curl("POST", `/dashboards/${shown}/share`, { bearer: alice, json: { users: ["carol"] } });
    const p = (await curl("POST", "/pats", { bearer: carol, json: { name: "lister", duration: "1h" } })).body;
    const scope = { entity_type: "dashboards", operation: "list", entity_id: "*" };
    expect((await curl("PATCH", `/pats/${p.id}/scope/add`, { bearer: carol, json: { scopes: [scope] } })).status).toBe(
      200,
    );
    const list = await curl("GET", "/dashboards", { bearer: p.secret });
    expect(list.status).toBe(200);
    expect(list.body.dashboards.map((d: Json) => d.name)).toEqual(["for carol"]);
    expect((await curl("GET", `/dashboards/${shown}`, { bearer: p.secret })).status).toBe(403); // list is not read
    const dave = await user("dave", "user", ["tables:read:*"]);
    expect((await curl("GET", "/dashboards", { bearer: dave })).status).toBe(403);
  });

  test("neo shell dashboard list|show|share|unshare|del, per domain; bad input exits non-zero", async () => {
    const erin = await user("erin", "user", ["dashboards:read:*"]);
    const id = await create(alice, "plant view");
    const n = await create(alice, "north view", "/north/dashboards");

    const box = await shell("dashboard", "list");
    expect(box.code).toBe(0);
    expect(box.stdout).toContain("plant view");
    expect(box.stdout).not.toContain("north view");
    const inNorth = await shell("dashboard", "list", "--domain", "north", "--format", "json");
    expect(JSON.parse(inNorth.stdout).map((d: Json) => [d.id, d.domain_id])).toEqual([[n, north]]);
    const shown = JSON.parse((await shell("dashboard", "show", id)).stdout);
    expect(shown).toMatchObject({ id, name: "plant view", owner: "alice", shared: { members: false, users: [] } });

    const share = await shell("dashboard", "share", id, "--user", "erin");
    expect(share.code).toBe(0);
    expect(share.stdout).toContain("erin");
    expect(await names(erin)).toContain("plant view");
    expect((await shell("dashboard", "unshare", id, "--user", "erin")).code).toBe(0);
    expect(await names(erin)).not.toContain("plant view");
    expect((await shell("dashboard", "share", id, "--members")).code).toBe(0);
    expect(await names(erin)).toContain("plant view");

    for (const [args, says] of [
      [["dashboard", "share", id, "--user", "nobody"], "no user"],
      [["dashboard", "share", id], "name whom"],
      [["dashboard", "show", n], "no dashboard"], // north's, asked in the default domain
      [["dashboard", "show", "nope", "--domain", "nowhere"], "no domain"],
      [["dashboard", "list", "--format", "xml"], "--format"],
      [["dashboard", "del", "nope"], "no dashboard"],
    ] as const) {
      const r = await shell(...args);
      expect({ args, code: r.code === 0 ? 0 : 1 }).toEqual({ args, code: 1 });
      expect(r.stderr).toContain(says);
    }

    expect((await shell("dashboard", "del", n, "--domain", north)).stdout).toContain("deleted");
    expect((await curl("GET", `/north/dashboards/${n}`, { bearer: alice })).status).toBe(404);
    expect((await shell("dashboard", "del", id)).code).toBe(0);
    expect(await names(erin)).not.toContain("plant view");
    const audit = await shell("audit", "--kind", "change", "--format", "json");
    expect(audit.stdout).toContain("dashboard.share");
  });
});
