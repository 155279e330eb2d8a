// Issue 4 end to end: MQTT over TLS, HTTPS and WSS with client certificates, the full
// certificate matrix with real clients (mosquitto, openssl, curl, MQTT.js), live
// revocation over TLS, rotation and the CRL. Every refusal leaves the database unchanged.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import mqtt from "mqtt";
import { cleanup, eventually, genKey, neo, run, startServer, tempDir, type Server } from "./harness.ts";

type Key = Awaited<ReturnType<typeof genKey>>;
const ROW = (name: string) => `[ "${name}", 1675851592000000000, 3.1415]`;

/** a foreign openssl CA with a client cert for `cn`, and a self-signed cert for `cn` */
async function foreignCerts(dir: string, cn: string) {
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
  const f = (n: string) => join(dir, n);
  const steps = [
    [
      "openssl",
      "req",
      "-x509",
      ...ec,
      "-keyout",
      f("fca.key"),
      "-out",
      f("fca.crt"),
      "-days",
      "2",
      "-subj",
      "/CN=foreign-ca",
    ],
    ["openssl", "req", ...ec, "-keyout", f("foreign.key"), "-out", f("foreign.csr"), "-subj", `/CN=${cn}`],
    [
      "openssl",
      "x509",
      "-req",
      "-in",
      f("foreign.csr"),
      "-CA",
      f("fca.crt"),
      "-CAkey",
      f("fca.key"),
      "-CAcreateserial",
      "-out",
      f("foreign.crt"),
      "-days",
      "2",
    ],
    [
      "openssl",
      "req",
      "-x509",
      ...ec,
      "-keyout",
      f("self.key"),
      "-out",
      f("self.crt"),
      "-days",
      "2",
      "-subj",
      `/CN=${cn}`,
    ],
  ];
  for (const s of steps) {
    const r = await run(s);
    if (r.code !== 0) throw new Error(`${s.join(" ")}: ${r.stderr}`);
  }
  return {
    foreign: { cert: f("foreign.crt"), key: f("foreign.key") },
    self: { cert: f("self.crt"), key: f("self.key") },
  };
}

async function writeConf(dir: string, text: string): Promise<string> {
  const p = join(dir, "neo.conf");
  await Bun.write(p, text);
  return p;
}

function closedWithin(c: mqtt.MqttClient): Promise<number> {
  return new Promise((resolve) => c.on("close", () => resolve(Date.now())));
}

