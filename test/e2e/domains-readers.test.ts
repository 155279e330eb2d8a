// SuperMQ's readers API in a domain: a client made with POST /<domain>/clients publishes
// SenML with `mosquitto_pub -t m/<domain>/c/<channel>`, then `curl GET
// /<domain>/channels/<id>/messages` (domain by id or route) reads it back, paged and
// filtered, for that client (connected with subscribe) or a PAT scoped to the domain; a key
// of another domain is refused (403) on either spelling (/channels/<id>/messages too); an
// unknown domain or a channel of another domain is 404.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { cleanup, genKey, neo, run, type Server, startServer } from "./harness.ts";
import { requiresTool } from "./requires.ts";
import { curlAnswer } from "./curl-answer.ts";

const need = requiresTool("/usr/bin/mosquitto_pub", "apt-get install mosquitto-clients");
let srv: Server;
let access: string;
const password = "alice-password-1";
type Client = { id: string; credentials: { secret: string } };

async function curl(method: string, path: string, auth?: string, json?: unknown) {
  const args = ["curl", "-s", "-X", method, "-w", "\n%{http_code}", `${srv.httpUrl}${path}`];
  if (auth) args.push("-H", `Authorization: ${auth}`);
  if (json !== undefined) args.push("-H", "Content-Type: application/json", "--data", JSON.stringify(json));
  const r = await run(args);
  return curlAnswer<Record<string, unknown> & { messages?: Record<string, unknown>[] }>(r.stdout);
}

