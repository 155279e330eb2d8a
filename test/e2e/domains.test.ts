// SuperMQ domains with curl (SuperMQ's API, JSON shapes and codes), a PAT bound to one
// domain by optional_domain_id, `neo shell domain ...`, and a disabled or frozen domain
// stopping its keys: live MQTT sessions cut within a second, new ones refused (mosquitto_pub).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import mqtt from "mqtt";
import { cleanup, genKey, neo, run, type Server, startServer } from "./harness.ts";
import { closedWith } from "./mqtt-clients.ts";
import { requiresTool } from "./requires.ts";
import { curlAnswer } from "./curl-answer.ts";

const need = requiresTool("/usr/bin/mosquitto_pub", "apt-get install mosquitto-clients");
const DEFAULT = "00000000-0000-4000-8000-000000000000";
let srv: Server;
let access: string;
const password = "alice-password-1";

async function curl(method: string, path: string, opts: { bearer?: string; json?: unknown } = {}) {
  const args = ["curl", "-s", "-X", method, "-w", "\n%{http_code}", `${srv.httpUrl}${path}`];
  if (opts.bearer) args.push("-H", `Authorization: Bearer ${opts.bearer}`);
  if (opts.json !== undefined) args.push("-H", "Content-Type: application/json", "--data", JSON.stringify(opts.json));
  const r = await run(args);
  return curlAnswer(r.stdout);
}
const shell = (args: string[]) => neo(["shell", "domain", ...args, "--data", srv.data]);

