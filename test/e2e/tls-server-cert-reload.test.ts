// The server certificate from the company CA, in files, renewed in place: a SIGHUP loads
// the new files (same paths) on the MQTT TLS and HTTPS listeners without dropping the
// connections that are open (issue 22).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import mqtt from "mqtt";
import { cleanup, run, startServer, tempDir, type Server } from "./harness.ts";
import { requiresTool } from "./requires.ts";
import { freePorts } from "./tls-fixture.ts";

const need = requiresTool("/usr/bin/mosquitto_pub", "apt-get install mosquitto-clients");

describe.skipIf(need.skip)("server certificate files replaced, then SIGHUP", () => {
  let srv: Server;
  let dir: string;
  const f = (n: string) => join(dir, n);
  const sh = async (cmd: string[]) => {
    const r = await run(cmd, { timeoutMs: 30_000 });
    if (r.code !== 0) throw new Error(`${cmd.join(" ")}: ${r.stderr}`);
  };
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
  /** a CA `name` and a server certificate for 127.0.0.1 from it, written to server.crt/server.key */
  const serverFrom = async (name: string) => {
    await sh([
      "openssl",
      "req",
      "-x509",
      ...ec,
      "-keyout",
      f(`${name}.key`),
      "-out",
      f(`${name}.crt`),
      "-days",
      "2",
      "-subj",
      `/CN=${name}`,
    ]);
    await sh(["openssl", "req", ...ec, "-keyout", f("next.key"), "-out", f("next.csr"), "-subj", "/CN=127.0.0.1"]);
    await Bun.write(f("san.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
    await sh([
      ...["openssl", "x509", "-req", "-in", f("next.csr"), "-CA", f(`${name}.crt`), "-CAkey", f(`${name}.key`)],
      ...["-CAcreateserial", "-out", f("next.crt"), "-days", "2", "-extfile", f("san.ext")],
    ]);
    // replace in place, as a renewal job does
    await Bun.write(f("server.key"), Bun.file(f("next.key")));
    await Bun.write(f("server.crt"), Bun.file(f("next.crt")));
  };
  const pub = (ca: string) =>
    run(["mosquitto_pub", "-h", "127.0.0.1", "-p", String(srv.mqttPort), "--cafile", f(ca), "-t", "t", "-m", "1"], {
      timeoutMs: 10_000,
    });
  const https = (ca: string) =>
    run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", f(ca), `${srv.httpUrl}/health`]);

  beforeAll(async () => {
    need.check();
    dir = tempDir("neo-srvcert-");
    await serverFrom("ca1");
    const tls = `  Tls {\n    Enabled = true\n    ClientAuth = "optional"\n    CertFile = "${f("server.crt")}"\n    KeyFile = "${f("server.key")}"\n  }\n`;
    const [mp, hp] = (await freePorts(2)) as [number, number];
    await Bun.write(
      f("neo.conf"),
      `Mqtt {\n  Listen = "127.0.0.1:${mp}"\n${tls}}\nHttp {\n  Listen = "127.0.0.1:${hp}"\n${tls.replace('"optional"', '"none"')}}\n`,
    );
    srv = await startServer(["--config", f("neo.conf")], { noPortFlags: true });
  }, 30_000);
  afterAll(async () => {
    await srv?.stop();
    if (srv) cleanup(srv.data);
    cleanup(dir);
  });

  test("new connections get the new certificate; an open MQTT session stays", async () => {
    expect((await pub("ca1.crt")).code).toBe(0);
    expect((await https("ca1.crt")).stdout).toBe("200");
    const open = await mqtt.connectAsync(`mqtts://127.0.0.1:${srv.mqttPort}`, {
      ca: await Bun.file(f("ca1.crt")).text(),
      reconnectPeriod: 0,
      clientId: "stays",
    });
    let closed = false;
    open.on("close", () => {
      closed = true;
    });
    await serverFrom("ca2");
    srv.proc.kill("SIGHUP");
    await srv.waitForLog(/config reloaded: .*MQTT listener tls:.*HTTP listener https?:/);
    expect((await pub("ca2.crt")).code).toBe(0);
    expect((await pub("ca1.crt")).code).not.toBe(0);
    expect((await https("ca2.crt")).stdout).toBe("200");
    expect((await https("ca1.crt")).stdout).not.toBe("200");
    await open.publishAsync("still/here", "1", { qos: 1 });
    expect(closed).toBe(false);
    await open.endAsync();
  });
});
