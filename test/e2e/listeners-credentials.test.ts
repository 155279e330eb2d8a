// A listener's `Credentials` (issue 22): which credential forms it accepts, passed into
// the one identify(). With mosquitto_pub: a certificate-only MQTTS listener refuses a valid
// token, a token-only one refuses a valid certificate; the accepted form works on each.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { cleanup, eventually, genKey, neo, run, startServer, tempDir, type Server } from "./harness.ts";
import { type Key, ROW } from "./tls-fixture.ts";
import { requiresTool } from "./requires.ts";

const need = requiresTool("/usr/bin/mosquitto_pub", "apt-get install mosquitto-clients");

const CONF = `Http {
  EnableTokenAuth = true
}
Mqtt {
  Listener "certs" {
    Address = "tls://127.0.0.1:0"
    ClientAuth = "optional"
    EnableTokenAuth = true
    Credentials = ["certificate"]
  }
  Listener "tokens" {
    Address = "tls://127.0.0.1:0"
    ClientAuth = "optional"
    EnableTokenAuth = true
    Credentials = ["token"]
  }
}
`;

describe.skipIf(need.skip)("Credentials: the credential forms a listener accepts", () => {
  let srv: Server;
  let dir: string;
  let ca: string;
  let dev: Key;
  const at = (name: string) =>
    srv.ready.mqttListeners
      .find((x) => x.name === name)
      ?.address.split(":")
      .at(-1) ?? "0";
  const pub = (name: string, args: string[]) =>
    run(
      [
        ...["mosquitto_pub", "-h", "127.0.0.1", "-p", at(name), "--cafile", ca, "-q", "1", "-t", "db/append/LSTNCR"],
        ...args,
      ],
      { timeoutMs: 10000 },
    );
  const withCert = () => ["--cert", dev.cert, "--key", dev.key];

  beforeAll(async () => {
    need.check();
    dir = tempDir("neo-listeners-cred-");
    const conf = join(dir, "neo.conf");
    await Bun.write(conf, CONF);
    srv = await startServer(["--config", conf]);
    ca = join(dir, "neo.crt");
    const sc = await neo(["shell", "key", "server-cert", "--output", ca, "--data", srv.data]);
    if (sc.code !== 0) throw new Error(sc.stderr);
    dev = await genKey(srv.data, "cred-dev1");
  }, 30000);
  afterAll(async () => {
    await srv?.stop();
    if (srv) cleanup(srv.data);
    cleanup(dir);
  });

  test("the certificate-only listener takes the certificate and refuses the same client's valid token", async () => {
    const ok = await pub("certs", [...withCert(), "-i", "cred-dev1", "-m", ROW("cert.ok")]);
    expect(ok.stderr).toBe("");
    expect(ok.code).toBe(0);
    const token = await pub("certs", ["-i", "cred-dev1", "-u", dev.token, "-m", ROW("token.no")]);
    expect(token.code).not.toBe(0);
    expect(token.stderr).toMatch(/not authori[sz]ed/i);
  });

  test("the token-only listener takes the token and refuses the same client's valid certificate", async () => {
    const ok = await pub("tokens", ["-i", "cred-dev1", "-u", dev.token, "-m", ROW("token.ok")]);
    expect(ok.stderr).toBe("");
    expect(ok.code).toBe(0);
    const cert = await pub("tokens", [...withCert(), "-i", "cred-dev1", "-m", ROW("cert.no")]);
    expect(cert.code).not.toBe(0);
    expect(cert.stderr).toMatch(/not authori[sz]ed/i);
  });

  test("the audit trail records the refusals with the listener and the form", async () => {
    const rows = await eventually(async () => {
      const r = await neo(["shell", "audit", "--format", "json", "--data", srv.data, "--limit", "50"]);
      const all = JSON.parse(r.stdout) as { listener?: string; result: string; action: string; method?: string }[];
      const fails = all.filter((e) => e.action === "connect" && e.result === "fail");
      return fails.length >= 2 ? fails : undefined;
    });
    expect(rows.map((e) => `${e.listener} ${e.method}`).sort()).toEqual(["certs token", "tokens certificate"]);
  });

  test("an unknown form is a config error with the file, line and column", async () => {
    const bad = join(dir, "bad.conf");
    await Bun.write(
      bad,
      'Mqtt {\n  Listener "x" {\n    Address = "tcp://127.0.0.1:0"\n    Credentials = ["password"]\n  }\n}\n',
    );
    const r = await neo(["config", "check", bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${bad}:4:19: Mqtt.Listener "x".Credentials: expected a list of "token", "certificate"`);
  });
});
