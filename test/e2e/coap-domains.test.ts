// SuperMQ's CoAP form, driven by Debian's libcoap client (coap-client-openssl):
// POST coap://<host>/m/<domain>/c/<channel>[/subtopic]?auth=<secret> stores SenML in the
// channel's table as MQTT and HTTP do; GET with Observe on the same path receives what
// MQTT publishes on m/<domain>/c/<channel>; nothing crosses domains (a client of another
// domain: 4.03; a path naming a domain the channel does not live in, or a channel that does not
// exist: the same 4.03, as HTTP answers 403: the right is decided before existence is told).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import mqtt from "mqtt";
import { coap, coapBackground, coapClient } from "./coap-clients.ts";
import { openGateway, TOKEN_AUTH, type Gateway } from "./fixture.ts";
import { eventually, genKey, neo } from "./harness.ts";

let gw: Gateway & { close(): Promise<void> };
let base: string;
let access: string;
let plant: { id: string };
const client = { id: "", secret: "" };
const stranger = { id: "", secret: "" };

const shell = async (...args: string[]) => {
  const r = await neo(["shell", ...args, "--data", gw.srv.data]);
  if (r.code !== 0) throw new Error(`neo shell ${args.join(" ")}: ${r.stderr}`);
};
const api = async (method: string, path: string, json?: unknown) => {
  const r = await gw.http(
    path,
    {
      method,
      ...(json !== undefined ? { body: JSON.stringify(json), headers: { "content-type": "application/json" } } : {}),
    },
    access,
  );
  return (await r.json()) as Record<string, unknown>;
};
const rows = async () =>
  ((await gw.query("select count(*) from LINE1", "", access)).body.data?.rows[0]?.[0] as number | undefined) ?? 0;
// a SuperMQ secret (<client id>:b:<64 hex>) makes the query ~110 bytes: coap-client (libcoap
// 4.3) silently drops a URI query over 98 bytes, so it goes as an explicit Uri-Query (15) option
const url = (path: string, secret: string) => ["-O", `15,auth=${secret}`, `${base}/${path}`];
const SENML = (v: number) => JSON.stringify([{ bn: "m1:", n: "temp", u: "Cel", v }]);

beforeAll(async () => {
  if (!coapClient.skip) coapClient.check(); // CI: a missing client fails here
  gw = await openGateway({ config: 'Coap { Listen = "127.0.0.1:0" }\n', args: TOKEN_AUTH });
  base = `coap://${gw.srv.ready.coap}`;
  const add = await neo(
    ["shell", "user", "add", "alice", "--role", "admin", "--password-stdin", "--data", gw.srv.data],
    {
      stdin: "alice-password-1\n",
    },
  );
  if (add.code !== 0) throw new Error(add.stderr);
  const login = await gw.http(
    "/users/tokens/issue",
    { method: "POST", body: JSON.stringify({ username: "alice", password: "alice-password-1" }) },
    null,
  );
  access = ((await login.json()) as { access_token: string }).access_token;
  plant = (await api("POST", "/domains", { name: "Plant", route: "plant" })) as { id: string };
  const far = (await api("POST", "/domains", { name: "Far", route: "far" })) as { id: string };
  for (const [who, dom] of [
    [client, plant.id],
    [stranger, far.id],
  ] as const) {
    const c = (await api("POST", `/${dom}/clients`, { name: "dev" })) as {
      id: string;
      credentials: { secret: string };
    };
    who.id = c.id;
    who.secret = c.credentials.secret;
  }
  await shell("channel", "create", "line1", "--domain", "plant");
  await shell("channel", "connect", "line1", client.id);
  await shell("channel", "connect", "line1", client.id, "--subscribe");
}, 30_000);
afterAll(async () => {
  await gw?.close();
});

describe.skipIf(coapClient.skip)("coap-client on SuperMQ's m/<domain>/c/<channel>", () => {
  test("POST /m/<route>/c/<channel> and /m/<domain id>/c/<channel>/<subtopic> store SenML (2.04)", async () => {
    for (const path of ["m/plant/c/line1", `m/${plant.id}/c/line1/room1`]) {
      const r = await coap(["-m", "post", "-t", "110", "-e", SENML(21.5), "-v", "6", ...url(path, client.secret)]);
      expect(r.code).toBe(0);
      expect(r.stdout + r.stderr).toContain("c:2.04");
    }
    expect(await rows()).toBe(2);
  });

  test("nothing crosses domains: another domain's client 4.03, a domain the channel is not in or a missing channel 4.03 too", async () => {
    const out = async (path: string, secret: string) =>
      (await coap(["-v", "6", "-m", "post", "-t", "110", "-e", SENML(1), ...url(path, secret)])).stdout;
    const before = await rows();
    expect(await out("m/plant/c/line1", stranger.secret)).toContain("c:4.03");
    // a default-domain key, even with channels:publish:*, never publishes into another domain
    const k = await genKey(gw.srv.data, "outsider", ["--scope", "channels:publish:*"]);
    expect(await out("m/plant/c/line1", k.token)).toContain("c:4.03");
    // no right there: the same 4.03 whether a channel of that id exists there or not
    expect(await out("m/far/c/line1", client.secret)).toContain("c:4.03");
    expect(await out("m/default/c/line1", client.secret)).toContain("c:4.03");
    expect(await out("m/nowhere/c/line1", client.secret)).toContain("c:4.03");
    expect(await out("m/plant/c/nothing", client.secret)).toContain("c:4.03");
    expect(await out("m/plant/c/nothing", stranger.secret)).toContain("c:4.03");
    // observing too
    const obs = await coap(["-v", "6", "-s", "1", ...url("m/plant/c/line1", stranger.secret)]);
    expect(obs.stdout).toContain("c:4.03");
    expect(await rows()).toBe(before);
    await eventually(async () => {
      const r = await neo(["shell", "audit", "--data", gw.srv.data, "--format", "json", "--result", "fail"]);
      const events = JSON.parse(r.stdout) as { kind: string; action: string; listener?: string; client?: string }[];
      return events.some(
        (e) =>
          e.kind === "deny" && e.action === "channels:publish" && e.listener === "coap" && e.client === stranger.id,
      );
    });
  });

  test("an observer on m/<domain>/c/<channel>/<sub> gets what MQTT publishes there, and MQTT what CoAP posts", async () => {
    const obs = coapBackground(["-s", "30", "-v", "6", ...url("m/plant/c/line1/room1", client.secret)]);
    const sub = await mqtt.connectAsync(gw.url, {
      username: client.id,
      password: client.secret,
      protocolVersion: 5,
      reconnectPeriod: 0,
    });
    try {
      await obs.waitFor("t:ACK c:2.05"); // registered (the piggybacked 2.05 with Observe)
      const got: { topic: string; payload: string }[] = [];
      sub.on("message", (topic, payload) => got.push({ topic, payload: payload.toString() }));
      await sub.subscribeAsync("m/plant/c/line1/#", { qos: 1 });
      await sub.publishAsync("m/plant/c/line1/room1", "from-mqtt-1", { qos: 1 });
      await obs.waitFor("from-mqtt-1");
      const r = await coap(["-m", "post", "-e", "from-coap-1", ...url("m/plant/c/line1/room1", client.secret)]);
      expect(r.code).toBe(0);
      await obs.waitFor("from-coap-1");
      await eventually(() => got.some((m) => m.topic === "m/plant/c/line1/room1" && m.payload === "from-coap-1"));
    } finally {
      await sub.endAsync();
      await obs.stop();
    }
  });
});
