// neo's CA as an intermediate under a company root (`neo shell ca import-intermediate`),
// with an RSA root and an EC P-384 root made by openssl: key gen issues certificates that a
// verifier trusting only the root accepts (`openssl verify -CAfile root.pem -untrusted
// neo-ca.pem`), mosquitto_pub and curl verify the server with the root alone, EST cacerts
// carries the chain, and a certificate of the CA it replaced still connects.
import { afterAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { cleanup, genKey, neo, run, startServer, tempDir, type Server } from "./harness.ts";
import { requiresTool } from "./requires.ts";

const need = requiresTool("/usr/bin/mosquitto_pub", "apt-get install mosquitto-clients");

async function sh(cmd: string[]) {
  const r = await run(cmd, { timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`${cmd.join(" ")}: ${r.stderr}`);
  return r;
}

const KEYS = {
  rsa: { root: ["-newkey", "rsa:3072"], inter: ["-newkey", "rsa:2048"] },
  ec: {
    root: ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384"],
    inter: ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384"],
  },
} as const;

const CONF =
  'Mqtt {\n  Tls {\n    Enabled = true\n    ClientAuth = "require"\n  }\n}\nHttp {\n  Tls {\n    Enabled = true\n    ClientAuth = "optional"\n  }\n}\n';

const dirs: string[] = [];
const servers: Server[] = [];
afterAll(async () => {
  for (const s of servers) await s.stop();
  for (const d of dirs) cleanup(d);
});

for (const kind of ["rsa", "ec"] as const) {
  describe.skipIf(need.skip)(`an ${kind === "rsa" ? "RSA" : "EC P-384"} company root`, () => {
    test("import-intermediate, key gen, openssl verify with the root, mosquitto_pub and curl with --cafile root.pem", async () => {
      need.check();
      const dir = tempDir(`neo-inter-${kind}-`);
      const data = tempDir(`neo-inter-data-${kind}-`);
      dirs.push(dir, data);
      const f = (n: string) => join(dir, n);
      await sh(
        [
          "openssl",
          "req",
          "-x509",
          ...KEYS[kind].root,
          "-nodes",
          "-keyout",
          f("root.key"),
          "-out",
          f("root.pem"),
        ].concat(["-days", "365", "-subj", "/CN=Acme Root CA/O=Acme"]),
      );
      await sh(
        ["openssl", "req", ...KEYS[kind].inter, "-nodes", "-keyout", f("neo-ca.key"), "-out", f("neo-ca.csr")].concat([
          "-subj",
          "/CN=Acme neo gateway CA/O=Acme",
        ]),
      );
      await Bun.write(
        f("ca.ext"),
        "basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n",
      );
      await sh([
        ...["openssl", "x509", "-req", "-in", f("neo-ca.csr"), "-CA", f("root.pem"), "-CAkey", f("root.key")],
        ...["-CAcreateserial", "-days", "200", "-out", f("neo-ca.pem"), "-extfile", f("ca.ext")],
      ]);
      // a device of the CA neo had before: it keeps working after the import
      const old = await genKey(data, "old-dev");
      const imp = await neo([
        ...["shell", "ca", "import-intermediate", "--data", data],
        ...["--cert", f("neo-ca.pem"), "--key", f("neo-ca.key"), "--chain", f("root.pem")],
      ]);
      expect(imp.stderr).toBe("");
      expect(imp.code).toBe(0);
      expect(imp.stdout).toContain(
        `neo's CA is now "CN=Acme neo gateway CA, O=Acme" (${kind === "rsa" ? "RSA 2048" : "EC P-384"})`,
      );

      const show = await neo(["shell", "ca", "show", "--format", "json", "--data", data]);
      expect(JSON.parse(show.stdout)).toMatchObject({
        subject: "CN=Acme neo gateway CA, O=Acme",
        chain: ["CN=Acme Root CA, O=Acme"],
        retired: [expect.stringMatching(/^CN=neo gateway CA /)],
      });

      const srv = await startServer(["--config", await conf(f)], { data });
      servers.push(srv);
      const dev = await genKey(data, "dev1");
      const v = await run([
        "openssl",
        "verify",
        "-CAfile",
        f("root.pem"),
        "-untrusted",
        f("neo-ca.pem"),
        `${dev.prefix}_cert.pem`,
      ]);
      expect(v.stdout).toContain(": OK");
      expect(v.code).toBe(0);

      const pub = (cafile: string, k: { prefix: string }, id: string) =>
        run(
          [
            ...["mosquitto_pub", "-h", "127.0.0.1", "-p", String(srv.mqttPort), "--cafile", cafile],
            ...[
              "--cert",
              `${k.prefix}_cert.pem`,
              "--key",
              `${k.prefix}_key.pem`,
              "-i",
              id,
              "-t",
              "t/x",
              "-q",
              "1",
              "-m",
              "1",
            ],
          ],
          { timeoutMs: 10_000 },
        );
      const r = await pub(f("root.pem"), dev, "dev1");
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      // the old CA's certificate: still trusted (the server is verified with the bundle key server-cert prints)
      expect((await neo(["shell", "key", "server-cert", "--output", f("bundle.pem"), "--data", data])).code).toBe(0);
      expect((await pub(f("bundle.pem"), old, "old-dev")).code).toBe(0);

      // HTTPS serves the chain; EST cacerts is neo's CA and the root
      const https = srv.httpUrl.replace("http://", "https://");
      const health = await run([
        "curl",
        "-s",
        "-S",
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        "--cacert",
        f("root.pem"),
        `${https}/health`,
      ]);
      expect(health.stdout).toBe("200");
      await sh([
        "curl",
        "-s",
        "-S",
        "--cacert",
        f("root.pem"),
        "-o",
        f("cacerts.b64"),
        `${https}/.well-known/est/cacerts`,
      ]);
      await sh(["openssl", "base64", "-d", "-in", f("cacerts.b64"), "-out", f("cacerts.der")]);
      const printed = await sh(["openssl", "pkcs7", "-inform", "DER", "-in", f("cacerts.der"), "-print_certs"]);
      expect(printed.stdout).toMatch(/subject=CN ?= ?Acme neo gateway CA, O ?= ?Acme\nissuer=CN ?= ?Acme Root CA/);
      expect(printed.stdout).toMatch(/subject=CN ?= ?Acme Root CA, O ?= ?Acme\nissuer=CN ?= ?Acme Root CA/);

      // EST enrollment: the device's own key, the answer carries neo's CA; it connects with the root only
      const made = await neo(["shell", "key", "enroll", "dev-est", "--expires", "1h", "--data", data]);
      const secret = /^ENROLLMENT (dev-est:e:[0-9a-f]{64})$/m.exec(made.stdout)?.[1] ?? "";
      expect(secret).not.toBe("");
      await sh(
        [
          "openssl",
          "req",
          "-new",
          ...KEYS.ec.inter,
          "-nodes",
          "-keyout",
          f("est_key.pem"),
          "-out",
          f("est.der"),
        ].concat(["-outform", "DER", "-subj", "/CN=dev-est"]),
      );
      await sh(["openssl", "base64", "-in", f("est.der"), "-out", f("est.b64")]);
      const enrolled = await run([
        ...["curl", "-s", "-S", "-o", f("est.p7.b64"), "-w", "%{http_code}", "--cacert", f("root.pem")],
        ...[
          "--user",
          `dev-est:${secret}`,
          "-H",
          "Content-Type: application/pkcs10",
          "--data-binary",
          `@${f("est.b64")}`,
        ],
        `${https}/.well-known/est/simpleenroll`,
      ]);
      expect(enrolled.stdout).toBe("200");
      await sh(["openssl", "base64", "-d", "-in", f("est.p7.b64"), "-out", f("est.p7")]);
      await sh(["openssl", "pkcs7", "-inform", "DER", "-in", f("est.p7"), "-print_certs", "-out", f("est_cert.pem")]);
      const ver = await run([
        "openssl",
        "verify",
        "-CAfile",
        f("root.pem"),
        "-untrusted",
        f("est_cert.pem"),
        f("est_cert.pem"),
      ]);
      expect(ver.stdout).toContain(": OK");
      expect((await pub(f("root.pem"), { prefix: f("est") }, "dev-est")).code).toBe(0);
    }, 120_000);
  });
}

async function conf(f: (n: string) => string): Promise<string> {
  await Bun.write(f("neo.conf"), CONF);
  return f("neo.conf");
}

describe.skipIf(need.skip)("import-intermediate refuses what cannot work, and changes nothing then", () => {
  test("not a CA, a key that is not the certificate's, no chain to the root, a short RSA key", async () => {
    need.check();
    const dir = tempDir("neo-inter-bad-");
    const data = tempDir("neo-inter-bad-data-");
    dirs.push(dir, data);
    const f = (n: string) => join(dir, n);
    const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
    await sh(["openssl", "req", "-x509", ...ec, "-keyout", f("root.key"), "-out", f("root.pem"), "-subj", "/CN=Root"]);
    await sh(["openssl", "req", ...ec, "-keyout", f("i.key"), "-out", f("i.csr"), "-subj", "/CN=Inter"]);
    await Bun.write(f("ca.ext"), "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n");
    await Bun.write(f("leaf.ext"), "basicConstraints=CA:FALSE\n");
    for (const [out, ext] of [
      ["i.pem", "ca.ext"],
      ["leaf.pem", "leaf.ext"],
    ] as const)
      await sh([
        ...["openssl", "x509", "-req", "-in", f("i.csr"), "-CA", f("root.pem"), "-CAkey", f("root.key")],
        ...["-CAcreateserial", "-days", "30", "-out", f(out), "-extfile", f(ext)],
      ]);
    await sh(["openssl", "genrsa", "-out", f("short.key"), "1024"]);
    await genKey(data, "before");
    const pki = async () => [
      await Bun.file(join(data, "pki/ca_cert.pem")).text(),
      await Bun.file(join(data, "pki/ca_key.pem")).text(),
    ];
    const was = await pki();
    const cases: [string[], RegExp][] = [
      [["--cert", f("leaf.pem"), "--key", f("i.key"), "--chain", f("root.pem")], /not a CA certificate/],
      [["--cert", f("i.pem"), "--key", f("root.key"), "--chain", f("root.pem")], /--key is not the key of --cert/],
      [["--cert", f("i.pem"), "--key", f("i.key")], /give --chain/],
      [["--cert", f("i.pem"), "--key", f("i.key"), "--chain", f("i.pem")], /no certificate that signed/],
      [["--cert", f("i.pem"), "--key", f("short.key"), "--chain", f("root.pem")], /RSA 1024 is too short/],
    ];
    for (const [args, re] of cases) {
      const r = await neo(["shell", "ca", "import-intermediate", "--data", data, ...args]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(re);
    }
    expect(await pki()).toEqual(was);
  }, 60_000);
});
