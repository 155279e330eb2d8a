// A Mainflux provisioning script, as its docs (provision.md) write it, against neo: login
// with POST /tokens, things and a channel with the bare `Authorization: <user token>`,
// POST /connect, then the things publish with mosquitto_pub -u <id> -P <key> and curl
// `Authorization: Thing <key>`; a disconnect refuses the next publish. neo's own /channels
// ({"id","table"}, Bearer) keeps answering neo's shape on the same routes.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { cleanup, eventually, neo, run, type Server, startServer } from "./harness.ts";
import { requiresTool } from "./requires.ts";

const need = requiresTool("/usr/bin/mosquitto_pub", "apt-get install mosquitto-clients");
let srv: Server;
const password = "alice-password-1";

/** curl -i: status, headers and body, as a provisioning script reads them */
async function curl(method: string, path: string, auth: string | null, json?: unknown) {
  const args = ["curl", "-s", "-i", "-X", method, `${srv.httpUrl}${path}`];
  if (auth !== null) args.push("-H", `Authorization: ${auth}`);
  if (json !== undefined) args.push("-H", "Content-Type: application/json", "--data", JSON.stringify(json));
  const out = (await run(args)).stdout;
  const split = out.indexOf("\r\n\r\n");
  const head = out.slice(0, split).split("\r\n");
  const text = out.slice(split + 4);
  const headers = new Map(
    head.slice(1).map((l) => [l.slice(0, l.indexOf(":")).toLowerCase(), l.slice(l.indexOf(":") + 1).trim()]),
  );
  const status = Number(head[0]!.split(" ")[1]);
  return { status, headers, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
}

const pub = (user: string, pass: string, topic: string, m: string) =>
  run([
    ...["mosquitto_pub", "-h", srv.mqttHost, "-p", String(srv.mqttPort), "-V", "mqttv5", "-q", "1"],
    ...["-u", user, "-P", pass, "-i", `${user}-pub`, "-t", topic, "-m", m, "-d"],
  ]);

describe.skipIf(need.skip)("Mainflux provisioning calls", () => {
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
  });
  afterAll(async () => {
    await srv?.stop();
    if (srv) cleanup(srv.data);
  });

  test("login, two things, a channel, connect: mosquitto_pub and curl publish; disconnect refuses the next publish", async () => {
    // login: Mainflux's {"email","password"} -> {"token"}; a wrong password is 401
    expect((await curl("POST", "/tokens", null, { email: "alice@example.com", password: "nope-nope" })).status).toBe(
      401,
    );
    const login = await curl("POST", "/tokens", null, { email: "alice@example.com", password });
    expect(login.status).toBe(201);
    const token = login.body.token as string;

    // one thing: 201 with Location (the key once, in the body); the second in bulk
    const one = await curl("POST", "/things", token, { name: "weio", metadata: { serial: "1" } });
    expect(one.status).toBe(201);
    const id1 = one.headers.get("location")!.replace("/things/", "");
    const key1 = one.body.key as string;
    expect(one.body.id).toBe(id1);
    const bulk = await curl("POST", "/things/bulk", token, [{ name: "bob" }]);
    expect(bulk.status).toBe(201);
    const [bob] = bulk.body.things as { id: string; name: string; key: string }[];
    expect(bob!.name).toBe("bob");

    const things = await curl("GET", "/things?offset=0&limit=5", token);
    expect(things.status).toBe(200);
    expect(things.body).toMatchObject({ total: 2, offset: 0, limit: 5 });
    expect(things.body.things).toContainEqual({ id: id1, name: "weio", metadata: { serial: "1" } });
    const bySerial = await curl("GET", `/things?metadata=${encodeURIComponent('{"serial":"1"}')}`, token);
    expect(bySerial.body).toMatchObject({ total: 1, things: [{ id: id1 }] });
    expect((await curl("GET", `/things/${bob!.id}`, token)).body).toEqual({ id: bob!.id, name: "bob" });
    // as its SDK sends it: the whole thing, key included (ignored: name and metadata change)
    expect((await curl("PUT", `/things/${bob!.id}`, token, { ...bob, name: "bobby" })).status).toBe(200);
    expect((await curl("GET", `/things/${bob!.id}`, token)).body.name).toBe("bobby");

    // a channel the Mainflux way; neo's own form beside it on the same routes
    const ch = await curl("POST", "/channels", token, { name: "mychan" });
    expect(ch.status).toBe(201);
    const chId = ch.headers.get("location")!.replace("/channels/", "");
    const own = await curl("POST", "/channels", `Bearer ${token}`, { id: "line-1", table: "LINE_1" });
    expect(own.status).toBe(201);
    expect(own.body).toMatchObject({ success: true, data: { id: "line-1", table: "LINE_1" } });
    const list = await curl("GET", "/channels", token);
    expect(list.body).toMatchObject({ total: 2, offset: 0, limit: 10 });
    expect(list.body.channels).toContainEqual({ id: chId, name: "mychan" });
    expect((await curl("GET", "/channels", `Bearer ${token}`)).body.success).toBe(true);
    const table = ((await curl("GET", `/channels/${chId}`, `Bearer ${token}`)).body.data as { table: string }).table;
    expect((await curl("GET", `/channels/${chId}`, token)).body).toEqual({ id: chId, name: "mychan" });

    // connect both things; who is connected to what
    const conn = await curl("POST", "/connect", token, { channel_ids: [chId], thing_ids: [id1, bob!.id] });
    expect(conn.status).toBe(200);
    expect((await curl("GET", `/channels/${chId}/things`, token)).body.total).toBe(2);
    const chans = await curl("GET", `/things/${id1}/channels`, token);
    expect(chans.body).toMatchObject({ total: 1, channels: [{ id: chId, name: "mychan" }] });
    // an unknown thing: nothing is connected (404)
    expect((await curl("POST", "/connect", token, { channel_ids: [chId], thing_ids: ["nobody"] })).status).toBe(404);

    // the devices: MQTT with -u <thing id> -P <thing key>, HTTP with Authorization: Thing <key>
    const senml = JSON.stringify([{ n: "t", v: 1 }]);
    const r = await pub(id1, key1, `channels/${chId}/messages`, senml);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain("RC:135");
    const http = await run([
      ...["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST"],
      ...["-H", `Authorization: Thing ${bob!.key}`, "-H", "Content-Type: application/senml+json"],
      ...[`${srv.httpUrl}/http/channels/${chId}/messages`, "--data", senml],
    ]);
    expect(http.stdout).toBe("202");
    await eventually(async () => {
      const q = await curl("GET", `/db/query?q=select+count(*)+from+${table}`, `Bearer ${token}`);
      return (q.body.data as { rows: number[][] } | undefined)?.rows[0]?.[0] === 2;
    });

    // disconnect: the next publish is refused (v5 PUBACK 0x87)
    expect((await curl("DELETE", `/channels/${chId}/things/${id1}`, token)).status).toBe(204);
    await eventually(async () => (await pub(id1, key1, `channels/${chId}/messages`, senml)).stdout.includes("RC:135"));
    expect((await curl("GET", `/channels/${chId}/things`, token)).body.total).toBe(1);

    // removing: a thing (its key dies with it) and the channel, 204 each
    expect((await curl("DELETE", `/things/${bob!.id}`, token)).status).toBe(204);
    expect((await curl("DELETE", `/channels/${chId}`, token)).status).toBe(204);
    expect((await curl("GET", `/things/${bob!.id}`, token)).status).toBe(404);
  });

  test("no token is 401, a thing's key cannot manage things (403), a chosen key is refused (400)", async () => {
    expect((await curl("GET", "/things", null)).status).toBe(401);
    const token = (await curl("POST", "/tokens", null, { email: "alice", password })).body.token as string;
    const t = await curl("POST", "/things", token, { name: "d" });
    expect((await curl("GET", "/things", t.body.key as string)).status).toBe(403);
    expect((await curl("POST", "/things", token, { name: "x", key: "my-key" })).status).toBe(400);
  });
});