describe.skipIf(need.skip)("the readers API in a SuperMQ domain: GET /<domain>/channels/<id>/messages", () => {
  const admin = () => `Bearer ${access}`;
  beforeAll(async () => {
    need.check();
    srv = await startServer(["--http-enable-token-auth", "true", "--mqtt-enable-token-auth", "true"]);
    const add = await neo(
      ["shell", "user", "add", "alice", "--role", "admin", "--password-stdin", "--data", srv.data],
      { stdin: `${password}\n` },
    );
    if (add.code !== 0) throw new Error(add.stderr);
    access = (await curl("POST", "/users/tokens/issue", undefined, { username: "alice", password })).body
      .access_token as string;
  });
  afterAll(async () => {
    await srv?.stop();
    if (srv) cleanup(srv.data);
  });

  test("a connected client and a domain PAT read SenML published on m/<domain>/c/<channel>; other domains 403; unknown 404", async () => {
    const dom = (await curl("POST", "/domains", admin(), { name: "Mill", route: "mill" })).body;
    const far = (await curl("POST", "/domains", admin(), { name: "Far", route: "far" })).body;
    const client = (await curl("POST", `/${dom.id}/clients`, admin(), { name: "dev" })).body as unknown as Client;
    const stranger = (await curl("POST", `/${far.id}/clients`, admin(), { name: "dev" })).body as unknown as Client;
    expect((await curl("POST", `/${dom.id}/channels`, admin(), { id: "press", table: "PRESS" })).status).toBe(201);
    expect((await curl("POST", `/${far.id}/channels`, admin(), { id: "kiln", table: "KILN" })).status).toBe(201);
    const link = { channel_ids: ["press"], client_ids: [client.id], types: ["publish", "subscribe"] };
    expect((await curl("POST", `/${dom.id}/channels/connect`, admin(), link)).status).toBe(201);

    const pub = (topic: string, m: string) =>
      run([
        "mosquitto_pub",
        "-h",
        srv.mqttHost,
        "-p",
        String(srv.mqttPort),
        "-V",
        "mqttv5",
        "-q",
        "1",
        "-u",
        client.id,
        "-P",
        client.credentials.secret,
        "-i",
        `${client.id}-p`,
        "-t",
        topic,
        "-m",
        m,
      ]);
    const pack =
      '[{"bn":"p1:","bt":1.7e9,"n":"temp","u":"Cel","v":20},{"n":"temp","t":1,"v":21},{"n":"rpm","t":2,"v":900}]';
    expect((await pub("m/mill/c/press", pack)).code).toBe(0);
    expect((await pub(`m/${dom.id}/c/press/line2`, '[{"n":"p1:door","t":1700000003,"vb":true}]')).code).toBe(0);

    const read = (domain: unknown, query = "", auth = `Client ${client.credentials.secret}`, ch = "press") =>
      curl("GET", `/${domain}/channels/${ch}/messages${query}`, auth);
    // the route and the id both name the domain; every record, newest first
    for (const d of ["mill", dom.id]) {
      const all = await read(d);
      expect(all.status).toBe(200);
      expect(all.body).toMatchObject({ offset: 0, limit: 10, format: "messages", total: 4 });
      expect(all.body.messages?.length).toBe(4);
    }
    expect((await read("mill", "?limit=1")).body.messages?.[0]).toEqual({
      channel: "press",
      publisher: client.id,
      protocol: "mqtt",
      subtopic: "line2",
      name: "p1:door",
      time: 1_700_000_003_000_000_000,
      bool_value: true,
    });
    const temps = await read("mill", "?name=p1:temp&v=20.5&comparator=gt");
    expect(temps.body).toMatchObject({ total: 1, name: "p1:temp", comparator: "gt", v: 20.5 });
    expect(temps.body.messages?.[0]).toMatchObject({ name: "p1:temp", value: 21 });
    const paged = await read("mill", "?offset=1&limit=2&dir=asc");
    expect(paged.body).toMatchObject({ offset: 1, limit: 2, total: 4 });
    expect(paged.body.messages?.map((m) => m.value)).toEqual([21, 900]);
    expect((await read("mill", "?subtopic=line2")).body.total).toBe(1);
    expect((await read("mill", "?limit=x")).status).toBe(400);

    // a PAT bound to this domain with subscribe on the channel reads it; in another domain it may not
    const pat = (await curl("POST", "/pats", admin(), { name: "reader", duration: "24h" })).body;
    const scope = { optional_domain_id: dom.id, entity_type: "channels", operation: "subscribe", entity_id: "press" };
    expect((await curl("PATCH", `/pats/${pat.id}/scope/add`, admin(), { scopes: [scope] })).status).toBe(200);
    const byPat = await read("mill", "?limit=2", `Bearer ${pat.secret}`);
    expect(byPat.status).toBe(200);
    expect(byPat.body.total).toBe(4);
    expect((await read("far", "", `Bearer ${pat.secret}`, "kiln")).status).toBe(403);

    // another domain's client, and a default-domain key with channels:subscribe:*: 403 on both spellings
    const outsider = await genKey(srv.data, "outsider", ["--scope", "channels:subscribe:*"]);
    for (const auth of [`Client ${stranger.credentials.secret}`, `Client ${outsider.token}`]) {
      const r = await read("mill", "", auth);
      expect(r.status).toBe(403);
      expect(r.body.reason as string).toContain("another domain");
      expect((await curl("GET", "/channels/press/messages", auth)).status).toBe(403);
    }
    // the connected client reads its channel on the Mainflux spelling too (decided in the channel's domain)
    const plain = await curl("GET", "/channels/press/messages?limit=1", `Client ${client.credentials.secret}`);
    expect(plain.status).toBe(200);
    expect(plain.body).toMatchObject({ limit: 1, total: 4 });

    // unknown domain, unknown channel, a channel of another domain under this one: 404
    expect((await read("nowhere")).status).toBe(404);
    expect((await read("mill", "", admin(), "nothing")).status).toBe(404);
    expect((await read("mill", "", admin(), "kiln")).status).toBe(404);
    expect((await read("far", "", admin(), "kiln")).body).toMatchObject({ total: 0 });
    // no credential: 401
    expect((await curl("GET", "/mill/channels/press/messages")).status).toBe(401);
  }, 60_000);
});