describe("MQTT over TLS with required client certificates, HTTPS with optional ones", () => {
  let srv: Server;
  let dir: string;
  let ca: string;
  let app: Key;
  let other: Key;
  let bad: Awaited<ReturnType<typeof foreignCerts>>;

  beforeAll(async () => {
    dir = tempDir("neo-tls-");
    const conf = await writeConf(
      dir,
      'Http {\n  EnableTokenAuth = true\n  Tls {\n    Enabled = true\n    ClientAuth = "optional"\n  }\n}\n',
    );
    srv = await startServer(["--config", conf, "--mqtt-enable-tls", "true"]);
    ca = join(dir, "neo.crt");
    const sc = await neo(["shell", "key", "server-cert", "--output", ca, "--data", srv.data]);
    if (sc.code !== 0) throw new Error(sc.stderr);
    [app, other, bad] = await Promise.all([
      genKey(srv.data, "tls-app01"),
      genKey(srv.data, "tls-other"),
      foreignCerts(dir, "tls-app01"),
    ]);
  }, 30000);
  afterAll(async () => {
    await srv?.stop();
    if (srv) cleanup(srv.data);
    cleanup(dir);
  });

  const pub = (args: string[], id = "tls-app01") =>
    run(
      [
        "mosquitto_pub",
        "-h",
        "127.0.0.1",
        "-p",
        String(srv.mqttPort),
        "--cafile",
        ca,
        "--id",
        id,
        "-q",
        "1",
        "-t",
        "db/append/TLSX",
        ...args,
      ],
      { timeoutMs: 10000 },
    );
  const withCert = (k: { cert: string; key: string }) => ["--cert", k.cert, "--key", k.key];

  const https = (path: string, init: RequestInit & { cert?: { cert: string; key: string } } = {}) =>
    fetch(`${srv.httpUrl}${path}`, {
      ...init,
      tls: { ca: Bun.file(ca), ...(init.cert ? { cert: Bun.file(init.cert.cert), key: Bun.file(init.cert.key) } : {}) },
    } as RequestInit);
  const count = async (): Promise<number> => {
    const r = await https(`/db/query?q=${encodeURIComponent("select count(*) from TLSX")}`, {
      headers: { Authorization: `Bearer ${app.token}` },
    });
    const j = (await r.json()) as { success: boolean; data?: { rows: number[][] } };
    return j.success ? (j.data?.rows[0]?.[0] ?? 0) : 0; // the table appears with the first row
  };
  /** run a refused attempt and prove it wrote nothing */
  async function unchanged(fn: () => Promise<void>): Promise<void> {
    const before = await count();
    await fn();
    expect(await count()).toBe(before);
  }
  const refusedPub = async (args: string[], id?: string, text = "") => {
    await unchanged(async () => {
      const r = await pub(args, id);
      expect(r.code).not.toBe(0);
      if (text) expect(r.stderr + r.stdout).toContain(text);
    });
  };

  test("it logs MQTT Listen tls:// and HTTP Listen tls:// with the real ports", async () => {
    await srv.waitForLog(new RegExp(`MQTT Listen tls://127\\.0\\.0\\.1:${srv.mqttPort}`));
    await srv.waitForLog(/HTTP Listen tls:\/\/127\.0\.0\.1:\d+/);
    expect(srv.ready.mqttTls).toBe(true);
    expect(srv.ready.httpTls).toBe(true);
  });

  test("the seed's mosquitto_pub with --cert/--key/--cafile and no --insecure writes the row", async () => {
    const before = await count();
    const r = await pub(["--cert", app.cert, "--key", app.key, "-m", ROW("wave.pi")]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(await count()).toBe(before + 1);
  });

  test("mosquitto_sub with a certificate receives what is published", async () => {
    const sub = Bun.spawn(
      [
        "mosquitto_sub",
        "-h",
        "127.0.0.1",
        "-p",
        String(srv.mqttPort),
        "--cafile",
        ca,
        "--id",
        "tls-other",
        ...withCert(other),
        "-t",
        "tls/news",
        "-C",
        "1",
        "-W",
        "8",
      ],
      { stdout: "pipe", stderr: "pipe" },
    );
    const out = new Response(sub.stdout).text();
    const ok = await eventually(async () => {
      const r = await run([
        "mosquitto_pub",
        "-h",
        "127.0.0.1",
        "-p",
        String(srv.mqttPort),
        "--cafile",
        ca,
        "--id",
        "tls-app01",
        ...withCert(app),
        "-t",
        "tls/news",
        "-m",
        "hello",
        "-q",
        "1",
      ]);
      return r.code === 0 && sub.exitCode !== null ? true : undefined;
    }, 8000);
    expect(ok).toBe(true);
    expect((await out).trim().split("\n").pop()).toBe("hello");
  });

  test("openssl s_client completes the handshake with a certificate (TLS 1.2 and 1.3) and cannot use TLS 1.1", async () => {
    const base = [
      "openssl",
      "s_client",
      "-connect",
      `127.0.0.1:${srv.mqttPort}`,
      "-CAfile",
      ca,
      "-cert",
      app.cert,
      "-key",
      app.key,
      "-verify_return_error",
    ];
    for (const v of ["1_2", "1_3"]) {
      const r = await run([...base, `-tls${v}`], { stdin: "" });
      expect(r.stdout).toContain("Verify return code: 0 (ok)");
      expect(r.stdout).toMatch(new RegExp(`New, TLSv${v.replace("_", "\\.")}, Cipher is [A-Z]`));
    }
    const old = await run([...base, "-tls1_1"], { stdin: "" });
    expect(old.stdout).toContain("Cipher is (NONE)");
  });

  test("without a certificate the handshake fails and nothing is written", async () => {
    await refusedPub(["--username", app.token, "-m", ROW("no.cert")]);
    const s = await run(["openssl", "s_client", "-connect", `127.0.0.1:${srv.mqttPort}`, "-CAfile", ca], { stdin: "" });
    expect(s.stdout + s.stderr).not.toContain("Verify return code: 0 (ok)\n---\nread R BLOCK");
  });

  test("a certificate from a foreign CA with the right CN is refused", async () => {
    await refusedPub([...withCert(bad.foreign), "-m", ROW("foreign")]);
  });

  test("a self-signed certificate with the right CN is refused", async () => {
    await refusedPub([...withCert(bad.self), "-m", ROW("self")]);
  });

  test("a valid chain whose key was deleted gets Connection Refused: not authorised", async () => {
    const k = await genKey(srv.data, "tls-deleted");
    expect((await neo(["shell", "key", "del", "tls-deleted", "--data", srv.data])).code).toBe(0);
    await refusedPub([...withCert(k), "-m", ROW("deleted")], "tls-deleted", "not authorised");
  });

  test("a revoked key is refused", async () => {
    const k = await genKey(srv.data, "tls-revoked");
    expect((await neo(["shell", "key", "revoke", "tls-revoked", "--data", srv.data])).code).toBe(0);
    await refusedPub([...withCert(k), "-m", ROW("revoked")], "tls-revoked");
  });

  test("an expired certificate is refused", async () => {
    const k = await genKey(srv.data, "tls-expired", ["--not-after", "2020-01-01T00:00:00Z"]);
    await refusedPub([...withCert(k), "-m", ROW("expired")], "tls-expired");
  });

  test("a client id other than the certificate's is refused", async () => {
    await refusedPub([...withCert(app), "-m", ROW("mismatch")], "not-tls-app01", "not authorised");
    await refusedPub([...withCert(app), "-m", ROW("mismatch")], "tls-other", "not authorised");
  });

  test("a username token must belong to the certificate's client", async () => {
    await refusedPub(
      [...withCert(app), "--username", other.token, "-m", ROW("other.token")],
      "tls-app01",
      "not authorised",
    );
    await refusedPub(
      [...withCert(app), "--username", "tls-app01:b:" + "0".repeat(64), "-m", ROW("bad.token")],
      "tls-app01",
      "not authorised",
    );
    const before = await count();
    expect((await pub([...withCert(app), "--username", app.token, "-m", ROW("same.token")])).code).toBe(0);
    expect(await count()).toBe(before + 1);
  });

  test("MQTT.js mqtts:// with ca, cert and key round-trips QoS 1", async () => {
    const c = await mqtt.connectAsync(`mqtts://127.0.0.1:${srv.mqttPort}`, {
      clientId: "tls-app01",
      ca: await Bun.file(ca).text(),
      cert: await Bun.file(app.cert).text(),
      key: await Bun.file(app.key).text(),
      reconnectPeriod: 0,
      protocolVersion: 5,
    });
    try {
      await c.subscribeAsync("tls/echo", { qos: 1 });
      const got = new Promise<string>((resolve) => c.on("message", (_t, p) => resolve(p.toString())));
      await c.publishAsync("tls/echo", "over-tls", { qos: 1 });
      expect(await got).toBe("over-tls");
    } finally {
      await c.endAsync();
    }
  });

  test("a key deleted while its mqtts:// client is connected: disconnected within a second", async () => {
    const k = await genKey(srv.data, "tls-doomed");
    const c = await mqtt.connectAsync(`mqtts://127.0.0.1:${srv.mqttPort}`, {
      clientId: "tls-doomed",
      ca: await Bun.file(ca).text(),
      cert: await Bun.file(k.cert).text(),
      key: await Bun.file(k.key).text(),
      reconnectPeriod: 0,
    });
    const closed = closedWithin(c);
    // time from the moment the CLI has committed the deletion (its exit)
    const del = await neo(["shell", "key", "del", "tls-doomed", "--data", srv.data]);
    const t0 = Date.now();
    expect(del.code).toBe(0);
    expect((await closed) - t0).toBeLessThan(1000);
    await refusedPub([...withCert(k), "-m", ROW("doomed")], "tls-doomed", "not authorised");
  });

  test("rotate: the old certificate is refused at once, the new one works", async () => {
    const k = await genKey(srv.data, "tls-rot");
    const c = await mqtt.connectAsync(`mqtts://127.0.0.1:${srv.mqttPort}`, {
      clientId: "tls-rot",
      ca: await Bun.file(ca).text(),
      cert: await Bun.file(k.cert).text(),
      key: await Bun.file(k.key).text(),
      reconnectPeriod: 0,
    });
    const closed = closedWithin(c);
    const prefix = join(dir, "tls-rot-new");
    const r = await neo(["shell", "key", "rotate", "tls-rot", "--output", prefix, "--data", srv.data]);
    const t0 = Date.now();
    expect(r.code).toBe(0);
    expect((await closed) - t0).toBeLessThan(1000);
    await refusedPub([...withCert(k), "-m", ROW("rot.old")], "tls-rot", "not authorised");
    const before = await count();
    expect(
      (await pub(["--cert", `${prefix}_cert.pem`, "--key", `${prefix}_key.pem`, "-m", ROW("rot.new")], "tls-rot")).code,
    ).toBe(0);
    expect(await count()).toBe(before + 1);
  });

  test("neo shell key crl is signed by the CA and lists revoked, deleted and rotated certificates", async () => {
    const crl = join(dir, "neo.crl");
    expect((await neo(["shell", "key", "crl", "--output", crl, "--data", srv.data])).code).toBe(0);
    const v = await run(["openssl", "crl", "-in", crl, "-CAfile", ca, "-noout"]);
    expect(v.stderr + v.stdout).toContain("verify OK");
    const revoked = await genKey(srv.data, "tls-crl");
    await neo(["shell", "key", "revoke", "tls-crl", "--data", srv.data]);
    await neo(["shell", "key", "crl", "--output", crl, "--data", srv.data]);
    const bad = await run(["openssl", "verify", "-crl_check", "-CAfile", ca, "-CRLfile", crl, revoked.cert]);
    expect(bad.code).not.toBe(0);
    expect(bad.stdout + bad.stderr).toContain("certificate revoked");
    const good = await run(["openssl", "verify", "-crl_check", "-CAfile", ca, "-CRLfile", crl, app.cert]);
    expect(good.stdout).toContain(": OK");
  });

  test("curl over HTTPS: a certificate alone authenticates /db/*, no Bearer header needed", async () => {
    const r = await run([
      "curl",
      "-s",
      "--cacert",
      ca,
      "--cert",
      app.cert,
      "--key",
      app.key,
      `${srv.httpUrl}/db/query?q=${encodeURIComponent("select count(*) from TLSX")}`,
    ]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).success).toBe(true);
    const before = await count();
    const w = await run([
      "curl",
      "-s",
      "--cacert",
      ca,
      "--cert",
      app.cert,
      "--key",
      app.key,
      "-H",
      "Content-Type: text/csv",
      "--data-binary",
      "wave.https,1675851592000000000,1",
      `${srv.httpUrl}/db/write/TLSX`,
    ]);
    expect(JSON.parse(w.stdout).success).toBe(true);
    expect(await count()).toBe(before + 1);
  });

  test("HTTPS without a certificate falls back to the token rule (ClientAuth optional)", async () => {
    const none = await https("/db/query?q=select%201");
    expect(none.status).toBe(401);
    expect(((await none.json()) as { reason: string }).reason).toBe("missing authorization token");
    const tok = await https("/db/query?q=select%201", { headers: { Authorization: `Bearer ${app.token}` } });
    expect(tok.status).toBe(200);
  });

  test("HTTPS certificate matrix: foreign and self-signed fail the handshake; deleted, revoked, other's token refused; nothing written", async () => {
    const curlWrite = (k: { cert: string; key: string }, extra: string[] = []) =>
      run([
        "curl",
        "-s",
        "-w",
        "\n%{http_code}",
        "--cacert",
        ca,
        "--cert",
        k.cert,
        "--key",
        k.key,
        ...extra,
        "-H",
        "Content-Type: text/csv",
        "--data-binary",
        "refused,1675851592000000000,1",
        `${srv.httpUrl}/db/write/TLSX`,
      ]);
    await unchanged(async () => {
      for (const k of [bad.foreign, bad.self]) {
        const r = await curlWrite(k);
        expect(r.code).not.toBe(0);
      }
      const expired = await genKey(srv.data, "https-expired", ["--not-after", "2020-01-01T00:00:00Z"]);
      expect((await curlWrite(expired)).code).not.toBe(0);
      const gone = await genKey(srv.data, "https-gone");
      await neo(["shell", "key", "del", "https-gone", "--data", srv.data]);
      const g = await curlWrite(gone);
      expect(g.stdout).toBe('{"success":false,"reason":"invalid client certificate"}\n401');
      const rv = await genKey(srv.data, "https-revoked");
      await neo(["shell", "key", "revoke", "https-revoked", "--data", srv.data]);
      expect((await curlWrite(rv)).stdout).toEndWith("\n401");
      const mix = await curlWrite(app, ["-H", `Authorization: Bearer ${other.token}`]);
      expect(mix.stdout).toBe(
        '{"success":false,"reason":"token and client certificate belong to different clients"}\n403',
      );
      expect((await curlWrite(app, ["-H", "Authorization: Bearer tls-app01:b:nope"])).stdout).toEndWith("\n401");
    });
    // the same client's token with its certificate is fine
    const same = await https("/db/query?q=select%201", {
      cert: app,
      headers: { Authorization: `Bearer ${app.token}` },
    });
    expect(same.status).toBe(200);
  });

  test("MQTT.js wss:// with a client certificate is that client; the key's revocation drops it within a second", async () => {
    const k = await genKey(srv.data, "wss-app");
    const url = `${srv.httpUrl.replace("https", "wss")}/mqtt`;
    const opts = {
      ca: await Bun.file(ca).text(),
      cert: await Bun.file(k.cert).text(),
      key: await Bun.file(k.key).text(),
      reconnectPeriod: 0,
    };
    await expect(mqtt.connectAsync(url, { ...opts, clientId: "someone-else", connectTimeout: 3000 })).rejects.toThrow();
    const c = await mqtt.connectAsync(url, { ...opts, clientId: "wss-app" });
    const before = await count();
    await c.publishAsync("db/append/TLSX", ROW("wss"), { qos: 1 });
    expect(await count()).toBe(before + 1);
    const closed = closedWithin(c);
    const r = await neo(["shell", "key", "revoke", "wss-app", "--data", srv.data]);
    const t0 = Date.now();
    expect(r.code).toBe(0);
    expect((await closed) - t0).toBeLessThan(1000);
  });

  test("MQTT over WSS without a certificate still needs a token: TLS never turns auth off", async () => {
    const url = `${srv.httpUrl.replace("https", "wss")}/mqtt`;
    const caText = await Bun.file(ca).text();
    await unchanged(async () => {
      await expect(mqtt.connectAsync(url, { ca: caText, reconnectPeriod: 0, connectTimeout: 3000 })).rejects.toThrow();
    });
    const c = await mqtt.connectAsync(url, { ca: caText, username: app.token, reconnectPeriod: 0 });
    await c.endAsync();
  });
});

