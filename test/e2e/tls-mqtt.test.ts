// MQTT over TLS with required client certificates: the certificate matrix with mosquitto,
// openssl and MQTT.js, live revocation, rotation and the CRL. Every refusal writes nothing.
import { beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import mqtt from "mqtt";
import { eventually, genKey, neo, run, type Server } from "./harness.ts";
import { closedWithin, type foreignCerts, type Key, ROW, useTlsMatrix } from "./tls-fixture.ts";

describe("MQTT over TLS with required client certificates", () => {
  const m = useTlsMatrix();
  const { pub, withCert, count, refusedPub } = m;
  let srv: Server;
  let dir: string;
  let ca: string;
  let app: Key;
  let other: Key;
  let bad: Awaited<ReturnType<typeof foreignCerts>>;
  beforeAll(() => {
    ({ srv, dir, ca, app, other, bad } = m.state());
  });

  test("it logs MQTT Listen tls:// and HTTP Listen tls:// with the real ports", async () => {
    await srv.waitForLog(new RegExp(`MQTT Listen tls://127\\.0\\.0\\.1:${srv.mqttPort}`));
    await srv.waitForLog(/HTTP Listen tls:\/\/127\.0\.0\.1:\d+/);
    expect(srv.ready.mqttTls).toBe(true);
    expect(srv.ready.httpTls).toBe(true);
  });

  test("machbase-neo's mosquitto_pub with --cert/--key/--cafile and no --insecure writes the row", async () => {
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
});
