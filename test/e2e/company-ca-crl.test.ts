// A company CA under Policy "ca": any certificate of that CA naming a known client (here by
// a URI SAN, urn:acme:client:<id>) gets in, no registration; the CA's CRL file, made with
// `openssl ca -revoke` + `-gencrl`, is read again when it changes and cuts a revoked one off.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { cleanup, eventually, genKey, neo, run, startServer, tempDir, type Server } from "./harness.ts";
import { EC, genCrl, makeCompanyCa, sh, startCrl } from "./company-ca-kit.ts";
import { requiresTool } from "./requires.ts";

const need = requiresTool("/usr/bin/mosquitto_pub", "apt-get install mosquitto-clients");

describe.skipIf(need.skip)("a company CA with Policy ca, a URI SAN rule and a CRL", () => {
  let srv: Server;
  let dir: string;
  let neoCa: string;
  const f = (n: string) => join(dir, n);
  const pub = (name: string, id: string) =>
    run(
      [
        ...["mosquitto_pub", "-h", "127.0.0.1", "-p", String(srv.mqttPort), "--cafile", neoCa],
        ...["--cert", f(`${name}.crt`), "--key", f(`${name}.key`), "-i", id, "-t", "t/x", "-q", "1", "-m", "1"],
      ],
      { timeoutMs: 10_000 },
    );
  const device = async (name: string, uri: string) => {
    await sh([
      "openssl",
      "req",
      ...EC,
      "-keyout",
      f(`${name}.key`),
      "-out",
      f(`${name}.csr`),
      "-subj",
      `/CN=${name}/O=Acme`,
    ]);
    await Bun.write(f(`${name}.ext`), `subjectAltName=URI:${uri}\nextendedKeyUsage=clientAuth\n`);
    await sh([
      ...["openssl", "x509", "-req", "-days", "30", "-in", f(`${name}.csr`), "-CA", f("ca.crt"), "-CAkey", f("ca.key")],
      ...["-CAcreateserial", "-out", f(`${name}.crt`), "-extfile", f(`${name}.ext`)],
    ]);
  };

  beforeAll(async () => {
    need.check();
    dir = tempDir("neo-company-crl-");
    await makeCompanyCa(dir);
    await startCrl(dir);
    await device("dev-9", "urn:acme:client:dev-9");
    await device("nobody", "urn:acme:client:not-registered");
    await device("dev-live", "urn:acme:client:dev-live");
    const conf = f("neo.conf");
    await Bun.write(
      conf,
      `Mqtt {\n  Tls {\n    Enabled = true\n    ClientAuth = "require"\n  }\n}\nTls {\n  TrustedCA "acme" {\n    File = "${f("ca.crt")}"\n    Identity = "san-uri"\n    UriPrefix = "urn:acme:client:"\n    Policy = "ca"\n    CrlFile = "${f("ca.crl")}"\n  }\n}\n`,
    );
    srv = await startServer(["--config", conf]);
    neoCa = f("neo.crt");
    expect((await neo(["shell", "key", "server-cert", "--output", neoCa, "--data", srv.data])).code).toBe(0);
    await genKey(srv.data, "dev-9");
    await genKey(srv.data, "dev-live");
  }, 60_000);
  afterAll(async () => {
    await srv?.stop();
    if (srv) cleanup(srv.data);
    cleanup(dir);
  });

  test("a certificate of the CA naming a registered client connects without being registered itself", async () => {
    const r = await pub("dev-9", "dev-9");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
  });

  test("one naming no registered client is refused, and so is a client id that is not the certificate's", async () => {
    expect((await pub("nobody", "not-registered")).code).not.toBe(0);
    expect((await pub("dev-9", "someone-else")).code).not.toBe(0);
  });

  test("openssl ca -revoke and -gencrl: the changed CRL file is read again and the certificate is refused", async () => {
    await sh(["openssl", "ca", "-config", f("ca.cnf"), "-revoke", f("dev-9.crt")]);
    await genCrl(dir);
    await eventually(async () => (await pub("dev-9", "dev-9")).code !== 0, 10_000);
    expect(srv.logs()).toMatch(/read .*ca\.crl again \(1 revoked\)/);
  });

  test("a connected mosquitto_sub whose certificate the reloaded CRL lists is disconnected within a second", async () => {
    const sub: Subprocess<"ignore", "pipe", "pipe"> = Bun.spawn(
      [
        ...["stdbuf", "-oL", "mosquitto_sub", "-d", "-V", "5", "-h", "127.0.0.1", "-p", String(srv.mqttPort)],
        ...["--cafile", neoCa, "--cert", f("dev-live.crt"), "--key", f("dev-live.key"), "-i", "dev-live", "-t", "t/#"],
      ],
      { stdin: "ignore", stdout: "pipe", stderr: "pipe" },
    );
    let out = "";
    void (async () => {
      const dec = new TextDecoder();
      for await (const chunk of sub.stdout) out += dec.decode(chunk);
    })();
    try {
      await eventually(() => out.includes("SUBACK"), 10_000);
      await sh(["openssl", "ca", "-config", f("ca.cnf"), "-revoke", f("dev-live.crt")]);
      await genCrl(dir);
      const t0 = Date.now();
      // DISCONNECT 0x98 (administrative action), mosquitto prints it in decimal
      await eventually(() => /Received DISCONNECT \(152\)/i.test(out), 5_000);
      expect(Date.now() - t0).toBeLessThan(1500);
      expect(srv.logs()).toMatch(/disconnecting "dev-live": .*revoked by its CA/);
      // and it does not get back in
      expect((await pub("dev-live", "dev-live")).code).not.toBe(0);
    } finally {
      sub.kill();
      await sub.exited;
    }
  });
});
