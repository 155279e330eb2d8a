// Devices that make their own key (issue 22): `openssl req` on the device, `neo shell key
// sign <id> --csr` on the gateway, mosquitto_pub with the signed certificate; the EST
// trust anchor from /.well-known/est/cacerts read the way RFC 7030's examples do.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { cleanup, neo, run, startServer, tempDir, type Server } from "./harness.ts";
import { requiresTool } from "./requires.ts";

const need = requiresTool("/usr/bin/mosquitto_pub", "apt-get install mosquitto-clients");

describe.skipIf(need.skip)("a device's own key: CSR signed by the gateway CA", () => {
  let srv: Server;
  let dir: string;
  let neoCa: string;
  const f = (n: string) => join(dir, n);
  const pub = (cert: string, key: string, id: string) =>
    run(
      [
        ...["mosquitto_pub", "-h", "127.0.0.1", "-p", String(srv.mqttPort), "--cafile", neoCa, "--cert", cert],
        ...["--key", key, "-i", id, "-t", "dev/x", "-q", "1", "-m", "1"],
      ],
      { timeoutMs: 10_000 },
    );
  const openssl = async (args: string[]) => {
    const r = await run(["openssl", ...args], { timeoutMs: 30_000 });
    if (r.code !== 0) throw new Error(`openssl ${args.join(" ")}: ${r.stderr}`);
    return r;
  };

  beforeAll(async () => {
    need.check();
    dir = tempDir("neo-csr-");
    await Bun.write(
      f("neo.conf"),
      'Mqtt {\n  Tls {\n    Enabled = true\n    ClientAuth = "require"\n  }\n}\nHttp {\n  Tls { Enabled = true }\n}\n',
    );
    srv = await startServer(["--config", f("neo.conf")]);
    neoCa = f("neo.crt");
    expect((await neo(["shell", "key", "server-cert", "--output", neoCa, "--data", srv.data])).code).toBe(0);
  }, 30_000);
  afterAll(async () => {
    await srv?.stop();
    if (srv) cleanup(srv.data);
    cleanup(dir);
  });

  test("GET /.well-known/est/cacerts is the gateway CA as PKCS#7 certs-only, base64 (openssl pkcs7 -print_certs)", async () => {
    const r = await run([
      "curl",
      "-s",
      "-S",
      "--cacert",
      neoCa,
      "-D",
      f("h.txt"),
      "-o",
      f("cacerts.p7"),
      `${srv.httpUrl}/.well-known/est/cacerts`,
    ]);
    expect(r.code).toBe(0);
    expect(await Bun.file(f("h.txt")).text()).toMatch(/content-type: application\/pkcs7-mime; smime-type=certs-only/i);
    await openssl(["base64", "-d", "-in", f("cacerts.p7"), "-out", f("cacerts.der")]);
    const printed = await openssl(["pkcs7", "-inform", "DER", "-in", f("cacerts.der"), "-print_certs"]);
    const ca = await Bun.file(neoCa).text();
    expect(printed.stdout.replace(/\s+/g, "")).toContain(ca.replace(/\s+/g, ""));
    const attrs = await run([
      "curl",
      "-s",
      "-o",
      "/dev/null",
      "-w",
      "%{http_code}",
      "--cacert",
      neoCa,
      `${srv.httpUrl}/.well-known/est/csrattrs`,
    ]);
    expect(attrs.stdout).toBe("204");
  });

  test("key sign registers a new client from its CSR; mosquitto_pub with the signed certificate publishes", async () => {
    await openssl([
      "req",
      "-new",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-keyout",
      f("d1.key"),
      "-out",
      f("d1.csr"),
      "-subj",
      "/CN=whatever",
    ]);
    const r = await neo([
      "shell",
      "key",
      "sign",
      "dev-csr1",
      "--csr",
      f("d1.csr"),
      "--output",
      f("d1.crt"),
      "--data",
      srv.data,
    ]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^TOKEN dev-csr1:b:[0-9a-f]{64}$/m);
    const subject = await openssl(["x509", "-in", f("d1.crt"), "-noout", "-subject"]);
    expect(subject.stdout).toContain("CN = dev-csr1");
    const ok = await pub(f("d1.crt"), f("d1.key"), "dev-csr1");
    expect(ok.stderr).toBe("");
    expect(ok.code).toBe(0);
  });

  test("signing again (an RSA key this time) replaces the certificate: the old one is refused, the new one works", async () => {
    await openssl([
      "req",
      "-new",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      f("d2.key"),
      "-out",
      f("d2.csr"),
      "-subj",
      "/CN=dev-csr1",
    ]);
    const r = await neo([
      "shell",
      "key",
      "sign",
      "dev-csr1",
      "--csr",
      f("d2.csr"),
      "--output",
      f("d2.crt"),
      "--data",
      srv.data,
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain("TOKEN");
    expect((await pub(f("d2.crt"), f("d2.key"), "dev-csr1")).code).toBe(0);
    expect((await pub(f("d1.crt"), f("d1.key"), "dev-csr1")).code).not.toBe(0);
  });

  test("a request whose signature does not verify is refused", async () => {
    const pem = await Bun.file(f("d1.csr")).text();
    const der = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ""), "base64");
    der[der.length - 5] = (der[der.length - 5] ?? 0) ^ 0xff; // inside the signature
    await Bun.write(f("bad.csr"), der);
    const r = await neo(["shell", "key", "sign", "dev-csr2", "--csr", f("bad.csr"), "--data", srv.data]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/signature does not verify|not a PKCS#10/);
  });
});