describe("the seed setup: --mqtt-enable-tls true and nothing else", () => {
  let srv: Server;
  let dir: string;
  beforeAll(async () => {
    dir = tempDir("neo-tls-seed-");
    srv = await startServer(["--mqtt-enable-tls", "true"]);
  });
  afterAll(async () => {
    await srv?.stop();
    if (srv) cleanup(srv.data);
    cleanup(dir);
  });

  test("the seed commands work verbatim from the client's directory", async () => {
    expect(
      (await neo(["shell", "key", "gen", "myapp01", "--output", "./myapp01", "--data", srv.data], { cwd: dir })).code,
    ).toBe(0);
    expect(
      (await neo(["shell", "key", "server-cert", "--output", "./neo.crt", "--data", srv.data], { cwd: dir })).code,
    ).toBe(0);
    const r = await run(
      [
        "mosquitto_pub",
        "-h",
        "127.0.0.1",
        "-p",
        String(srv.mqttPort),
        "--id",
        "myapp01",
        "--cert",
        "./myapp01_cert.pem",
        "--key",
        "./myapp01_key.pem",
        "--cafile",
        "./neo.crt",
        "-t",
        "db/append/EXAMPLE",
        "-m",
        '[ "wave.pi", 1675851592000000000, 3.1415]',
      ],
      { cwd: dir },
    );
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const q = await eventually(async () => {
      const res = await fetch(`${srv.httpUrl}/db/query?q=${encodeURIComponent("select count(*) from EXAMPLE")}`);
      const j = (await res.json()) as { success: boolean; data?: { rows: number[][] } };
      return j.success && j.data?.rows[0]?.[0] === 1 ? j : undefined;
    });
    expect(q.success).toBe(true);
  });

  test("MQTT over plain WebSocket on the HTTP port is not left open when MQTT TLS is on", async () => {
    const url = `ws://${srv.ready.http}/mqtt`;
    await expect(mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 3000 })).rejects.toThrow();
    const token = (await Bun.file(join(dir, "myapp01_token")).text()).trim();
    const c = await mqtt.connectAsync(url, { username: token, reconnectPeriod: 0 });
    await c.endAsync();
  });
});

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

