// Key management over HTTP with a client's own token (curl): GET/POST /keys,
// DELETE /keys/<id>, POST /keys/<id>/revoke|rotate, each decided by the caller's
// keys:<op>:<id> scopes; secrets are returned once on create and rotate.
import { describe, expect, test } from "bun:test";
import { genKey, neo, run } from "./harness.ts";
import { TOKEN_AUTH, useGateway } from "./fixture.ts";

const gw = useGateway({ args: TOKEN_AUTH, keys: ["plain"] });

async function curl(method: string, path: string, token: string, body?: unknown) {
  const args = ["curl", "-s", "-o", "-", "-w", "\n%{http_code}", "-X", method, "-H", `Authorization: Bearer ${token}`];
  if (body !== undefined) args.push("-H", "content-type: application/json", "--data", JSON.stringify(body));
  const r = await run([...args, `${gw.srv.httpUrl}${path}`]);
  const lines = r.stdout.trimEnd().split("\n");
  const status = Number(lines.pop());
  return { status, body: JSON.parse(lines.join("\n")) as Record<string, unknown> & { reason?: string } };
}

const scoped = (id: string, scopes: string[]) =>
  genKey(
    gw.srv.data,
    id,
    scopes.flatMap((s) => ["--scope", s]),
  );

describe("key management over HTTP with keys:* scopes", () => {
  test("a key without keys scopes cannot list, create, revoke, delete or rotate keys (403 naming the scope)", async () => {
    const t = gw.key.token;
    const list = await curl("GET", "/keys", t);
    expect(list.status).toBe(403);
    expect(list.body.success).toBe(false);
    expect(list.body.reason).toContain("keys:list");
    expect((await curl("POST", "/keys", t, { id: "x1" })).status).toBe(403);
    expect((await curl("POST", "/keys/plain/revoke", t)).status).toBe(403);
    expect((await curl("POST", "/keys/plain/rotate", t)).status).toBe(403);
    expect((await curl("DELETE", "/keys/plain", t)).status).toBe(403);
    expect((await gw.http("/db/tables")).status).toBe(200); // still a working key
  });

  test("a provisioning key creates keys (cert, key and token once) except the one its deny names, rotates, revokes and deletes them", async () => {
    const prov = await scoped("prov", [
      "keys:create:*",
      "!keys:create:admin2",
      "keys:list:*",
      "keys:rotate:*",
      "keys:revoke:*",
      "keys:delete:*",
    ]);
    const made = await curl("POST", "/keys", prov.token, { id: "sensor-1", scopes: ["topics:publish:devices/%c/#"] });
    expect(made.status).toBe(201);
    expect(String(made.body.certificate)).toContain("BEGIN CERTIFICATE");
    expect(String(made.body.privateKey)).toContain("PRIVATE KEY");
    const token = String(made.body.token);
    expect((made.body.data as { scopes: string[] }).scopes).toEqual(["topics:publish:devices/%c/#"]);
    // the new token works at once; the secrets are not in the list
    expect((await gw.http("/db/tables", {}, token)).status).toBe(200);
    const list = await curl("GET", "/keys", prov.token);
    expect(list.status).toBe(200);
    expect(JSON.stringify(list.body)).not.toContain(token);
    expect((list.body.data as { id: string }[]).map((k) => k.id)).toContain("sensor-1");
    // the deny wins
    const admin = await curl("POST", "/keys", prov.token, { id: "admin2" });
    expect(admin.status).toBe(403);
    expect(admin.body.reason).toContain("admin2");
    // a bad scope is refused with its reason, nothing is created
    const bad = await curl("POST", "/keys", prov.token, { id: "sensor-2", scopes: ["topics:fly:x"] });
    expect(bad.status).toBe(400);
    expect(bad.body.reason).toContain("topics:fly:x");
    // rotate: a new token once; the old one stops working at once
    const rot = await curl("POST", "/keys/sensor-1/rotate", prov.token);
    expect(rot.status).toBe(200);
    const next = String(rot.body.token);
    expect(next).not.toBe(token);
    expect((await gw.http("/db/tables", {}, token)).status).toBe(401);
    expect((await gw.http("/db/tables", {}, next)).status).toBe(200);
    // revoke, then delete
    expect((await curl("POST", "/keys/sensor-1/revoke", prov.token)).status).toBe(200);
    expect((await gw.http("/db/tables", {}, next)).status).toBe(401);
    expect((await curl("DELETE", "/keys/sensor-1", prov.token)).status).toBe(200);
    expect((await curl("DELETE", "/keys/sensor-1", prov.token)).status).toBe(404);
  });

  test("keys:list:%c shows a key only itself, and keys:rotate:%c lets a device rotate its own key only", async () => {
    const dev = await scoped("dev-7", ["keys:list:%c", "keys:rotate:%c"]);
    const list = await curl("GET", "/keys", dev.token);
    expect(list.status).toBe(200);
    expect((list.body.data as { id: string }[]).map((k) => k.id)).toEqual(["dev-7"]);
    expect((await curl("POST", "/keys/plain/rotate", dev.token)).status).toBe(403);
    const rot = await curl("POST", "/keys/dev-7/rotate", dev.token);
    expect(rot.status).toBe(200);
    expect((await gw.http("/db/tables", {}, String(rot.body.token))).status).toBe(200);
  });

  test("a token verified (and cached) a moment ago is refused at once after another process revokes its key", async () => {
    const k = await scoped("cached-1", ["tables:read:*"]);
    const q = `/db/query?q=${encodeURIComponent("select 1")}`;
    for (let i = 0; i < 3; i++) expect((await gw.http(q, {}, k.token)).status).toBe(200);
    const r = await neo(["shell", "key", "revoke", "cached-1", "--data", gw.srv.data]);
    expect(r.code).toBe(0);
    expect((await gw.http(q, {}, k.token)).status).toBe(401);
  });

  test("without a token the key API answers 401", async () => {
    const r = await gw.http("/keys", {}, null);
    expect(r.status).toBe(401);
  });
});
