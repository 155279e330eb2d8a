// An operator's own server certificate (company CA) while client certificates still come
// from the gateway CA.
import { beforeAll, afterAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { cleanup, genKey, neo, ROOT, run, startServer, tempDir, type Server } from "./harness.ts";
import { type Key, mustRun, ROW, writeConf } from "./tls-fixture.ts";

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
