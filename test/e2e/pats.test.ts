// SuperMQ's PAT lifecycle with curl (SuperMQ's API and spellings): create with a
// duration, add scopes, use it on /db/query and on a channel, list scopes, refused
// outside its scopes (403), revoke, reset (old secret dead), expiry after its duration.
import { beforeAll, describe, expect, test } from "bun:test";
import { usePatGateway } from "./pats-kit.ts";
import { eventually, neo, run, type Server } from "./harness.ts";

const gw = usePatGateway();
const { curl } = gw;
let srv: Server;
let access: string;
beforeAll(() => {
  ({ srv, access } = gw.st);
});

describe("personal access tokens", () => {
  test("SuperMQ's documented lifecycle: create, add scopes, use, list scopes, out-of-scope 403, revoke, reset", async () => {
    const created = await curl("POST", "/pats", {
      bearer: access,
      json: { name: "test pat", description: "testing pat", duration: "24h" },
    });
    expect(created.status).toBe(201);
    const pat = created.body as Record<string, string>;
    expect(Object.keys(pat)).toEqual(
      expect.arrayContaining(["id", "user_id", "name", "description", "secret", "issued_at", "expires_at"]),
    );
    expect(pat.secret).toMatch(/^pat_[A-Za-z0-9+/]{43}=_[A-Za-z0-9_-]{43}$/);
    // the middle part is base64 of the user id and the PAT id (16 bytes each)
    const ids = Buffer.from(pat.secret!.split("_")[1]!, "base64").toString("hex");
    expect(ids.slice(32)).toBe(pat.id!.replaceAll("-", ""));
    expect(ids.slice(0, 32)).toBe(pat.user_id!.replaceAll("-", ""));
    expect(Date.parse(pat.expires_at!) - Date.parse(pat.issued_at!)).toBe(86_400_000);
    // shown once: reading it back has no secret
    const one = await curl("GET", `/pats/${pat.id}`, { bearer: access });
    expect(one.body.secret).toBeUndefined();
    expect(one.body.name).toBe("test pat");

    // no scopes yet: nothing allowed
    expect((await curl("GET", "/db/query?q=select+count(*)+from+EXAMPLE", { bearer: pat.secret })).status).toBe(403);
    const add = await curl("PATCH", `/pats/${pat.id}/scope/add`, {
      bearer: access,
      json: {
        scopes: [
          {
            optional_domain_id: "00000000-0000-4000-8000-000000000000", // the default domain
            entity_type: "tables",
            operation: "read",
            entity_id: "*",
          },
          { entity_type: "channels", operation: "publish", entity_id: "plant" },
        ],
      },
    });
    expect(add.status).toBe(200);
    expect(add.body.total).toBe(2);
    expect((await curl("GET", "/db/query?q=select+count(*)+from+EXAMPLE", { bearer: pat.secret })).status).toBe(200);
    const senml = JSON.stringify([{ bn: "m1:", n: "temp", v: 21.5 }]);
    const post = await run([
      "curl",
      "-s",
      "-o",
      "/dev/null",
      "-w",
      "%{http_code}",
      "-H",
      `Authorization: Bearer ${pat.secret}`,
      "-H",
      "Content-Type: application/senml+json",
      "--data",
      senml,
      `${srv.httpUrl}/http/channels/plant/messages`,
    ]);
    expect(post.stdout).toBe("202");
    // outside its scopes: writing a table, a channel it has no scope for
    expect((await curl("POST", "/db/write/EXAMPLE", { bearer: pat.secret, raw: '[["a",1,1]]' })).status).toBe(403);
    const scopes = await curl("GET", `/pats/${pat.id}/scopes`, { bearer: access });
    expect(scopes.body.total).toBe(2);
    expect(
      (scopes.body.scopes as Record<string, string>[]).map((s) => `${s.entity_type}:${s.operation}:${s.entity_id}`),
    ).toEqual(["tables:read:*", "channels:publish:plant"]);
    expect((await curl("GET", `/pats/${pat.id}/scope`, { bearer: access })).body.total).toBe(2); // SuperMQ's spelling

    // a PAT cannot manage PATs
    expect((await curl("GET", "/pats", { bearer: pat.secret })).status).toBe(403);
    expect((await curl("POST", "/pats", { bearer: pat.secret, json: { name: "x" } })).status).toBe(403);

    // revoke: dead on the next request
    expect((await curl("PATCH", `/pats/${pat.id}/revoke`, { bearer: access })).status).toBe(204);
    expect((await curl("GET", "/db/query?q=select+count(*)+from+EXAMPLE", { bearer: pat.secret })).status).toBe(401);
    // reset: a new secret that works, the old one stays dead
    const reset = await curl("PATCH", `/pats/${pat.id}/reset`, { bearer: access, json: { duration: "720h" } });
    expect(reset.status).toBe(200);
    const fresh = reset.body.secret as string;
    expect(fresh).not.toBe(pat.secret);
    expect((await curl("GET", "/db/query?q=select+count(*)+from+EXAMPLE", { bearer: fresh })).status).toBe(200);
    expect((await curl("GET", "/db/query?q=select+count(*)+from+EXAMPLE", { bearer: pat.secret })).status).toBe(401);
    // SuperMQ's spellings
    expect((await curl("PATCH", `/pats/${pat.id}/secret/revoke`, { bearer: access })).status).toBe(204);
    expect((await curl("GET", "/db/query?q=select+count(*)+from+EXAMPLE", { bearer: fresh })).status).toBe(401);
    const again = await curl("PATCH", `/pats/${pat.id}/secret/reset`, { bearer: access, json: { duration: "30d" } });
    expect(again.status).toBe(200);
    expect((await curl("GET", "/pats", { bearer: access })).body.total).toBe(1);
    expect((await curl("DELETE", `/pats/${pat.id}`, { bearer: access })).status).toBe(204);
    expect(
      (await curl("GET", "/db/query?q=select+count(*)+from+EXAMPLE", { bearer: again.body.secret as string })).status,
    ).toBe(401);
    expect((await curl("GET", `/pats/${pat.id}`, { bearer: access })).status).toBe(404);
  });

  test("bad durations and unknown entity types or operations are 400s naming them", async () => {
    for (const duration of ["forever", "10", "", 5]) {
      const r = await curl("POST", "/pats", { bearer: access, json: { name: "p", duration } });
      expect(r.status).toBe(400);
    }
    const p = (await curl("POST", "/pats", { bearer: access, json: { name: "p" } })).body as Record<
      string,
      string | null
    >;
    expect(p.expires_at).toBeNull(); // no duration: never expires
    const dash = await curl("PATCH", `/pats/${p.id}/scope/add`, {
      bearer: access,
      json: { scopes: [{ entity_type: "widgets", operation: "read", entity_id: "*" }] },
    });
    expect(dash.status).toBe(400);
    expect(dash.body.message as string).toContain('unknown entity_type "widgets"');
    const op = await curl("PATCH", `/pats/${p.id}/scope/add`, {
      bearer: access,
      json: { scopes: [{ entity_type: "channels", operation: "share", entity_id: "*" }] },
    });
    expect(op.status).toBe(400);
    expect(op.body.message as string).toContain('unknown operation "share"');
  });

  test("the seed's three-scope body (clients, channels, dashboards) is a 200 and every seed entity type is accepted", async () => {
    const p = (await curl("POST", "/pats", { bearer: access, json: { name: "seed", duration: "24h" } })).body as Record<
      string,
      string
    >;
    const domain = "c16c980a-9d4c-4793-8fb2-c81304cf1d9f";
    const seed = {
      scopes: [
        { optional_domain_id: domain, entity_type: "clients", operation: "create", entity_id: "*" },
        {
          optional_domain_id: domain,
          entity_type: "channels",
          operation: "create",
          entity_id: "cfbc6936-5748-4339-a8ef-37b64b02bc96",
        },
        { entity_type: "dashboards", optional_domain_id: domain, operation: "read", entity_id: "*" },
      ],
    };
    const add = await curl("PATCH", `/pats/${p.id}/scope/add`, { bearer: access, raw: JSON.stringify(seed, null, 4) });
    expect(add.status).toBe(200);
    const more = await curl("PATCH", `/pats/${p.id}/scope/add`, {
      bearer: access,
      json: {
        scopes: [
          { optional_domain_id: domain, entity_type: "groups", operation: "share", entity_id: "*" },
          { optional_domain_id: domain, entity_type: "domains", operation: "read", entity_id: domain },
          { entity_type: "users", operation: "list", entity_id: "*" },
          { optional_domain_id: domain, entity_type: "messages", operation: "publish", entity_id: "plant" },
          { optional_domain_id: domain, entity_type: "dashboards", operation: "dashboard_share", entity_id: "*" },
          { optional_domain_id: domain, entity_type: "clients", operation: "list_clients", entity_id: "*" },
        ],
      },
    });
    expect(more.status).toBe(200);
    const listed = await curl("GET", `/pats/${p.id}/scopes`, { bearer: access });
    expect(listed.body.total).toBe(9);
    const types = (listed.body.scopes as { entity_type: string }[]).map((s) => s.entity_type);
    expect(new Set(types)).toEqual(
      new Set(["clients", "channels", "dashboards", "groups", "domains", "users", "messages"]),
    );
  });

  test("a PAT expires after its duration", async () => {
    const p = (
      await curl("POST", "/pats", {
        bearer: access,
        json: { name: "short", duration: "1s", scopes: [{ entity_type: "tables", operation: "read", entity_id: "*" }] },
      })
    ).body as Record<string, string>;
    expect((await curl("GET", "/db/query?q=select+count(*)+from+EXAMPLE", { bearer: p.secret })).status).toBe(200);
    await eventually(
      async () => (await curl("GET", "/db/query?q=select+count(*)+from+EXAMPLE", { bearer: p.secret })).status === 401,
      5000,
    );
    expect((await curl("GET", `/pats/${p.id}`, { bearer: access })).body.status).toBe("expired");
  });

  test("every PAT change is in the audit trail", async () => {
    const r = await eventually(async () => {
      const a = await neo([
        "shell",
        "audit",
        "--data",
        srv.data,
        "--user",
        "alice",
        "--kind",
        "change",
        "--format",
        "json",
      ]);
      const rows = JSON.parse(a.stdout) as { action: string }[];
      return rows.some((e) => e.action === "pat.delete") ? rows : undefined;
    });
    const actions = new Set(r.map((e) => e.action));
    for (const a of ["pat.create", "pat.scope_add", "pat.revoke", "pat.reset", "pat.delete"])
      expect(actions.has(a)).toBe(true);
  });
});

