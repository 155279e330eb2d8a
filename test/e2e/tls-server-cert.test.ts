// An operator's own server certificate (company CA) while client certificates still come
// from the gateway CA.
import { beforeAll, afterAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { cleanup, genKey, neo, run, startServer, tempDir, type Server } from "./harness.ts";
import { type Key, ROW, writeConf } from "./tls-fixture.ts";

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
