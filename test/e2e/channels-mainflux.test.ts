// The Mainflux/Magistrala documentation's own commands against neo, unchanged except for
// host, port and file names: mosquitto_pub/mosquitto_sub with `-u <id> -P <token>` and
// the client certificate over MQTTS, and curl over HTTPS with the certificate (the `ws`
// WSS script is in channels-mainflux-ws.test.ts). Wrong passwords and clients not connected to the channel are refused on every path.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import mqtt from "mqtt";
import { cleanup, eventually, genKey, neo, run, startServer, tempDir, type Server } from "./harness.ts";
import { writeConf, type Key } from "./tls-fixture.ts";

const SENML =
  '[{"bn":"some-base-name:","bt":1.276020076001e+09, "bu":"A","bver":5, "n":"voltage","u":"V","v":120.1}, {"n":"current","t":-5,"v":1.2}, {"n":"current","t":-4,"v":1.3}]';
const STORED = [
  ["some-base-name:current", "1276020071001000000", 1.2],
  ["some-base-name:current", "1276020072001000000", 1.3],
  ["some-base-name:voltage", "1276020076001000000", 120.1],
];

let srv: Server;
let plain: Server;
let dir: string;
let ca: string;
let thing: Key;
let stranger: Key;
let plainThing: Key;

const shell = async (s: Server, ...args: string[]) => {
  const r = await neo(["shell", ...args, "--data", s.data]);
  if (r.code !== 0) throw new Error(`neo shell ${args.join(" ")}: ${r.stderr}`);
};
const https = (path: string, init: RequestInit = {}) =>
  fetch(`${srv.httpUrl}${path}`, { ...init, tls: { ca: Bun.file(ca) } } as RequestInit);
const query = async (s: Server, sql: string) => {
  const r = await (s === srv ? https : (p: string) => fetch(`${s.httpUrl}${p}`))(
    `/db/query?q=${encodeURIComponent(sql)}`,
  );
  const j = (await r.json()) as { data?: { rows: unknown[][] } };
  return j.data?.rows ?? [[0]]; // no table before the first row
};
const mqtts = (tool: "mosquitto_pub" | "mosquitto_sub", k: Key, ...args: string[]) =>
  run(
    [tool, "-h", "127.0.0.1", "-p", String(srv.mqttPort), "--cafile", ca, "--cert", k.cert, "--key", k.key, ...args],
    { timeoutMs: 10_000 },
  );

beforeAll(async () => {
  dir = tempDir("neo-mainflux-");
  const conf = await writeConf(
    dir,
    'Http {\n  Tls {\n    Enabled = true\n    ClientAuth = "optional"\n  }\n}\nMqtt {\n  Tls {\n    Enabled = true\n    ClientAuth = "optional"\n  }\n}\n',
  );
  [srv, plain] = await Promise.all([startServer(["--config", conf]), startServer()]);
  ca = join(dir, "ca.crt");
  expect((await neo(["shell", "key", "server-cert", "--output", ca, "--data", srv.data])).code).toBe(0);
  [thing, stranger, plainThing] = await Promise.all([
    genKey(srv.data, "thing-1"),
    genKey(srv.data, "stranger"),
    genKey(plain.data, "thing-1"),
  ]);
  for (const s of [srv, plain]) await shell(s, "channel", "create", "ch-1");
  await shell(srv, "channel", "connect", "ch-1", "thing-1");
  await shell(plain, "channel", "connect", "ch-1", "thing-1");
}, 30_000);
afterAll(async () => {
  await Promise.all([srv?.stop(), plain?.stop()]);
  if (srv) cleanup(srv.data);
  if (plain) cleanup(plain.data);
  cleanup(dir);
});

describe("Mainflux clients over TCP", () => {
  const tcp = (tool: "mosquitto_pub" | "mosquitto_sub", ...args: string[]) =>
    run([tool, "-h", "127.0.0.1", "-p", String(plain.mqttPort), ...args], { timeoutMs: 10_000 });

  test("mosquitto_pub -u <id> -P <token> publishes Mainflux's documented SenML, stored with exact times", async () => {
    const r = await tcp(
      "mosquitto_pub",
      "-u",
      "thing-1",
      "-P",
      plainThing.token,
      "-t",
      "channels/ch-1/messages",
      "-m",
      SENML,
    );
    expect(r.code).toBe(0);
    await eventually(async () => (await query(plain, "select count(*) from CH_1"))[0]?.[0] === 3);
    expect(await query(plain, "select NAME, cast(TIME as text), VALUE from CH_1 order by TIME")).toEqual(STORED);
  });

  test("a wrong password, or another client's id as username, is refused", async () => {
    const wrong = await tcp(
      "mosquitto_pub",
      "-u",
      "thing-1",
      "-P",
      `${plainThing.token.slice(0, -4)}0000`,
      "-t",
      "channels/ch-1/messages",
      "-m",
      "x",
    );
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr + wrong.stdout).toMatch(/not authori[sz]ed|bad user name or password/i);
    const other = await tcp(
      "mosquitto_pub",
      "-u",
      "someone-else",
      "-P",
      plainThing.token,
      "-t",
      "channels/ch-1/messages",
      "-m",
      "x",
    );
    expect(other.code).not.toBe(0);
  });
});