describe("an operator's own server certificate (company CA)", () => {
  let srv: Server;
  let dir: string;
  let app: Key;

  beforeAll(async () => {
    dir = tempDir("neo-tls-own-");
    const f = (n: string) => join(dir, n);
    const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
    await Bun.write(f("san.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
    for (const s of [
      [
        "openssl",
        "req",
        "-x509",
        ...ec,
        "-keyout",
        f("company-ca.key"),
        "-out",
        f("company-ca.crt"),
        "-days",
        "2",
        "-subj",
        "/CN=Example Corp CA",
      ],
      ["openssl", "req", ...ec, "-keyout", f("gw.key"), "-out", f("gw.csr"), "-subj", "/CN=gateway.example"],
      [
        "openssl",
        "x509",
        "-req",
        "-in",
        f("gw.csr"),
        "-CA",
        f("company-ca.crt"),
        "-CAkey",
        f("company-ca.key"),
        "-CAcreateserial",
        "-out",
        f("gw.crt"),
        "-days",
        "2",
        "-extfile",
        f("san.ext"),
      ],
    ]) {
      const r = await run(s);
      if (r.code !== 0) throw new Error(r.stderr);
    }
    const conf = await writeConf(
      dir,
      `Mqtt {\n  Tls {\n    Enabled = true\n    CertFile = "${f("gw.crt")}"\n    KeyFile = "${f("gw.key")}"\n  }\n}\nHttp {\n  Tls {\n    Enabled = true\n    ClientAuth = "require"\n    CertFile = "${f("gw.crt")}"\n    KeyFile = "${f("gw.key")}"\n  }\n}\n`,
    );
    srv = await startServer(["--config", conf]);
    app = await genKey(srv.data, "own-app");
  }, 30000);
  afterAll(async () => {
    await srv?.stop();
    if (srv) cleanup(srv.data);
    cleanup(dir);
  });

  test("clients verify the server with the company CA; their certificates still come from the gateway CA", async () => {
    const companyCa = join(dir, "company-ca.crt");
    const r = await run([
      "mosquitto_pub",
      "-h",
      "127.0.0.1",
      "-p",
      String(srv.mqttPort),
      "--id",
      "own-app",
      "--cert",
      app.cert,
      "--key",
      app.key,
      "--cafile",
      companyCa,
      "-q",
      "1",
      "-t",
      "db/append/OWN",
      "-m",
      ROW("own"),
    ]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const q = await run([
      "curl",
      "-s",
      "--cacert",
      companyCa,
      "--cert",
      app.cert,
      "--key",
      app.key,
      `${srv.httpUrl}/db/query?q=${encodeURIComponent("select count(*) from OWN")}`,
    ]);
    expect(JSON.parse(q.stdout).data.rows).toEqual([[1]]);
    // the gateway CA no longer vouches for the server
    const ca = join(dir, "neo.crt");
    await neo(["shell", "key", "server-cert", "--output", ca, "--data", srv.data]);
    const wrong = await run([
      "curl",
      "-s",
      "--cacert",
      ca,
      "--cert",
      app.cert,
      "--key",
      app.key,
      `${srv.httpUrl}/health`,
    ]);
    expect(wrong.code).not.toBe(0);
  });
});
