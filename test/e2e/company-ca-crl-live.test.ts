// A company CA's CRL ends live sessions on the other mutual-TLS surfaces too: a CoAP
// observation over coaps+tcp (coap-client-openssl -s) and an open gRPC Append stream
// (@grpc/grpc-js) of a certificate the CA then revokes (`openssl ca -revoke` + `-gencrl`)
// end within a second of the CRL file changing, through the same current() answer as MQTT.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { coapBackground, coapClient } from "./coap-clients.ts";
import { needNode, nodeClient } from "./grpc-clients.ts";
import { cleanup, genKey, neo, startServer, tempDir, type Server } from "./harness.ts";
import { EC, genCrl, makeCompanyCa, sh, startCrl } from "./company-ca-kit.ts";

describe.skipIf(coapClient.skip || needNode.skip)("a company CRL ends CoAP observations and gRPC streams", () => {
  let srv: Server;
  let dir: string;
  let neoCa: string;
  const f = (n: string) => join(dir, n);
  const shell = (...a: string[]) => neo(["shell", ...a, "--data", srv.data, "--config", f("neo.conf")]);
  const device = async (name: string) => {
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
    await Bun.write(f("dev.ext"), "extendedKeyUsage=clientAuth\n");
    await sh([
      ...["openssl", "x509", "-req", "-days", "30", "-in", f(`${name}.csr`), "-CA", f("ca.crt"), "-CAkey", f("ca.key")],
      ...["-CAcreateserial", "-out", f(`${name}.crt`), "-extfile", f("dev.ext")],
    ]);
    return { cert: f(`${name}.crt`), key: f(`${name}.key`) };
  };
  const revoke = async (name: string) => {
    await sh(["openssl", "ca", "-config", f("ca.cnf"), "-revoke", f(`${name}.crt`)]);
    await genCrl(dir);
  };

  beforeAll(async () => {
    coapClient.check();
    needNode.check();
    dir = tempDir("neo-company-crl-live-");
    await makeCompanyCa(dir, "Acme CA");
    await startCrl(dir);
    await Bun.write(
      f("neo.conf"),
      [
        'Grpc {\n  Listen = "127.0.0.1:0"\n  Tls {\n    Enabled = true\n    ClientAuth = "require"\n  }\n}',
        'Coap {\n  Tls { Listen = "127.0.0.1:0" }\n}',
        `Tls {\n  TrustedCA "acme" {\n    File = "${f("ca.crt")}"\n    Identity = "cn"\n    Policy = "pinned"\n    CrlFile = "${f("ca.crl")}"\n  }\n}\n`,
      ].join("\n"),
    );
    srv = await startServer(["--config", f("neo.conf")]);
    neoCa = f("neo.crt");
    expect((await neo(["shell", "key", "server-cert", "--output", neoCa, "--data", srv.data])).code).toBe(0);
    for (const d of ["obs-1", "app-1"]) {
      await genKey(srv.data, d);
      await device(d);
      const r = await shell("key", "import", d, "--cert", f(`${d}.crt`));
      if (r.code !== 0) throw new Error(r.stderr);
    }
    for (const a of [
      ["channel", "create", "ch1"],
      ["channel", "connect", "ch1", "obs-1"],
    ]) {
      const r = await shell(...a);
      if (r.code !== 0) throw new Error(r.stderr);
    }
  }, 60_000);
  afterAll(async () => {
    await srv?.stop();
    if (srv) cleanup(srv.data);
    if (dir) cleanup(dir);
  });

  test("an observation over coaps+tcp ends (4.01) within a second of the CRL listing its certificate", async () => {
    const url = `coaps+tcp://${srv.ready.coapsTcp}/channels/ch1/messages`;
    const obs = coapBackground(["-s", "60", "-v", "6", "-c", f("obs-1.crt"), "-j", f("obs-1.key"), "-C", neoCa, url]);
    try {
      await obs.waitFor("Observe:1");
      await revoke("obs-1");
      const t0 = Date.now();
      await obs.waitFor(/c:4\.01/);
      expect(Date.now() - t0).toBeLessThan(1500);
    } finally {
      await obs.stop();
    }
  });

  test("an open gRPC Append stream ends (UNAUTHENTICATED) within a second of the CRL listing its certificate", async () => {
    const c = nodeClient(
      srv.ready.grpc ?? "",
      neoCa,
      { cert: f("app-1.crt"), key: f("app-1.key") },
      "append-hold",
      "CRLHOLD",
    );
    try {
      await c.line((l) => l.event === "open" || l.event === "error");
      await revoke("app-1");
      const t0 = Date.now();
      const ended = await c.line((l) => l.event === "ended" || l.event === "error" || l.event === "done", 5000);
      expect(ended).toMatchObject({ event: "ended", code: "UNAUTHENTICATED" });
      expect(String(ended.details)).toContain("revoked by its CA");
      expect(Date.now() - t0).toBeLessThan(1500);
    } finally {
      c.stop();
      await c.proc.exited;
    }
  });
});
