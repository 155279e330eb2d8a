// MQTT over WSS and TLS hardening: a certificate and a token must be the same client's,
// last-used is not marked by refused attempts, weak TLS is refused, the internal server
// behind the front refuses upgrades; WSS on an HTTPS port without client certificates.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import mqtt from "mqtt";
import { cleanup, genKey, neo, run, startServer, tempDir, type Server } from "./harness.ts";
import { type Key, ROW, useTlsOnHost } from "./tls-fixture.ts";

describe("WSS and TLS hardening on --host 127.0.0.2", () => {
  const h = useTlsOnHost();
  const { pub, curl, count, unchanged, caText, pemOf } = h;
  let srv: Server;
  let ca: string;
  let app: Key;
  beforeAll(() => {
    ({ srv, ca, app } = h.state());
  });

  test("MQTT.js wss:// with a certificate: the same client's token as username is accepted, another client's token is not", async () => {
    const other = await genKey(srv.data, "sc-wss-other");
    const url = `wss://${srv.ready.http}/mqtt`;
    const opts = {
      ca: await caText(),
      ...(await pemOf(app)),
      clientId: "sc-app",
      reconnectPeriod: 0,
      connectTimeout: 3000,
    };
    await unchanged(async () => {
      await expect(mqtt.connectAsync(url, { ...opts, username: other.token })).rejects.toThrow(/Not authorized/i);
    });
    const c = await mqtt.connectAsync(url, { ...opts, username: app.token });
    const before = await count();
    await c.publishAsync("db/append/SCN", ROW("wss.same.token"), { qos: 1 });
    expect(await count()).toBe(before + 1);
    await c.endAsync();
  });

  test("on WSS with a certificate, a Bearer header or ?authorization= of another client refuses the upgrade; the same client's is fine", async () => {
    const other = await genKey(srv.data, "sc-wss-hdr");
    const upgrade = [
      "-i",
      "--max-time",
      "3",
      "-H",
      "Connection: Upgrade",
      "-H",
      "Upgrade: websocket",
      "-H",
      "Sec-WebSocket-Version: 13",
      "-H",
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
      "-H",
      "Sec-WebSocket-Protocol: mqtt",
    ];
    const viaHeader = await curl(app, "/mqtt", [...upgrade, "-H", `Authorization: Bearer ${other.token}`]);
    expect(viaHeader.stdout).toStartWith("HTTP/1.1 403");
    expect(viaHeader.stdout).toContain("token and client certificate belong to different clients");
    const viaQuery = await curl(app, `/mqtt?authorization=${encodeURIComponent(other.token)}`, upgrade);
    expect(viaQuery.stdout).toStartWith("HTTP/1.1 403");
    const bogus = await curl(app, "/mqtt", [...upgrade, "-H", "Authorization: Bearer sc-app:b:" + "0".repeat(64)]);
    expect(bogus.stdout).toStartWith("HTTP/1.1 401");
    const opts = {
      ca: await caText(),
      ...(await pemOf(app)),
      clientId: "sc-app",
      reconnectPeriod: 0,
      connectTimeout: 3000,
    };
    const c = await mqtt.connectAsync(`wss://${srv.ready.http}/mqtt`, {
      ...opts,
      wsOptions: { headers: { Authorization: `Bearer ${app.token}` } },
    });
    await c.endAsync();
  });

  test("a refused CONNECT or request carrying another client's token does not mark that client's key as used", async () => {
    const lu = await genKey(srv.data, "sc-lastused");
    const refused = await pub(app, "sc-app", ROW("lu"), ["-u", lu.token]);
    expect(refused.stderr + refused.stdout).toContain("not authorised");
    const r = await curl(app, "/db/query?q=select+1", ["-H", `Authorization: Bearer ${lu.token}`]);
    expect(r.stdout.endsWith("403")).toBe(true);
    const list = await neo(["shell", "key", "list", "--format", "json", "--data", srv.data]);
    const rec = (JSON.parse(list.stdout) as { id: string; lastUsed: string | null }[]).find(
      (x) => x.id === "sc-lastused",
    );
    expect(rec?.lastUsed ?? null).toBeNull();
  });

  test("HTTPS and MQTTS refuse TLS 1.0/1.1 and non-forward-secret ciphers", async () => {
    const [host, port] = srv.ready.http.split(":");
    for (const v of ["-tls1", "-tls1_1"]) {
      const r = await run(["openssl", "s_client", "-connect", `${host}:${port}`, "-CAfile", ca, v], { stdin: "" });
      expect(r.stdout).toContain("Cipher is (NONE)");
    }
    for (const p of [port, String(srv.mqttPort)]) {
      const r = await run(
        [
          "openssl",
          "s_client",
          "-connect",
          `${host}:${p}`,
          "-CAfile",
          ca,
          "-cert",
          app.cert,
          "-key",
          app.key,
          "-tls1_2",
          "-cipher",
          "AES128-SHA",
        ],
        { stdin: "" },
      );
      expect(r.stdout).toContain("Cipher is (NONE)");
    }
    const ok = await run(
      ["openssl", "s_client", "-connect", `${host}:${port}`, "-CAfile", ca, "-tls1_2", "-verify_return_error"],
      { stdin: "" },
    );
    expect(ok.stdout).toMatch(/New, TLSv1\.2, Cipher is ECDHE-/);
  });

  test("the internal server behind the TLS front refuses a WebSocket upgrade to /mqtt as well", async () => {
    const line = await srv.waitForLog(/TLS front -> 127\.0\.0\.1:\d+/);
    const internal = Number(line.split(":").pop());
    const r = await run([
      "curl",
      "-s",
      "-i",
      "--max-time",
      "3",
      "-H",
      "Connection: Upgrade",
      "-H",
      "Upgrade: websocket",
      "-H",
      "Sec-WebSocket-Version: 13",
      "-H",
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
      "-H",
      "Sec-WebSocket-Protocol: mqtt",
      `http://127.0.0.1:${internal}/mqtt`,
    ]);
    expect(r.stdout.startsWith("HTTP/1.1 403")).toBe(true);
    expect(r.stdout).toContain("connect through the HTTPS port");
  });
});

