// Client certificates through their life on a TLS gateway bound to 127.0.0.2: server SANs,
// RSA keys, expiry while connected, never-registered and not-yet-valid certificates,
// re-created and rotated ids, the CRL. Real clients; every refusal writes nothing.
import { beforeAll, describe, expect, test } from "bun:test";
import { connect as tlsConnect } from "node:tls";
import { join } from "node:path";
import mqtt from "mqtt";
import { eventually, genKey, neo, run, type Server } from "./harness.ts";
import { type Key, mustRun, ROW, useTlsOnHost } from "./tls-fixture.ts";

describe("client certificates over MQTTS and HTTPS on --host 127.0.0.2", () => {
  const h = useTlsOnHost();
  const { HOST, pub, curl, count, unchanged, caText, pemOf } = h;
  let srv: Server;
  let dir: string;
  let ca: string;
  let app: Key;
  beforeAll(() => {
    ({ srv, dir, ca, app } = h.state());
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

  test("a certificate signed with the gateway CA key but never registered is refused by MQTT (not authorised) and HTTPS (401)", async () => {
    const f = (n: string) => join(dir, n);
    const pki = join(srv.data, "pki");
    await Bun.write(f("cli.ext"), "extendedKeyUsage=clientAuth\n");
    await mustRun([
      "openssl",
      "req",
      "-new",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-keyout",
      f("forged.key"),
      "-out",
      f("forged.csr"),
      "-subj",
      "/CN=sc-app",
    ]);
    await mustRun([
      "openssl",
      "x509",
      "-req",
      "-in",
      f("forged.csr"),
      "-CA",
      join(pki, "ca_cert.pem"),
      "-CAkey",
      join(pki, "ca_key.pem"),
      "-CAcreateserial",
      "-out",
      f("forged.crt"),
      "-days",
      "2",
      "-extfile",
      f("cli.ext"),
    ]);
    const forged = { cert: f("forged.crt"), key: f("forged.key") };
    expect((await run(["openssl", "verify", "-CAfile", ca, forged.cert])).stdout).toContain(": OK"); // the chain is fine
    await unchanged(async () => {
      const r = await pub(forged, "sc-app", ROW("forged"));
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain("not authorised");
      const h = await curl(forged, "/db/write/SCN", [
        "-H",
        "Content-Type: text/csv",
        "--data-binary",
        "forged,1675851592000000000,1",
      ]);
      expect(h.stdout).toBe('{"success":false,"reason":"invalid client certificate"}\n401');
    });
  });

  test("a not-yet-valid certificate from the gateway CA fails the handshake over MQTT and HTTPS", async () => {
    const f = (n: string) => join(dir, "nyv", n);
    const pki = join(srv.data, "pki");
    await Bun.write(f("index.txt"), "");
    await Bun.write(f("serial"), "01\n");
    await Bun.write(
      f("ca.cnf"),
      "[ca]\ndefault_ca=c\n[c]\ndatabase=index.txt\nserial=serial\nnew_certs_dir=.\ndefault_md=sha256\npolicy=p\nx509_extensions=e\n[p]\ncommonName=supplied\n[e]\nextendedKeyUsage=clientAuth\n",
    );
    await mustRun([
      "openssl",
      "req",
      "-new",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-keyout",
      f("nyv.key"),
      "-out",
      f("nyv.csr"),
      "-subj",
      "/CN=sc-app",
    ]);
    await mustRun(
      [
        "openssl",
        "ca",
        "-batch",
        "-config",
        "ca.cnf",
        "-cert",
        join(pki, "ca_cert.pem"),
        "-keyfile",
        join(pki, "ca_key.pem"),
        "-in",
        "nyv.csr",
        "-out",
        "nyv.crt",
        "-startdate",
        "20301010000000Z",
        "-enddate",
        "20311010000000Z",
      ],
      { cwd: join(dir, "nyv") },
    );
    const nyv = { cert: f("nyv.crt"), key: f("nyv.key") };
    await unchanged(async () => {
      const r = await pub(nyv, "sc-app", ROW("not.yet"));
      expect(r.code).not.toBe(0);
      expect(r.stderr).not.toContain("not authorised"); // refused before MQTT
      const h = await curl(nyv, "/db/write/SCN", [
        "-H",
        "Content-Type: text/csv",
        "--data-binary",
        "nyv,1675851592000000000,1",
      ]);
      expect(h.code).not.toBe(0);
    });
  });

  test("an id deleted and generated again: the old certificate is refused, the new one works", async () => {
    const old = await genKey(srv.data, "sc-again");
    expect((await neo(["shell", "key", "del", "sc-again", "--data", srv.data])).code).toBe(0);
    const fresh = await genKey(srv.data, "sc-again");
    await unchanged(async () => {
      const r = await pub(old, "sc-again", ROW("again.old"));
      expect(r.stderr).toContain("not authorised");
    });
    const before = await count();
    expect((await pub(fresh, "sc-again", ROW("again.new"))).code).toBe(0);
    expect(await count()).toBe(before + 1);
  });

  test("after rotate the new certificate with the rotated-away token as username is refused; with the new token it works", async () => {
    const old = await genKey(srv.data, "sc-rot");
    const prefix = join(dir, "sc-rot-new");
    expect((await neo(["shell", "key", "rotate", "sc-rot", "--output", prefix, "--data", srv.data])).code).toBe(0);
    const fresh = { cert: `${prefix}_cert.pem`, key: `${prefix}_key.pem` };
    const newToken = (await Bun.file(`${prefix}_token`).text()).trim();
    expect(newToken).not.toBe(old.token);
    await unchanged(async () => {
      expect((await pub(fresh, "sc-rot", ROW("rot.oldtoken"), ["--username", old.token])).stderr).toContain(
        "not authorised",
      );
      const h = await curl(fresh, "/db/query?q=select%201", ["-H", `Authorization: Bearer ${old.token}`]);
      expect(h.stdout).toEndWith("\n401");
    });
    const before = await count();
    expect((await pub(fresh, "sc-rot", ROW("rot.newtoken"), ["--username", newToken])).code).toBe(0);
    expect(await count()).toBe(before + 1);
  });

  test("the CRL lists deleted and rotated-away certificates for openssl verify -crl_check, keeps current ones OK, and has a later nextUpdate", async () => {
    const gone = await genKey(srv.data, "sc-crl-del");
    const rot = await genKey(srv.data, "sc-crl-rot");
    await neo(["shell", "key", "del", "sc-crl-del", "--data", srv.data]);
    const prefix = join(dir, "sc-crl-rot-new");
    await neo(["shell", "key", "rotate", "sc-crl-rot", "--output", prefix, "--data", srv.data]);
    const crl = join(dir, "sc.crl");
    expect((await neo(["shell", "key", "crl", "--output", crl, "--data", srv.data])).code).toBe(0);
    const text = await mustRun(["openssl", "crl", "-in", crl, "-CAfile", ca, "-noout", "-text"]);
    expect(text.stderr).toContain("verify OK");
    const last = Date.parse(text.stdout.match(/Last Update: (.+)/)?.[1] ?? "");
    const next = Date.parse(text.stdout.match(/Next Update: (.+)/)?.[1] ?? "");
    expect(next).toBeGreaterThan(last);
    expect(Math.abs(last - Date.now())).toBeLessThan(120_000);
    const serial = async (c: string) =>
      (await mustRun(["openssl", "x509", "-in", c, "-noout", "-serial"])).stdout.trim().split("=")[1]!.toUpperCase();
    for (const c of [gone.cert, rot.cert]) {
      expect(text.stdout.toUpperCase()).toContain(await serial(c));
      const v = await run(["openssl", "verify", "-crl_check", "-CAfile", ca, "-CRLfile", crl, c]);
      expect(v.code).not.toBe(0);
      expect(v.stdout + v.stderr).toContain("certificate revoked");
    }
    for (const c of [`${prefix}_cert.pem`, app.cert]) {
      expect((await run(["openssl", "verify", "-crl_check", "-CAfile", ca, "-CRLfile", crl, c])).stdout).toContain(
        ": OK",
      );
    }
  });
});
