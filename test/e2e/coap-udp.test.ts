// CoAP over UDP as a Mainflux device uses it, driven by Debian's libcoap client
// (coap-client-openssl): SenML stored as MQTT and HTTP store it, the Mainflux codes and
// the audit trail, CoAP and MQTT (and HTTP) in both directions, block-wise uploads and
// notifications, and an observation's end when its key loses the channel. The message
// layer with a raw socket is coap-udp-raw.test.ts.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { coap, coapBackground, coapClient } from "./coap-clients.ts";
import { openGateway, type Gateway } from "./fixture.ts";
import { eventually, neo } from "./harness.ts";
import { connectCollect } from "./mqtt-clients.ts";

let gw: Gateway & { close(): Promise<void> };
let port: number;
let base: string;
const shell = async (...args: string[]) => {
  const r = await neo(["shell", ...args, "--data", gw.srv.data]);
  if (r.code !== 0) throw new Error(`neo shell ${args.join(" ")}: ${r.stderr}`);
};
const rows = async (table: string) => (await gw.query(`select count(*) from ${table}`)).body.data?.rows[0]?.[0] ?? 0;

beforeAll(async () => {
  if (!coapClient.skip) coapClient.check(); // CI: a missing client fails here
  gw = await openGateway({
    config: 'Coap { Listen = "127.0.0.1:0" }\nMqtt { MaxMessageSizeLimit = 4096 }\nHttp { MetricsPublic = true }\n',
    keys: ["dev1", "stranger", "watcher"],
  });
  port = Number(gw.srv.ready.coap?.split(":")[1]);
  base = `coap://127.0.0.1:${port}`;
  for (const ch of ["ch1", "ch2"]) await shell("channel", "create", ch);
  await shell("channel", "connect", "ch1", "dev1");
  await shell("channel", "connect", "ch2", "dev1");
  await shell("channel", "connect", "ch1", "watcher");
  // a right on a channel that does not exist (any more)
  await shell("key", "scope", "add", "dev1", "channels:publish:gone");
}, 30_000);
afterAll(async () => {
  await gw?.close();
});

const url = (ch: string, key: string, sub = "") => `${base}/channels/${ch}/messages${sub}?auth=${key}`;

