// People and their scripts, SuperMQ-style, with curl: users with roles and scopes from
// `neo shell user`, POST /users/tokens/issue (access + refresh key), refresh rotating
// both, a refresh key used twice revoking its whole family, and recovery without mail.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { cleanup, eventually, neo, run, type Server, startServer } from "./harness.ts";
import { curlAnswer } from "./curl-answer.ts";

let srv: Server;
const opsPassword = "ops-password-1";

beforeAll(async () => {
  srv = await startServer(["--http-enable-token-auth", "true"]);
  const r = await neo(
    ["shell", "user", "add", "ops", "--scope", "tables:read:*", "--password-stdin", "--data", srv.data],
    {
      stdin: `${opsPassword}\n`,
    },
  );
  if (r.code !== 0) throw new Error(r.stderr);
});
afterAll(async () => {
  await srv.stop();
  cleanup(srv.data);
});

/** curl, returning status and parsed JSON body */
async function curl(method: string, path: string, opts: { bearer?: string; json?: unknown } = {}) {
  const args = ["curl", "-s", "-X", method, "-w", "\n%{http_code}", `${srv.httpUrl}${path}`];
  if (opts.bearer) args.push("-H", `Authorization: Bearer ${opts.bearer}`);
  if (opts.json !== undefined) args.push("-H", "Content-Type: application/json", "--data", JSON.stringify(opts.json));
  const r = await run(args);
  return curlAnswer<Record<string, string>>(r.stdout);
}

const issue = (username: string, password: string) =>
  curl("POST", "/users/tokens/issue", { json: { username, password } });

describe("login keys", () => {
  test("a login answers an access and a refresh key; the access key works where the user's scopes allow", async () => {
    const r = await issue("ops", opsPassword);
    expect(r.status).toBe(201);
    expect(r.body.access_token).toMatch(/^nac_/);
    expect(r.body.refresh_token).toMatch(/^nrf_/);
    const q = await curl("GET", "/db/query?q=select+1", { bearer: r.body.access_token });
    expect(q.status).toBe(200);
    // a user (not an admin) may not read the audit trail
    const a = await curl("GET", "/audit", { bearer: r.body.access_token });
    expect(a.status).toBe(403);
    expect(a.body.message).toBe("not allowed to read the audit trail");
    expect((await issue("ops", "wrong-password")).status).toBe(401);
  });

  test("refresh rotates both keys; using a refresh key twice revokes every key of that login", async () => {
    const first = (await issue("ops", opsPassword)).body;
    const second = await curl("POST", "/users/tokens/refresh", { bearer: first.refresh_token });
    expect(second.status).toBe(201);
    expect(second.body.access_token).not.toBe(first.access_token);
    // the old access key ended with the rotation, the new one works
    expect((await curl("GET", "/db/query?q=select+1", { bearer: first.access_token })).status).toBe(401);
    expect((await curl("GET", "/db/query?q=select+1", { bearer: second.body.access_token })).status).toBe(200);
    // the first refresh key again: theft detected, the whole family is gone
    const reuse = await curl("POST", "/users/tokens/refresh", { bearer: first.refresh_token });
    expect(reuse.status).toBe(401);
    expect(reuse.body.message).toBe("refresh key used twice: every key of this login was revoked");
    expect((await curl("GET", "/db/query?q=select+1", { bearer: second.body.access_token })).status).toBe(401);
    expect((await curl("POST", "/users/tokens/refresh", { bearer: second.body.refresh_token })).status).toBe(401);
    await eventually(async () => {
      const audit = await neo(["shell", "audit", "--data", srv.data, "--user", "ops", "--format", "json"]);
      return audit.stdout.includes('"action": "refresh"');
    });
  });

  test("an admin's access key reads the audit trail; the web login and the access key are one implementation", async () => {
    const rec = await neo(["shell", "user", "recover", "admin", "--data", srv.data]);
    const key = rec.stdout.split("\n")[1]!;
    const reset = await curl("POST", "/users/password/reset", { json: { token: key, password: "new-admin-pass" } });
    expect(reset.status).toBe(200);
    // the recovery key works once
    expect(
      (await curl("POST", "/users/password/reset", { json: { token: key, password: "third-pass-1" } })).status,
    ).toBe(401);
    const r = await issue("admin", "new-admin-pass");
    expect(r.status).toBe(201);
    const a = await curl("GET", "/audit?kind=change&limit=5", { bearer: r.body.access_token });
    expect(a.status).toBe(200);
    expect(JSON.stringify(a.body)).toContain("user.password_reset");
    // the same key works on the web UI's API
    expect((await curl("GET", "/web/api/check", { bearer: r.body.access_token })).body.user).toBe("admin");
  });

  test("a password change with the CLI ends the user's keys at once", async () => {
    const r = (await issue("ops", opsPassword)).body;
    await neo(["shell", "user", "passwd", "ops", "--password-stdin", "--data", srv.data], {
      stdin: "changed-password\n",
    });
    expect((await curl("GET", "/db/query?q=select+1", { bearer: r.access_token })).status).toBe(401);
    expect((await curl("POST", "/users/tokens/refresh", { bearer: r.refresh_token })).status).toBe(401);
  });
});
