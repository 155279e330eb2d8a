// MQTT TLS with optional client certificates and HTTPS requiring them, through the TLS
// front: loopback-only internal server, back-pressure, half-close, WSS.
import { beforeAll, afterAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import mqtt from "mqtt";
import { cleanup, genKey, neo, run, startServer, tempDir, type Server } from "./harness.ts";
import { foreignCerts, type Key, ROW, writeConf } from "./tls-fixture.ts";

describe("MQTT TLS with optional client certificates, HTTPS requiring them", () => {
  let srv: Server;
  let dir: string;
  let ca: string;
  let app: Key;
  let bad: Awaited<ReturnType<typeof foreignCerts>>;
  let internalPort: number;

  beforeAll(async () => {
    dir = tempDir("neo-tls-opt-");
    const conf = await writeConf(
      dir,
      'Mqtt {\n  EnableTokenAuth = true\n  Tls {\n    Enabled = true\n    ClientAuth = "optional"\n  }\n}\nHttp {\n  Tls {\n    Enabled = true\n    ClientAuth = "require"\n  }\n}\n',
    );
    srv = await startServer(["--config", conf]);
    ca = join(dir, "neo.crt");
    await neo(["shell", "key", "server-cert", "--output", ca, "--data", srv.data]);
    [app, bad] = await Promise.all([genKey(srv.data, "opt-app"), foreignCerts(dir, "opt-app")]);
    const line = await srv.waitForLog(/TLS front -> 127\.0\.0\.1:\d+/);
    internalPort = Number(line.split(":").pop());
  }, 30000);
  afterAll(async () => {
    await srv?.stop();
    if (srv) cleanup(srv.data);
    cleanup(dir);
  });

  const pub = (args: string[]) =>
    run([
      "mosquitto_pub",
      "-h",
      "127.0.0.1",
      "-p",
      String(srv.mqttPort),
      "--cafile",
      ca,
      "-q",
      "1",
      "-t",
      "db/append/OPT",
      "-m",
      ROW("opt"),
      ...args,
    ]);
  const certTls = () => ({ ca: Bun.file(ca), cert: Bun.file(app.cert), key: Bun.file(app.key) });

  test("over MQTT TLS without a certificate a token is enough, and nothing at all is refused", async () => {
    expect((await pub(["--username", app.token])).code).toBe(0);
    const r = await pub([]);
    expect(r.stderr + r.stdout).toContain("not authorised");
  });

  test("over MQTT TLS with a certificate the certificate rules apply; a foreign one fails the handshake", async () => {
    expect((await pub(["--id", "opt-app", "--cert", app.cert, "--key", app.key])).code).toBe(0);
    expect((await pub(["--id", "other-id", "--cert", app.cert, "--key", app.key])).stderr).toContain("not authorised");
    const f = await pub([
      "--id",
      "opt-app",
      "--cert",
      bad.foreign.cert,
      "--key",
      bad.foreign.key,
      "--username",
      app.token,
    ]);
    expect(f.code).not.toBe(0);
    expect(f.stderr).not.toContain("not authorised"); // refused before MQTT
  });

  test("HTTPS with ClientAuth require: curl without a certificate fails the handshake, with one it is served", async () => {
    const none = await run(["curl", "-s", "--cacert", ca, `${srv.httpUrl}/health`]);
    expect(none.code).not.toBe(0);
    const ok = await run(["curl", "-s", "--cacert", ca, "--cert", app.cert, "--key", app.key, `${srv.httpUrl}/health`]);
    expect(JSON.parse(ok.stdout).success).toBe(true);
  });

  test("the internal server behind the front listens on loopback and refuses direct connections", async () => {
    expect(internalPort).toBeGreaterThan(0);
    expect(internalPort).not.toBe(Number(srv.ready.http.split(":").pop()));
    const r = await fetch(`http://127.0.0.1:${internalPort}/db/query?q=select%201`);
    expect(r.status).toBe(403);
    expect(await r.json()).toEqual({ success: false, reason: "connect through the HTTPS port" });
  });

  test("a 3.5 MB upload and a multi-megabyte answer pass through the front intact (back-pressure)", async () => {
    const n = 100000;
    const lines: string[] = [];
    for (let i = 0; i < n; i++) lines.push(`bulk.${i % 7},${1675851592000000000n + BigInt(i)},${i}.5`);
    const body = lines.join("\n") + "\n";
    expect(body.length).toBeGreaterThan(3_000_000);
    const w = await fetch(`${srv.httpUrl}/db/write/BULK`, {
      method: "POST",
      body,
      headers: { "Content-Type": "text/csv" },
      tls: certTls(),
    } as RequestInit);
    expect(((await w.json()) as { reason: string }).reason).toBe(`success, ${n} record(s) inserted`);
    const q = await fetch(
      `${srv.httpUrl}/db/query?q=${encodeURIComponent("select NAME, TIME, VALUE from BULK order by TIME")}`,
      { tls: certTls() } as RequestInit,
    );
    const text = await q.text();
    expect(text.length).toBeGreaterThan(2_000_000);
    const j = JSON.parse(text) as { data: { rows: [string, number, number][] } };
    expect(j.data.rows.length).toBe(n);
    expect(j.data.rows[n - 1]?.[2]).toBe(n - 1 + 0.5);
  });

  test("a client that half-closes after its request still gets the whole response", async () => {
    const tls = await import("node:tls");
    const [caPem, certPem, keyPem] = await Promise.all([
      Bun.file(ca).text(),
      Bun.file(app.cert).text(),
      Bun.file(app.key).text(),
    ]);
    const [host = "127.0.0.1", port] = srv.ready.http.split(":");
    const out = await new Promise<string>((resolve, reject) => {
      // allowHalfOpen: keep reading after our FIN (Node honours it; its types omit it)
      const opts = { host, port: Number(port), ca: caPem, cert: certPem, key: keyPem, allowHalfOpen: true };
      const s = tls.connect(opts, () => {
        s.end("GET /health HTTP/1.1\r\nHost: x\r\n\r\n"); // request, then FIN
      });
      let got = "";
      s.on("data", (d: Buffer) => (got += d.toString()));
      s.on("close", () => resolve(got));
      s.on("error", reject);
    });
    expect(out.startsWith("HTTP/1.1 200")).toBe(true);
    expect(out).toContain('"success":true');
  });

  test("MQTT.js wss:// with a certificate works on the HTTPS port", async () => {
    const c = await mqtt.connectAsync(`${srv.httpUrl.replace("https", "wss")}/mqtt`, {
      clientId: "opt-app",
      ca: await Bun.file(ca).text(),
      cert: await Bun.file(app.cert).text(),
      key: await Bun.file(app.key).text(),
      reconnectPeriod: 0,
    });
    await c.publishAsync("db/append/OPT", ROW("wss.opt"), { qos: 1 });
    await c.endAsync();
  });
});