describe.skipIf(coapClient.skip)("coap-client against neo's CoAP listener", () => {
  test("the ready line names the UDP listener", () => {
    expect(gw.srv.ready.coap).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  test("a confirmable POST of SenML is stored in the channel's table and answered 2.04", async () => {
    const body = '[{"bn":"dev1:","n":"temp","u":"Cel","t":1700000000,"v":21.5},{"n":"hum","t":1700000001,"v":40}]';
    const r = await coap(["-m", "post", "-t", "110", "-e", body, "-v", "6", url("ch1", gw.keys.dev1!.token)]);
    expect(r.code).toBe(0);
    expect(r.stdout + r.stderr).toContain("c:2.04");
    const q = await gw.query("select NAME, TIME, VALUE from ch1 order by NAME");
    expect(q.body.data.rows).toEqual([
      ["dev1:hum", 1700000001000000000, 40],
      ["dev1:temp", 1700000000000000000, 21.5],
    ]);
  });

  test("refusals carry the Mainflux codes: 4.01 bad key, 4.03 not connected, 4.04 no channel (with the right) or path, 4.05, 4.15, 4.00", async () => {
    const out = async (args: string[]) => (await coap(["-v", "6", ...args])).stdout;
    expect(await out(["-m", "post", "-e", "x", url("ch1", "nope:b:00")])).toContain("c:4.01");
    expect(await out(["-m", "post", "-e", "x", `${base}/channels/ch1/messages`])).toContain("c:4.01");
    expect(await out(["-m", "post", "-e", "x", url("ch1", gw.keys.stranger!.token)])).toContain("c:4.03");
    // an unconnected key learns nothing about which channels exist: 4.03 for an existing and a
    // missing channel alike, POST and Observe; 4.04 only to a key with the right to the id
    for (const ch of ["ch1", "ch2", "gone", "never-made"]) {
      expect(await out(["-m", "post", "-e", "x", url(ch, gw.keys.stranger!.token)])).toContain("c:4.03");
      expect(await out(["-s", "1", url(ch, gw.keys.stranger!.token)])).toContain("c:4.03");
    }
    expect(await out(["-m", "post", "-e", "x", url("gone", gw.keys.dev1!.token)])).toContain("c:4.04");
    expect(await out(["-m", "post", "-e", "x", `${base}/things/x?auth=${gw.keys.dev1!.token}`])).toContain("c:4.04");
    expect(await out(["-m", "put", "-e", "x", url("ch1", gw.keys.dev1!.token)])).toContain("c:4.05");
    expect(await out(["-m", "post", "-t", "112", "-e", "x", url("ch1", gw.keys.dev1!.token)])).toContain("c:4.15");
    expect(await out(["-m", "post", "-t", "110", "-e", "[{oops", url("ch1", gw.keys.dev1!.token)])).toContain("c:4.00");
    expect(await out(["-m", "get", url("ch1", gw.keys.dev1!.token)])).toContain("c:4.00");
  });

  test("refusals are in the audit trail with the CoAP listener: a bad key as auth, a refused action as deny", async () => {
    await eventually(async () => {
      const r = await neo(["shell", "audit", "--data", gw.srv.data, "--format", "json", "--result", "fail"]);
      const events = JSON.parse(r.stdout) as {
        kind: string;
        action: string;
        listener?: string;
        client?: string;
        reason?: string;
      }[];
      const deny = events.some(
        (e) => e.kind === "deny" && e.action === "channels:publish" && e.listener === "coap" && e.client === "stranger",
      );
      const auth = events.some((e) => e.kind === "auth" && e.listener === "coap" && e.reason === "invalid token");
      return deny && auth;
    });
  });

  test("a CoAP observer gets what an MQTT publisher sends, and an MQTT subscriber what CoAP posts", async () => {
    const obs = coapBackground(["-s", "30", "-v", "6", url("ch1", gw.keys.watcher!.token, "/room1")]);
    try {
      await obs.waitFor("t:ACK c:2.05"); // registered (the piggybacked 2.05 with Observe)
      const sub = connectCollect(gw.url, { username: "dev1", password: gw.keys.dev1!.token });
      await sub.ready;
      await sub.c.subscribeAsync("channels/ch1/messages/#", { qos: 1 });
      await sub.c.publishAsync("channels/ch1/messages/room1", "from-mqtt-1", { qos: 1 });
      await obs.waitFor("from-mqtt-1");
      const r = await coap(["-m", "post", "-e", "from-coap-1", url("ch1", gw.keys.dev1!.token, "/room1")]);
      expect(r.code).toBe(0);
      await obs.waitFor("from-coap-1");
      await eventually(() =>
        sub.got.some((m) => m.topic === "channels/ch1/messages/room1" && m.payload === "from-coap-1"),
      );
      // HTTP adapter too
      const h = await gw.http("/http/channels/ch1/messages/room1", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: '{"from":"http"}',
      });
      expect(h.status).toBe(202);
      await obs.waitFor('{"from":"http"}');
      await sub.c.endAsync();
    } finally {
      await obs.stop();
    }
  });

  test("block-wise upload (-b 64) puts the blocks together and stores every record; past the limit 4.13", async () => {
    const pack = JSON.stringify(Array.from({ length: 40 }, (_, i) => ({ n: "blk", t: 1700000100 + i, v: i })));
    expect(pack.length).toBeGreaterThan(64 * 10);
    const file = join(gw.dir, "pack.json");
    await Bun.write(file, pack);
    const r = await coap([
      "-m",
      "post",
      "-t",
      "110",
      "-b",
      "64",
      "-f",
      file,
      "-v",
      "6",
      url("ch2", gw.keys.dev1!.token),
    ]);
    expect(r.stdout).toContain("Block1:0/M/64");
    expect(r.stdout).toMatch(/c:2\.04 .*Block1:\d+\/_\/64/);
    expect(await rows("ch2")).toBe(40);
    const big = join(gw.dir, "big.bin");
    await Bun.write(big, "x".repeat(6000));
    const tooBig = await coap(["-m", "post", "-b", "1024", "-f", big, "-v", "6", url("ch2", gw.keys.dev1!.token)]);
    expect(tooBig.stdout).toContain("c:4.13");
    expect(tooBig.stdout).toMatch(/Size1:4096/);
  });

  test("a notification larger than a block reaches the observer whole (Block2)", async () => {
    const obs = coapBackground(["-s", "30", "-v", "6", url("ch1", gw.keys.watcher!.token, "/big")]);
    try {
      await obs.waitFor("t:ACK c:2.05"); // registered (the piggybacked 2.05 with Observe)
      const text = `${"0123456789".repeat(300)}END`;
      const r = await coap(["-m", "post", "-b", "1024", "-e", text, url("ch1", gw.keys.dev1!.token, "/big")]);
      expect(r.code).toBe(0);
      await obs.waitFor(text, 10_000, true);
    } finally {
      await obs.stop();
    }
  });

  test("an observer whose key is disconnected from the channel gets 4.03 and nothing after it", async () => {
    await shell("channel", "connect", "ch2", "watcher");
    const obs = coapBackground(["-s", "60", "-v", "6", url("ch2", gw.keys.watcher!.token)]);
    try {
      await obs.waitFor("Observe:");
      const pub = await gw.conn({ username: "dev1", password: gw.keys.dev1!.token });
      await pub.publishAsync("channels/ch2/messages", "before", { qos: 1 });
      await obs.waitFor("before");
      await shell("channel", "disconnect", "ch2", "watcher");
      await obs.waitFor(/c:4\.03/);
      await pub.publishAsync("channels/ch2/messages", "after", { qos: 1 });
      await pub.endAsync();
      expect(obs.output()).not.toContain("after");
    } finally {
      await obs.stop();
    }
  });
});
