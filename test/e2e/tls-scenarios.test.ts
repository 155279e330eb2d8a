// Issue 4, what a demanding user tries beyond tls.test.ts: RSA client keys, expiry while
// connected, per-request re-checks on an HTTPS keep-alive connection, certificates signed
// with the gateway CA key but never registered, not-yet-valid certificates, re-created and
// rotated ids, the CRL for deleted and rotated keys, a non-default listen host in the
// server SANs, WSS rules, weak TLS refused, operator certificate errors and SIGHUP.
// Real clients only (mosquitto, openssl, curl, MQTT.js); every refusal writes nothing.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { connect as tlsConnect } from "node:tls";
import { join } from "node:path";
import mqtt from "mqtt";
import { cleanup, eventually, genKey, neo, run, startServer, tempDir, ROOT, type Server } from "./harness.ts";

type Key = Awaited<ReturnType<typeof genKey>>;
const ROW = (name: string, i = 0) => `[ "${name}", ${1675851592000000000n + BigInt(i)}, 3.1415]`;

async function mustRun(cmd: string[], opts: { cwd?: string } = {}) {
  const r = await run(cmd, opts);
  if (r.code !== 0) throw new Error(`${cmd.join(" ")}: ${r.stderr}`);
  return r;
}

async function freePort(): Promise<number> {
  const l = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const p = l.port;
  l.stop(true);
  return p;
}