describe("HTTPS without client certificates (ClientAuth none) while MQTT TLS requires them", () => {
  let srv: Server;
  let dir: string;
  let ca: string;
  let app: Key;

  beforeAll(async () => {
    dir = tempDir("neo-tlss-none-");
    const conf = join(dir, "neo.conf");
    await Bun.write(conf, "Http {\n  Tls {\n    Enabled = true\n  }\n}\nMqtt {\n  Tls {\n    Enabled = true\n  }\n}\n");
    srv = await startServer(["--config", conf]);
    ca = join(dir, "neo.crt");
    await neo(["shell", "key", "server-cert", "--output", ca, "--data", srv.data]);
    app = await genKey(srv.data, "none-app");
  }, 30000);
  afterAll(async () => {
    await srv?.stop();
    if (srv) cleanup(srv.data);
    cleanup(dir);
  });

  test("MQTT over WSS on the HTTPS port needs a token: none (or a certificate the port does not ask for) is refused, a token is accepted", async () => {
    expect(srv.ready.httpTls).toBe(true);
    expect(srv.logs()).not.toContain("TLS front");
    const url = `wss://${srv.ready.http}/mqtt`;
    const caPem = await Bun.file(ca).text();
    const base = { ca: caPem, reconnectPeriod: 0, connectTimeout: 3000 };
    await expect(mqtt.connectAsync(url, base)).rejects.toThrow(/Not authorized/i);
    await expect(
      mqtt.connectAsync(url, {
        ...base,
        clientId: "none-app",
        cert: await Bun.file(app.cert).text(),
        key: await Bun.file(app.key).text(),
      }),
    ).rejects.toThrow(/Not authorized/i);
    const c = await mqtt.connectAsync(url, { ...base, clientId: "none-app", username: app.token });
    await c.publishAsync("db/append/NONE", ROW("wss.token"), { qos: 1 });
    await c.endAsync();
    const q = await fetch(`${srv.httpUrl}/db/query?q=${encodeURIComponent("select NAME from NONE")}`, {
      tls: { ca: Bun.file(ca) },
    } as RequestInit);
    expect(((await q.json()) as { data: { rows: string[][] } }).data.rows).toEqual([["wss.token"]]);
  });
});