describe("neo shell pat", () => {
  test("create, list, scopes, revoke, reset and del for a user from the CLI", async () => {
    const pat = (args: string[]) => neo(["shell", "pat", ...args, "--user", "alice", "--data", srv.data]);
    const made = await pat(["create", "--name", "cli", "--duration", "30d", "--scope", "tables:read:*"]);
    expect(made.code).toBe(0);
    const j = JSON.parse(made.stdout.slice(0, made.stdout.lastIndexOf("}") + 1)) as Record<string, string>;
    expect((await curl("GET", "/db/query?q=select+count(*)+from+EXAMPLE", { bearer: j.secret })).status).toBe(200);
    expect((await pat(["list"])).stdout).toContain(`${j.id}  cli`);
    expect((await pat(["scopes", j.id!, "--add", "channels:publish:plant"])).stdout).toBe(
      "tables:read:*\nchannels:publish:plant\n",
    );
    expect((await pat(["create", "--name", "bad", "--scope", "widgets:read:*"])).stderr).toContain(
      'unknown entity_type "widgets"',
    );
    expect((await pat(["revoke", j.id!])).stdout).toBe("revoked\n");
    expect((await curl("GET", "/db/query?q=select+count(*)+from+EXAMPLE", { bearer: j.secret })).status).toBe(401);
    const reset = await pat(["reset", j.id!]);
    const fresh = (JSON.parse(reset.stdout.slice(0, reset.stdout.lastIndexOf("}") + 1)) as Record<string, string>)
      .secret;
    expect((await curl("GET", "/db/query?q=select+count(*)+from+EXAMPLE", { bearer: fresh })).status).toBe(200);
    expect((await pat(["del", j.id!])).stdout).toBe("deleted\n");
    expect((await pat(["del", j.id!])).code).toBe(1);
  });
});
