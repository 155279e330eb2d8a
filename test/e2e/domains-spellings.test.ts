// `m/<domain route>/c/<channel>` and `m/<domain id>/c/<channel>` are ONE topic: a message
// published (mosquitto_pub, curl POST /m/...) under either spelling reaches mosquitto_sub
// subscribers of both, and a filter matching both spellings (m/+/c/<channel>) gets it once.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { cleanup, eventually, neo, run, type Server, startServer } from "./harness.ts";
import { requiresTool } from "./requires.ts";

const need = requiresTool("/usr/bin/mosquitto_sub", "apt-get install mosquitto-clients");
let srv: Server;
const password = "alice-password-1";
const subs: ReturnType<typeof Bun.spawn>[] = [];

async function api(method: string, path: string, token: string, body?: unknown) {
  const r = await fetch(`${srv.httpUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return (await r.json()) as Record<string, unknown>;
}

/** mosquitto_sub -d -v on `filter`: resolves once its SUBACK came; `got` collects "topic payload" lines */
async function subscribe(user: string, pass: string, clientId: string, filter: string) {
  const p = Bun.spawn(
    [
      // line-buffered: a pipe would hold the SUBACK line back
      ...[
        "stdbuf",
        "-oL",
        "mosquitto_sub",
        "-h",
        srv.mqttHost,
        "-p",
        String(srv.mqttPort),
        "-V",
        "mqttv311",
        "-d",
        "-v",
      ],
      ...["-u", user, "-P", pass, "-i", clientId, "-t", filter],
    ],
    { stdout: "pipe", stderr: "pipe" },
  );
  subs.push(p);
  const got: string[] = [];
  let subacked = false;
  void (async () => {
    let rest = "";
    for await (const chunk of p.stdout as ReadableStream<Uint8Array>) {
      rest += new TextDecoder().decode(chunk);
      const lines = rest.split("\n");
      rest = lines.pop() ?? "";
      for (const l of lines) {
        if (l.includes("received SUBACK")) subacked = true;
        else if (l.startsWith("m/")) got.push(l);
      }
    }
  })();
  await eventually(() => subacked).catch(async (e) => {
    p.kill();
    throw new Error(`${clientId}: no SUBACK (${await new Response(p.stderr as ReadableStream).text()})`, { cause: e });
  });
  return got;
}

describe.skipIf(need.skip)("one topic, two spellings", () => {
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
    for (const p of subs) p.kill();
    await Promise.all(subs.map((p) => p.exited));
    await srv?.stop();
    if (srv) cleanup(srv.data);
  });

  test("m/<route>/c/<ch> and m/<id>/c/<ch> reach subscribers of either spelling, a wildcard once", async () => {
    const login = await fetch(`${srv.httpUrl}/users/tokens/issue`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "alice", password }),
    });
    const token = ((await login.json()) as { access_token: string }).access_token;
    const dom = await api("POST", "/domains", token, { name: "Plant", route: "plant" });
    const id = dom.id as string;
    const client = (await api("POST", `/${id}/clients`, token, { name: "dev" })) as {
      id: string;
      credentials: { secret: string };
    };
    const secret = client.credentials.secret;
    expect((await neo(["shell", "channel", "create", "line1", "--domain", "plant", "--data", srv.data])).code).toBe(0);
    expect((await neo(["shell", "channel", "connect", "line1", client.id, "--data", srv.data])).code).toBe(0);

    const byRoute = await subscribe(client.id, secret, "sub-route", "m/plant/c/line1/#");
    const byId = await subscribe(client.id, secret, "sub-id", `m/${id}/c/line1/#`);
    // a filter with a wildcard for the domain: a user's PAT (users act in every domain their scopes allow)
    const pat = (await api("POST", "/pats", token, {
      name: "watch",
      scopes: [
        { entity_type: "topics", operation: "subscribe", entity_id: "m/+/c/line1/#" },
        { entity_type: "channels", operation: "subscribe", entity_id: "line1" },
      ],
    })) as { secret: string };
    const wild = await subscribe("alice", pat.secret, "sub-wild", "m/+/c/line1/#");

    // the WebSocket adapter on the id spelling (a socket gets exactly its topic, under either spelling)
    const ws = new WebSocket(
      `${srv.httpUrl.replace(/^http/, "ws")}/m/${id}/c/line1?authorization=${encodeURIComponent(secret)}`,
    );
    const frames: string[] = [];
    ws.onmessage = (e) => frames.push(String(e.data));
    await new Promise((resolve, reject) => {
      ws.onopen = resolve;
      ws.onerror = reject;
    });

    const pub = (topic: string, m: string) =>
      run([
        ...["mosquitto_pub", "-h", srv.mqttHost, "-p", String(srv.mqttPort), "-q", "1"],
        ...["-u", client.id, "-P", secret, "-i", "pub-1", "-t", topic, "-m", m],
      ]);
    expect((await pub("m/plant/c/line1", "p1")).code).toBe(0);
    expect((await pub(`m/${id}/c/line1/room1`, "p2")).code).toBe(0);
    const http = await fetch(`${srv.httpUrl}/m/${id}/c/line1`, {
      method: "POST",
      headers: { authorization: `Client ${secret}`, "content-type": "application/senml+json" },
      body: '[{"n":"t","v":3}]',
    });
    expect(http.status).toBe(202);
    expect((await pub("m/plant/c/line1", "p4")).code).toBe(0);

    await eventually(() => [byRoute, byId, wild].every((g) => g.some((l) => l.endsWith(" p4")))).catch((e) => {
      console.log(JSON.stringify({ byRoute, byId, wild }));
      throw e;
    });
    expect(byRoute).toEqual([
      "m/plant/c/line1 p1",
      "m/plant/c/line1/room1 p2",
      'm/plant/c/line1 [{"n":"t","v":3}]',
      "m/plant/c/line1 p4",
    ]);
    expect(byId).toEqual([
      `m/${id}/c/line1 p1`,
      `m/${id}/c/line1/room1 p2`,
      `m/${id}/c/line1 [{"n":"t","v":3}]`,
      `m/${id}/c/line1 p4`,
    ]);
    await eventually(() => frames.includes("p4"));
    expect(frames).toEqual(["p1", '[{"n":"t","v":3}]', "p4"]);
    ws.close();
    // the wildcard matches both spellings: one copy each, under the spelling it was published on
    expect(wild.map((l) => l.slice(l.lastIndexOf(" ") + 1))).toEqual(["p1", "p2", '[{"n":"t","v":3}]', "p4"]);
  });
});