describe("Mainflux clients over MQTTS, HTTPS and WSS with the client certificate", () => {
  test("Mainflux's documented mosquitto_sub receives what its mosquitto_pub sends; the SenML is stored exactly", async () => {
    const sub = mqtts(
      "mosquitto_sub",
      thing,
      "-u",
      "thing-1",
      "-P",
      thing.token,
      "-t",
      "channels/ch-1/messages",
      "-C",
      "1",
      "-W",
      "8",
    );
    // publish until the subscriber (a separate process) has subscribed and got one
    let sent = 0;
    const done = sub.then((r) => r);
    await eventually(async () => {
      const r = await mqtts(
        "mosquitto_pub",
        thing,
        "-u",
        "thing-1",
        "-P",
        thing.token,
        "-t",
        "channels/ch-1/messages",
        "-m",
        SENML,
      );
      expect(r.code).toBe(0);
      sent++;
      return Promise.race([done.then(() => true), Bun.sleep(200).then(() => false)]);
    }, 8000);
    expect((await done).stdout.trim()).toBe(SENML);
    const rows = await query(srv, "select NAME, cast(TIME as text), VALUE from CH_1 order by TIME");
    expect(rows.length).toBe(3 * sent);
    expect(rows.filter((_r, i) => i % sent === 0)).toEqual(STORED);
  });

  test("MQTTS with the certificate and a wrong password, or another client's token, is refused", async () => {
    for (const pw of [`${thing.token.slice(0, -4)}0000`, stranger.token]) {
      const r = await mqtts(
        "mosquitto_pub",
        thing,
        "-u",
        "thing-1",
        "-P",
        pw,
        "-t",
        "channels/ch-1/messages",
        "-m",
        "x",
      );
      expect(r.code).not.toBe(0);
    }
  });

  test("Mainflux's documented curl over HTTPS with the certificate gets 202 and the records are stored", async () => {
    const before = (await query(srv, "select count(*) from CH_1"))[0]?.[0] as number;
    const r = await run([
      "curl",
      "-s",
      "-S",
      "-i",
      "--cacert",
      ca,
      "--cert",
      thing.cert,
      "--key",
      thing.key,
      "-X",
      "POST",
      "-H",
      "Content-Type: application/senml+json",
      `${srv.httpUrl}/http/channels/ch-1/messages`,
      "-d",
      SENML,
    ]);
    expect(r.stdout).toMatch(/^HTTP\/1\.1 202/);
    expect((await query(srv, "select count(*) from CH_1"))[0]?.[0]).toBe(before + 3);
    // a header that is another client's token, with this certificate: refused
    const mixed = await run([
      "curl",
      "-s",
      "-o",
      "/dev/null",
      "-w",
      "%{http_code}",
      "--cacert",
      ca,
      "--cert",
      thing.cert,
      "--key",
      thing.key,
      "-X",
      "POST",
      "-H",
      "Content-Type: application/senml+json",
      "-H",
      `Authorization: Thing ${stranger.token}`,
      `${srv.httpUrl}/http/channels/ch-1/messages`,
      "-d",
      SENML,
    ]);
    expect(mixed.stdout).toBe("403");
  });

  test("a client not connected to the channel is refused on MQTTS, HTTPS and WSS", async () => {
    const before = (await query(srv, "select count(*) from CH_1"))[0]?.[0] as number;
    const c = await mqtt.connectAsync(`mqtts://127.0.0.1:${srv.mqttPort}`, {
      username: "stranger",
      password: stranger.token,
      clientId: "stranger",
      protocolVersion: 5,
      ca: await Bun.file(ca).text(),
      cert: await Bun.file(stranger.cert).text(),
      key: await Bun.file(stranger.key).text(),
      reconnectPeriod: 0,
    });
    try {
      const rc = await new Promise<number>((resolve) =>
        c.publish("channels/ch-1/messages", SENML, { qos: 1 }, (err, pkt) =>
          resolve(err ? ((err as { code?: number }).code ?? -1) : ((pkt as { reasonCode?: number })?.reasonCode ?? 0)),
        ),
      );
      expect(rc).toBe(0x87);
    } finally {
      await c.endAsync();
    }
    const post = await https("/http/channels/ch-1/messages", {
      method: "POST",
      body: SENML,
      headers: { "content-type": "application/senml+json", authorization: `Thing ${stranger.token}` },
    });
    expect(post.status).toBe(403);
    const ws = await https(`/ws/channels/ch-1/messages?authorization=${stranger.token}`, {
      headers: {
        connection: "Upgrade",
        upgrade: "websocket",
        "sec-websocket-version": "13",
        "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
      },
    });
    expect(ws.status).toBe(403);
    expect((await query(srv, "select count(*) from CH_1"))[0]?.[0]).toBe(before);
  });
});
