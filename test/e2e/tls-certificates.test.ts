// Client certificates through their life on a TLS gateway bound to 127.0.0.2: server SANs,
// RSA keys, expiry while connected, per-request re-checks on HTTPS keep-alive (refusals
// are in tls-certificate-refusals.test.ts). Real clients.
import { beforeAll, describe, expect, test } from "bun:test";
import { connect as tlsConnect } from "node:tls";
import mqtt from "mqtt";
import { eventually, genKey, neo, run, type Server } from "./harness.ts";
import { type Key, mustRun, ROW, useTlsOnHost } from "./tls-fixture.ts";

describe("client certificates over MQTTS and HTTPS on --host 127.0.0.2", () => {
  const h = useTlsOnHost();
  const { HOST, pub, curl, count, unchanged, caText, pemOf } = h;
  let srv: Server;
  let ca: string;
  let app: Key;
  beforeAll(() => {
    ({ srv, ca, app } = h.state());
  });

  test("the server certificate carries the configured host 127.0.0.2 as an IP SAN and openssl verifies it by IP", async () => {
    expect(srv.ready.mqtt).toBe(`${HOST}:${srv.mqttPort}`);
    const r = await run(
      [
        "openssl",
        "s_client",
        "-connect",
        `${HOST}:${srv.mqttPort}`,
        "-CAfile",
        ca,
        "-cert",
        app.cert,
        "-key",
        app.key,
        "-verify_ip",
        HOST,
        "-verify_return_error",
      ],
      { stdin: "" },
    );
    expect(r.stdout).toContain("Verify return code: 0 (ok)");
    const pem = r.stdout.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/)?.[0] ?? "";
    const sans = await run(["openssl", "x509", "-noout", "-ext", "subjectAltName"], { stdin: pem });
    expect(sans.stdout).toContain("IP Address:127.0.0.2");
    const wrongIp = await run(
      [
        "openssl",
        "s_client",
        "-connect",
        `${HOST}:${srv.mqttPort}`,
        "-CAfile",
        ca,
        "-cert",
        app.cert,
        "-key",
        app.key,
        "-verify_ip",
        "10.9.8.7",
        "-verify_return_error",
      ],
      { stdin: "" },
    );
    expect(wrongIp.stdout).not.toContain("Verify return code: 0 (ok)");
  });

  test("machbase-neo's mosquitto_pub works against 127.0.0.2 without --insecure and the row is queryable over HTTPS by certificate", async () => {
    const before = await count();
    const r = await pub(app, "sc-app", ROW("host2"));
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(await count()).toBe(before + 1);
  });

  test("an RSA-2048 client key (--type rsa) is a PKCS#8 key with a clientAuth certificate and works over MQTTS and HTTPS", async () => {
    const rsa = await genKey(srv.data, "sc-rsa", ["--type", "rsa"]);
    const text = (await mustRun(["openssl", "x509", "-in", rsa.cert, "-noout", "-text"])).stdout;
    expect(text).toContain("Public-Key: (2048 bit)");
    expect(text).toContain("Subject: CN = sc-rsa");
    expect(text).toContain("TLS Web Client Authentication");
    expect((await Bun.file(rsa.key).text()).startsWith("-----BEGIN PRIVATE KEY-----")).toBe(true);
    expect((await mustRun(["openssl", "pkey", "-in", rsa.key, "-noout", "-check"])).stdout).toContain("valid");
    const before = await count();
    const r = await pub(rsa, "sc-rsa", ROW("rsa"));
    expect(r.code).toBe(0);
    expect(await count()).toBe(before + 1);
    const q = await curl(rsa, `/db/query?q=${encodeURIComponent("select count(*) from SCN where NAME = 'rsa'")}`);
    expect(q.stdout).toEndWith("\n200");
    expect(q.stdout).toContain('"rows":[[1]]');
  });

  test("an RSA client over MQTT.js mqtts:// is that client; another client id is not authorised", async () => {
    const rsa = await genKey(srv.data, "sc-rsa2", ["--type", "rsa"]);
    const opts = { ca: await caText(), ...(await pemOf(rsa)), reconnectPeriod: 0, connectTimeout: 3000 };
    const url = `mqtts://${HOST}:${srv.mqttPort}`;
    await unchanged(async () => {
      await expect(mqtt.connectAsync(url, { ...opts, clientId: "sc-app" })).rejects.toThrow(/Not authorized/i);
    });
    const c = await mqtt.connectAsync(url, { ...opts, clientId: "sc-rsa2" });
    const before = await count();
    await c.publishAsync("db/append/SCN", ROW("rsa.mqttjs"), { qos: 1 });
    expect(await count()).toBe(before + 1);
    await c.endAsync();
  });

  test("a certificate whose not-after passes while connected is disconnected within a second of expiry, then refused", async () => {
    const notAfter = new Date(Math.ceil((Date.now() + 3500) / 1000) * 1000);
    const k = await genKey(srv.data, "sc-expiring", ["--not-after", notAfter.toISOString().replace(/\.\d+Z$/, "Z")]);
    const c = await mqtt.connectAsync(`mqtts://${HOST}:${srv.mqttPort}`, {
      clientId: "sc-expiring",
      ca: await caText(),
      ...(await pemOf(k)),
      reconnectPeriod: 0,
    });
    const closedAt = await new Promise<number>((resolve) => c.on("close", () => resolve(Date.now())));
    // X.509 not-after is inclusive to the second
    expect(closedAt).toBeGreaterThanOrEqual(notAfter.getTime() - 1000);
    expect(closedAt - notAfter.getTime()).toBeLessThan(1000);
    await unchanged(async () => {
      expect((await pub(k, "sc-expiring", ROW("expired.after"))).code).not.toBe(0);
    });
    const list = await neo(["shell", "key", "list", "--data", srv.data]);
    expect(list.stdout).toMatch(/sc-expiring\s.*\bexpired\b/);
  }, 15000);

  test("an HTTPS keep-alive connection is re-checked per request: after revoke the next request on it gets 401", async () => {
    const k = await genKey(srv.data, "sc-keepalive");
    const [host, port] = srv.ready.http.split(":");
    const [caPem, pem] = await Promise.all([caText(), pemOf(k)]);
    const sock = tlsConnect({
      host,
      port: Number(port),
      ca: caPem,
      cert: pem.cert,
      key: pem.key,
      servername: undefined,
    });
    let buf = "";
    sock.on("data", (d: Buffer) => (buf += d.toString()));
    await new Promise<void>((resolve, reject) => {
      sock.once("secureConnect", () => resolve());
      sock.once("error", reject);
    });
    const request = async () => {
      buf = "";
      sock.write(`GET /db/query?q=select%201 HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
      return eventually(() => (buf.includes("\r\n\r\n") && buf.endsWith("}") ? buf : undefined));
    };
    try {
      expect((await request()).startsWith("HTTP/1.1 200")).toBe(true);
      expect((await neo(["shell", "key", "revoke", "sc-keepalive", "--data", srv.data])).code).toBe(0);
      const second = await request();
      expect(sock.destroyed).toBe(false); // same TLS connection
      expect(second.startsWith("HTTP/1.1 401")).toBe(true);
      expect(second).toContain('{"success":false,"reason":"invalid client certificate"}');
    } finally {
      sock.destroy();
    }
  });
});
