// The company's CA on the other mutual-TLS listeners (issue 22): a device certificate made
// with openssl under the company CA (Tls.TrustedCA, Identity "cn", Policy "pinned") and
// registered with `neo shell key import` publishes over coaps+tcp (coap-client-openssl
// -c/-j) and queries over gRPC (@grpc/grpc-js), through the same identify() rules as MQTTS
// and HTTPS; before it is imported the same certificate is refused.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { coap, coapClient } from "./coap-clients.ts";
import { needNode, nodeClient } from "./grpc-clients.ts";
import { cleanup, genKey, neo, startServer, tempDir, type Server } from "./harness.ts";
import { EC, makeCompanyCa, sh } from "./company-ca-kit.ts";

describe.skipIf(coapClient.skip || needNode.skip)("a company-CA certificate over gRPC and coaps+tcp", () => {
  let srv: Server;
  let dir: string;
  let neoCa: string;
  const f = (n: string) => join(dir, n);
  const device = { cert: "", key: "" };
  const shell = (...a: string[]) => neo(["shell", ...a, "--data", srv.data, "--config", f("neo.conf")]);
  const post = (v: number) =>
    coap([
      ...["-m", "post", "-t", "110", "-e", `[{"n":"co","t":${1700000000 + v},"v":${v}}]`, "-v", "6"],
      ...["-c", device.cert, "-j", device.key, "-C", neoCa, `coaps+tcp://${srv.ready.coapsTcp}/channels/ch1/messages`],
    ]);

  beforeAll(async () => {
    coapClient.check();
    needNode.check();
    dir = tempDir("neo-company-grpc-coap-");
    await makeCompanyCa(dir);
    await sh(["openssl", "req", ...EC, "-keyout", f("dev.key"), "-out", f("dev.csr"), "-subj", "/CN=dev-c/O=Acme"]);
    await Bun.write(f("dev.ext"), "extendedKeyUsage=clientAuth\n");
    await sh([
      ...["openssl", "x509", "-req", "-days", "30", "-in", f("dev.csr"), "-CA", f("ca.crt"), "-CAkey", f("ca.key")],
      ...["-CAcreateserial", "-out", f("dev.crt"), "-extfile", f("dev.ext")],
    ]);
    Object.assign(device, { cert: f("dev.crt"), key: f("dev.key") });
    await Bun.write(
      f("neo.conf"),
      [
        'Grpc {\n  Listen = "127.0.0.1:0"\n  Tls {\n    Enabled = true\n    ClientAuth = "require"\n  }\n}',
        'Coap {\n  Tls { Listen = "127.0.0.1:0" }\n}',
        `Tls {\n  TrustedCA "acme" {\n    File = "${f("ca.crt")}"\n    Identity = "cn"\n    Policy = "pinned"\n  }\n}\n`,
      ].join("\n"),
    );
    srv = await startServer(["--config", f("neo.conf")]);
    neoCa = f("neo.crt");
    expect((await neo(["shell", "key", "server-cert", "--output", neoCa, "--data", srv.data])).code).toBe(0);
    await genKey(srv.data, "dev-c");
    for (const a of [
      ["channel", "create", "ch1"],
      ["channel", "connect", "ch1", "dev-c"],
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

  test("coaps+tcp: refused before key import (4.01), 2.04 and stored after it", async () => {
    const before = await post(1);
    expect(before.stdout).toContain("c:4.01");
    // refused at first use, and kept for approval with the address it came from
    const pending = async () =>
      JSON.parse((await shell("key", "pending", "--format", "json")).stdout) as { clientId: string; address: string }[];
    expect(await pending()).toMatchObject([{ clientId: "dev-c", address: "127.0.0.1" }]);
    const imp = await shell("key", "import", "dev-c", "--cert", device.cert);
    expect(imp.stderr).toBe("");
    expect(imp.code).toBe(0);
    expect(await pending()).toEqual([]); // registered by key import: no longer waiting
    const r = await post(2);
    expect(r.stdout).toContain("c:2.04");
  });

  test("gRPC (@grpc/grpc-js, mutual TLS): the imported certificate queries what it stored", async () => {
    const c = nodeClient(srv.ready.grpc ?? "", neoCa, device, "query", "select * from ch1");
    try {
      expect(await c.line((l) => l.event === "rows" || l.event === "error")).toEqual({ event: "rows", n: 1 });
    } finally {
      c.stop();
      await c.proc.exited;
    }
  });

  test("key revoke cuts it off on both", async () => {
    expect((await shell("key", "revoke", "dev-c")).code).toBe(0);
    expect((await post(3)).stdout).not.toContain("c:2.04");
    const c = nodeClient(srv.ready.grpc ?? "", neoCa, device, "query", "select * from ch1");
    try {
      const l = await c.line((x) => x.event === "rows" || x.event === "error");
      expect(l.event).toBe("error");
    } finally {
      c.stop();
      await c.proc.exited;
    }
  });
});