// Server A: MQTT TLS requires certificates, HTTPS takes optional ones, token auth on HTTP,
// listening on 127.0.0.2 (not a default SAN) so every client also checks the server SANs.
describe("MQTT TLS (require) and HTTPS (optional) on --host 127.0.0.2", () => {
  const HOST = "127.0.0.2";
  let srv: Server;
  let dir: string;
  let ca: string;
  let app: Key;

  beforeAll(async () => {
    dir = tempDir("neo-tlss-");
    const conf = join(dir, "neo.conf");
    await Bun.write(
      conf,
      'Http {\n  EnableTokenAuth = true\n  Tls {\n    Enabled = true\n    ClientAuth = "optional"\n  }\n}\nMqtt {\n  Tls {\n    Enabled = true\n    ClientAuth = "require"\n  }\n}\n',
    );
    srv = await startServer(["--host", HOST, "--http-port", "0", "--mqtt-port", "0", "--config", conf], {
      noPortFlags: true,
    });
    ca = join(dir, "neo.crt");
    await mustRun([
      process.execPath,
      join(ROOT, "src/main.ts"),
      "shell",
      "key",
      "server-cert",
      "--output",
      ca,
      "--data",
      srv.data,
    ]);
    app = await genKey(srv.data, "sc-app");
  }, 30000);
  afterAll(async () => {
    await srv?.stop();
    if (srv) cleanup(srv.data);
    cleanup(dir);
  });

  const pub = (k: { cert: string; key: string }, id: string, msg: string, extra: string[] = []) =>
    run(
      [
        "mosquitto_pub",
        "-h",
        HOST,
        "-p",
        String(srv.mqttPort),
        "--cafile",
        ca,
        "--id",
        id,
        "--cert",
        k.cert,
        "--key",
        k.key,
        "-q",
        "1",
        "-t",
        "db/append/SCN",
        "-m",
        msg,
        ...extra,
      ],
      { timeoutMs: 10000 },
    );
  const curl = (k: { cert: string; key: string } | null, path: string, extra: string[] = []) =>
    run([
      "curl",
      "-s",
      "-w",
      "\n%{http_code}",
      "--cacert",
      ca,
      ...(k ? ["--cert", k.cert, "--key", k.key] : []),
      ...extra,
      `${srv.httpUrl}${path}`,
    ]);
  const count = async (): Promise<number> => {
    const r = await curl(app, `/db/query?q=${encodeURIComponent("select count(*) from SCN")}`);
    const j = JSON.parse(r.stdout.slice(0, r.stdout.lastIndexOf("\n"))) as {
      success: boolean;
      data?: { rows: number[][] };
    };
    return j.success ? (j.data?.rows[0]?.[0] ?? 0) : 0;
  };
  async function unchanged(fn: () => Promise<void>): Promise<void> {
    const before = await count();
    await fn();
    expect(await count()).toBe(before);
  }
  const caText = () => Bun.file(ca).text();
  const pemOf = async (k: { cert: string; key: string }) => ({
    cert: await Bun.file(k.cert).text(),
    key: await Bun.file(k.key).text(),
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

  test("the seed's mosquitto_pub works against 127.0.0.2 without --insecure and the row is queryable over HTTPS by certificate", async () => {
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

describe("operator server certificate errors stop neo before it is ready", () => {
  let dir: string;
  beforeAll(async () => {
    dir = tempDir("neo-tlss-bad-");
    const f = (n: string) => join(dir, n);
    const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
    await mustRun([
      "openssl",
      "req",
      "-x509",
      ...ec,
      "-keyout",
      f("own.key"),
      "-out",
      f("own.crt"),
      "-days",
      "2",
      "-subj",
      "/CN=own",
      "-addext",
      "subjectAltName=IP:127.0.0.1",
    ]);
    await mustRun([
      "openssl",
      "req",
      "-x509",
      ...ec,
      "-keyout",
      f("other.key"),
      "-out",
      f("other.crt"),
      "-days",
      "2",
      "-subj",
      "/CN=other",
    ]);
  });
  afterAll(() => cleanup(dir));

  async function serveWith(conf: string) {
    const p = join(dir, `c${Math.random().toString(36).slice(2, 8)}.conf`);
    await Bun.write(p, conf);
    const proc = Bun.spawn(
      [
        process.execPath,
        join(ROOT, "src/main.ts"),
        "serve",
        "--data",
        join(dir, "data"),
        "--http-port",
        "0",
        "--mqtt-port",
        "0",
        "--config",
        p,
      ],
      { cwd: ROOT, env: { ...process.env, NO_COLOR: "1" }, stdin: "ignore", stdout: "pipe", stderr: "pipe" },
    );
    const t = setTimeout(() => proc.kill("SIGKILL"), 15000);
    const [stdout, stderr, code] = await Promise.all([
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
      proc.exited,
    ]);
    clearTimeout(t);
    return { stdout, stderr, code };
  }

  test("a missing CertFile, a key that does not match, or CertFile without KeyFile: non-zero exit and no ready line", async () => {
    const own = join(dir, "own.crt");
    const missing = await serveWith(
      `Mqtt { Tls { Enabled = true  CertFile = "${join(dir, "nope.crt")}"  KeyFile = "${join(dir, "own.key")}" } }\n`,
    );
    expect(missing.code).not.toBe(0);
    expect(missing.stdout).toBe("");
    expect(missing.stderr).toContain("nope.crt");
    const mismatch = await serveWith(
      `Mqtt { Tls { Enabled = true  CertFile = "${own}"  KeyFile = "${join(dir, "other.key")}" } }\n`,
    );
    expect(mismatch.code).not.toBe(0);
    expect(mismatch.stdout).toBe("");
    expect(mismatch.stderr).not.toContain("MQTT Listen");
    const half = await serveWith(`Mqtt { Tls { Enabled = true  CertFile = "${own}" } }\n`);
    expect(half.code).toBe(2);
    expect(half.stdout).toBe("");
    expect(half.stderr).toContain("Mqtt.Tls.CertFile is set but Mqtt.Tls.KeyFile is not; give both or neither");
  }, 30000);

  test("a key that does not match names both settings and files; a bad Http.Tls pair stops neo before MQTT listens", async () => {
    const own = join(dir, "own.crt");
    const other = join(dir, "other.key");
    const m = await serveWith(`Mqtt { Tls { Enabled = true  CertFile = "${own}"  KeyFile = "${other}" } }\n`);
    expect(m.code).toBe(2);
    expect(m.stderr).toContain(`Mqtt.Tls.KeyFile ${other} does not match Mqtt.Tls.CertFile ${own}`);
    const h = await serveWith(
      `Http { Tls { Enabled = true  ClientAuth = "require"  CertFile = "${own}"  KeyFile = "${other}" } }\n`,
    );
    expect(h.code).toBe(2);
    expect(h.stderr).toContain("Http.Tls.KeyFile");
    expect(h.stderr).not.toContain("MQTT Listen");
  }, 30000);
});

describe("SIGHUP switches MQTT TLS on and off (listener moved to a new port)", () => {
  let srv: Server;
  let dir: string;
  let conf: string;
  let ca: string;
  let app: Key;
  let httpPort: number;
  let plainPort: number;
  let tlsPort: number;
  const write = (mqttPort: number, tls: boolean) =>
    Bun.write(
      conf,
      `Http { Listen = "tcp://127.0.0.1:${httpPort}" }\nMqtt {\n  Listen = "tcp://127.0.0.1:${mqttPort}"\n  Tls { Enabled = ${tls} }\n}\n`,
    );

  beforeAll(async () => {
    dir = tempDir("neo-tlss-hup-");
    conf = join(dir, "neo.conf");
    [httpPort, plainPort, tlsPort] = [await freePort(), await freePort(), await freePort()];
    await write(plainPort, false);
    srv = await startServer(["--config", conf], { noPortFlags: true });
    ca = join(dir, "neo.crt");
    await neo(["shell", "key", "server-cert", "--output", ca, "--data", srv.data]);
    app = await genKey(srv.data, "hup-app");
  }, 30000);
  afterAll(async () => {
    await srv?.stop();
    if (srv) cleanup(srv.data);
    cleanup(dir);
  });

  const plainPub = (port: number) =>
    run(["mosquitto_pub", "-h", "127.0.0.1", "-p", String(port), "-t", "hup/x", "-m", "plain"], { timeoutMs: 5000 });
  const tlsPub = (port: number) =>
    run(
      [
        "mosquitto_pub",
        "-h",
        "127.0.0.1",
        "-p",
        String(port),
        "--cafile",
        ca,
        "--id",
        "hup-app",
        "--cert",
        app.cert,
        "--key",
        app.key,
        "-t",
        "hup/x",
        "-m",
        "tls",
      ],
      { timeoutMs: 5000 },
    );
  const wsAnon = async () => {
    try {
      const c = await mqtt.connectAsync(`ws://127.0.0.1:${httpPort}/mqtt`, {
        reconnectPeriod: 0,
        connectTimeout: 3000,
      });
      await c.endAsync();
      return true;
    } catch {
      return false;
    }
  };

  test("TLS on: the TLS listener takes certificates, the old plain port is closed, WebSocket on the HTTP port needs a token; TLS off again restores plain", async () => {
    expect(srv.ready.mqttTls).toBe(false);
    expect((await plainPub(plainPort)).code).toBe(0);
    expect(await wsAnon()).toBe(true);

    await write(tlsPort, true);
    srv.proc.kill("SIGHUP");
    await srv.waitForLog(new RegExp(`config reloaded: MQTT listener tls://127\\.0\\.0\\.1:${tlsPort}`));
    expect((await tlsPub(tlsPort)).code).toBe(0);
    expect((await plainPub(tlsPort)).code).not.toBe(0);
    expect((await plainPub(plainPort)).code).not.toBe(0);
    expect(await wsAnon()).toBe(false);

    await write(plainPort, false);
    srv.proc.kill("SIGHUP");
    await srv.waitForLog(new RegExp(`config reloaded: MQTT listener tcp://127\\.0\\.0\\.1:${plainPort}`));
    expect((await plainPub(plainPort)).code).toBe(0);
    expect((await tlsPub(tlsPort)).code).not.toBe(0);
  }, 30000);

  test("TLS on for the SAME port: the port now speaks TLS only and a connected plaintext client is dropped", async () => {
    await write(plainPort, false);
    srv.proc.kill("SIGHUP");
    await srv.waitForLog(new RegExp(`config reloaded: MQTT listener tcp://127\\.0\\.0\\.1:${plainPort}`));
    const plain = await mqtt.connectAsync(`mqtt://127.0.0.1:${plainPort}`, { reconnectPeriod: 0 });
    const dropped = new Promise<void>((r) => plain.on("close", () => r()));
    const mark = srv.logs().length;
    await write(plainPort, true);
    srv.proc.kill("SIGHUP");
    await eventually(() => /config reloaded: MQTT listener tls:/.test(srv.logs().slice(mark)));
    await dropped;
    expect((await tlsPub(plainPort)).code).toBe(0);
    expect((await plainPub(plainPort)).code).not.toBe(0);
    await write(plainPort, false);
    srv.proc.kill("SIGHUP");
    await eventually(() => /config reloaded: MQTT listener tcp:/.test(srv.logs().slice(mark)));
    expect((await plainPub(plainPort)).code).toBe(0);
  }, 30000);
});