describe.skipIf(need.skip)("SuperMQ domains", () => {
  beforeAll(async () => {
    need.check();
    srv = await startServer(["--http-enable-token-auth", "true", "--mqtt-enable-token-auth", "true"]);
    const add = await neo(
      ["shell", "user", "add", "alice", "--role", "admin", "--password-stdin", "--data", srv.data],
      {
        stdin: `${password}\n`,
      },
    );
    if (add.code !== 0) throw new Error(add.stderr);
    access = (await curl("POST", "/users/tokens/issue", { json: { username: "alice", password } })).body
      .access_token as string;
  });
  afterAll(async () => {
    await srv?.stop();
    if (srv) cleanup(srv.data);
  });

  test("SuperMQ's domain API: create 201, list, view, update, enable/disable/freeze 200; bad input 400, unknown 404, taken route 409", async () => {
    const made = await curl("POST", "/domains", {
      bearer: access,
      json: { name: "Plant North", route: "north", tags: ["plant"], metadata: { site: "n" } },
    });
    expect(made.status).toBe(201);
    const d = made.body;
    expect(d.id as string).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(d).toMatchObject({ name: "Plant North", route: "north", tags: ["plant"], metadata: { site: "n" } });
    expect(d).toMatchObject({ status: "enabled", created_by: "alice" });
    expect(Date.parse(d.created_at as string)).toBeGreaterThan(0);

    const list = await curl("GET", "/domains", { bearer: access });
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ total: 2, offset: 0, limit: 10 });
    expect((list.body.domains as { route: string }[]).map((x) => x.route)).toEqual(["default", "north"]);
    expect((await curl("GET", `/domains/${d.id}`, { bearer: access })).body.route).toBe("north");

    const upd = await curl("PATCH", `/domains/${d.id}`, { bearer: access, json: { name: "North", tags: ["a", "b"] } });
    expect(upd.status).toBe(200);
    expect(upd.body).toMatchObject({ name: "North", tags: ["a", "b"], route: "north", updated_by: "alice" });

    for (const op of ["disable", "freeze", "enable"]) {
      const r = await curl("POST", `/domains/${d.id}/${op}`, { bearer: access });
      expect(r.status).toBe(200);
      expect(r.text).toBe("");
    }
    expect((await curl("GET", `/domains/${d.id}`, { bearer: access })).body.status).toBe("enabled");

    expect((await curl("POST", "/domains", { bearer: access, json: { name: "x" } })).status).toBe(400); // no route
    const bad = await curl("POST", "/domains", { bearer: access, json: { name: "x", route: "9bad" } });
    expect(bad.status).toBe(400);
    expect(bad.body.message as string).toContain("route");
    expect((await curl("POST", "/domains", { bearer: access, json: { name: "y", route: "north" } })).status).toBe(409);
    expect((await curl("GET", "/domains/5b1c1c6e-0000-4000-8000-000000000001", { bearer: access })).status).toBe(404);
    expect((await curl("GET", "/domains")).status).toBe(401);
  });

  test("a PAT whose scope names optional_domain_id reaches that domain only", async () => {
    const north = (await curl("GET", "/domains?name=North", { bearer: access })).body.domains as { id: string }[];
    const id = north[0]!.id;
    const pat = (await curl("POST", "/pats", { bearer: access, json: { name: "north", duration: "1h" } })).body;
    const scope = { optional_domain_id: id, entity_type: "domains", operation: "read", entity_id: "*" };
    expect(
      (await curl("PATCH", `/pats/${pat.id}/scope/add`, { bearer: access, json: { scopes: [scope] } })).status,
    ).toBe(200);
    const secret = pat.secret as string;
    expect((await curl("GET", `/domains/${id}`, { bearer: secret })).status).toBe(200);
    expect((await curl("GET", `/domains/${DEFAULT}`, { bearer: secret })).status).toBe(403);
    expect((await curl("POST", `/domains/${id}/disable`, { bearer: secret })).status).toBe(403);
    const listed = await curl("GET", "/domains", { bearer: secret });
    expect(listed.status).toBe(200);
    expect((listed.body.domains as { id: string }[]).map((x) => x.id)).toEqual([id]);
  });

  test("neo shell domain create, list, show, update, freeze, enable, del", async () => {
    const c = await shell(["create", "south", "--name", "Plant South", "--tags", "x,y"]);
    expect(c.code).toBe(0);
    expect(c.stdout).toMatch(/^created domain [0-9a-f-]{36} \(route south\)\n$/);
    expect((await shell(["list"])).stdout).toContain("Plant South");
    const shown = JSON.parse((await shell(["show", "south"])).stdout) as Record<string, unknown>;
    expect(shown).toMatchObject({ route: "south", tags: ["x", "y"], status: "enabled", created_by: "operator" });
    expect((await shell(["update", "south", "--metadata", '{"floor":2}'])).code).toBe(0);
    expect((await shell(["freeze", "south"])).stdout).toContain("is frozen");
    expect((await curl("GET", `/domains/${shown.id}`, { bearer: access })).body).toMatchObject({
      status: "frozen",
      metadata: { floor: 2 },
    });
    expect((await shell(["enable", "south"])).stdout).toContain("is enabled");
    expect((await shell(["del", "south"])).stdout).toBe("deleted\n");
    const gone = await shell(["show", "south"]);
    expect(gone.code).not.toBe(0);
    expect(gone.stderr).toContain('no domain "south"');
    const dflt = await shell(["del", "default"]);
    expect(dflt.code).not.toBe(0);
    expect(dflt.stderr).toContain("cannot be deleted");
  });

  test("a disabled or frozen domain stops its keys within a second and refuses new connections", async () => {
    const k = await genKey(srv.data, "dom-dev1");
    const pub = () =>
      run([
        "mosquitto_pub",
        "-h",
        srv.mqttHost,
        "-p",
        String(srv.mqttPort),
        "-u",
        k.token,
        "-i",
        "dom-p",
        "-t",
        "t/1",
        "-m",
        "1",
      ]);
    expect((await pub()).code).toBe(0);
    for (const op of ["disable", "freeze"]) {
      const c = await mqtt.connectAsync(`mqtt://${srv.mqttHost}:${srv.mqttPort}`, {
        username: k.token,
        clientId: "dom-dev1",
        protocolVersion: 5,
        reconnectPeriod: 0,
      });
      const gone = closedWith(c);
      const t0 = Date.now();
      expect((await shell([op, "default"])).code).toBe(0);
      expect(await gone).toBe(0x98);
      expect(Date.now() - t0).toBeLessThan(1500);
      const refused = await pub();
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toMatch(/not authori[sz]ed|refused/i);
      expect(
        (
          await run([
            "curl",
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "-H",
            `Authorization: Bearer ${k.token}`,
            `${srv.httpUrl}/db/query?q=select+1`,
          ])
        ).stdout,
      ).toBe("401");
      expect((await shell(["enable", "default"])).code).toBe(0);
      expect((await pub()).code).toBe(0);
    }
  });

  test("the seed's client-create example works verbatim with a PAT scoped to the domain, 403 in another; list, view, update, disable, enable, delete", async () => {
    const dom = (await curl("POST", "/domains", { bearer: access, json: { name: "Seed", route: "seed" } })).body;
    const other = (await curl("POST", "/domains", { bearer: access, json: { name: "Other", route: "other" } })).body;
    const pat = (await curl("POST", "/pats", { bearer: access, json: { name: "ci", duration: "24h" } })).body;
    const scope = { optional_domain_id: dom.id, entity_type: "clients", operation: "create", entity_id: "*" };
    await curl("PATCH", `/pats/${pat.id}/scope/add`, { bearer: access, json: { scopes: [scope] } });
    const seed = (domain: unknown) =>
      run([
        "curl",
        "-s",
        "-w",
        "\n%{http_code}",
        "--location",
        `${srv.httpUrl}/${domain}/clients`,
        "--header",
        "accept: application/json",
        "--header",
        "Content-Type: application/json",
        "--header",
        `Authorization: Bearer ${pat.secret}`,
        "--data",
        '{\n  "name": "test client",\n  "tags": [\n    "tag1",\n    "tag2"\n  ],\n  "metadata":{"units":"km"},\n  "status": "enabled"\n}',
      ]);
    const made = await seed(dom.id);
    const [text, code] = [
      made.stdout.slice(0, made.stdout.lastIndexOf("\n")),
      made.stdout.slice(made.stdout.lastIndexOf("\n") + 1),
    ];
    expect(code).toBe("201");
    const client = JSON.parse(text) as { id: string; credentials: { secret: string } } & Record<string, unknown>;
    expect(client).toMatchObject({
      name: "test client",
      tags: ["tag1", "tag2"],
      metadata: { units: "km" },
      status: "enabled",
      domain_id: dom.id,
    });
    expect(client.credentials.secret as string).toStartWith(`${client.id}:b:`);
    const elsewhere = await seed(other.id);
    expect(elsewhere.stdout.slice(elsewhere.stdout.lastIndexOf("\n") + 1)).toBe("403");
    expect((await seed(DEFAULT)).stdout.endsWith("403")).toBe(true);
    // the PAT may create, not read: list is 403 for it; the admin sees the client
    expect((await curl("GET", `/${dom.id}/clients`, { bearer: pat.secret as string })).status).toBe(403);
    const list = await curl("GET", `/${dom.id}/clients`, { bearer: access });
    expect(list.body).toMatchObject({ total: 1, offset: 0, limit: 10 });
    expect((await curl("GET", `/seed/clients/${client.id}`, { bearer: access })).body.name).toBe("test client"); // route works too
    expect((await curl("GET", `/${other.id}/clients/${client.id}`, { bearer: access })).status).toBe(404);
    const upd = await curl("PATCH", `/${dom.id}/clients/${client.id}`, {
      bearer: access,
      json: { name: "renamed", metadata: { units: "m" } },
    });
    expect(upd.body).toMatchObject({ name: "renamed", metadata: { units: "m" }, tags: ["tag1", "tag2"] });
    expect(
      (await curl("PATCH", `/${dom.id}/clients/${client.id}/tags`, { bearer: access, json: { tags: ["t"] } })).body
        .tags,
    ).toEqual(["t"]);
    // the client is a neo key of that domain: usable (MQTT username = id, password = secret), nothing of the default domain
    const pub = () =>
      run([
        "mosquitto_pub",
        "-h",
        srv.mqttHost,
        "-p",
        String(srv.mqttPort),
        "-u",
        client.id,
        "-P",
        client.credentials.secret,
        "-i",
        client.id,
        "-t",
        "t/1",
        "-m",
        "1",
      ]);
    expect((await pub()).code).toBe(0);
    const q = await run([
      "curl",
      "-s",
      "-o",
      "/dev/null",
      "-w",
      "%{http_code}",
      "-H",
      `Authorization: Bearer ${client.credentials.secret}`,
      `${srv.httpUrl}/db/query?q=select+count(*)+from+EXAMPLE`,
    ]);
    expect(q.stdout).toBe("403");
    expect((await neo(["shell", "key", "list", "--data", srv.data])).stdout).toContain(client.id);
    const listed = JSON.parse((await neo(["shell", "key", "list", "--format", "json", "--data", srv.data])).stdout) as {
      id: string;
      domain?: string;
    }[];
    expect(listed.find((k) => k.id === client.id)?.domain).toBe(dom.id as string);
    expect((await curl("POST", `/${dom.id}/clients/${client.id}/disable`, { bearer: access })).body.status).toBe(
      "disabled",
    );
    expect((await pub()).code).not.toBe(0);
    expect((await curl("POST", `/${dom.id}/clients/${client.id}/enable`, { bearer: access })).body.status).toBe(
      "enabled",
    );
    expect((await pub()).code).toBe(0);
    // a new secret: the old one is dead at once, the new one works
    const rot = await curl("PATCH", `/${dom.id}/clients/${client.id}/secret`, { bearer: access, json: {} });
    expect(rot.status).toBe(200);
    const fresh = (rot.body.credentials as { secret: string }).secret;
    expect(fresh).not.toBe(client.credentials.secret);
    expect((await pub()).code).not.toBe(0);
    client.credentials.secret = fresh;
    expect((await pub()).code).toBe(0);
    expect((await curl("DELETE", `/${dom.id}/clients/${client.id}`, { bearer: access })).status).toBe(204);
    expect((await curl("GET", `/${dom.id}/clients/${client.id}`, { bearer: access })).status).toBe(404);
    expect((await pub()).code).not.toBe(0);
  });
});
