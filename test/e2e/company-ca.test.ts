// The company's CA (issue 22): a thing certificate made exactly as Mainflux's seed Makefile
// does (own CA, the thing's key in the CN, O/OU/emailAddress set) connects over MQTTS and
// HTTPS once its CA is trusted and the certificate registered with `neo shell key import`;
// the same recipe with a wrong key in the CN is refused, at import and on the wire.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { cleanup, eventually, genKey, neo, run, startServer, tempDir, type Server } from "./harness.ts";
import { requiresTool } from "./requires.ts";
import type { Key } from "./tls-fixture.ts";

const need = requiresTool("/usr/bin/mosquitto_pub", "apt-get install mosquitto-clients");
const SUBJ = "/O=Magistrala/OU=magistrala/emailAddress=info@magistrala.com";
const SENML = '[{"bn":"some-base-name:","bt":1.276020076001e+09,"bu":"A","bver":5,"n":"voltage","u":"V","v":120.1}]';

/** the seed Makefile's `make ca` and `make thing_cert KEY=<key> CRT_FILE_NAME=<name>` */
async function makefile(dir: string, step: "ca" | "thing_cert", key = "", name = "thing") {
  const f = (n: string) => join(dir, n);
  const steps =
    step === "ca"
      ? [
          ["openssl", "req", "-newkey", "rsa:2048", "-x509", "-nodes", "-sha512", "-days", "1095"],
          ["-keyout", f("ca.key"), "-out", f("ca.crt"), "-subj", `/CN=localhost${SUBJ}`],
        ]
      : [
          ["openssl", "req", "-new", "-sha256", "-newkey", "rsa:4096", "-nodes", "-keyout", f(`${name}.key`)],
          ["-out", f(`${name}.csr`), "-subj", `/CN=${key}${SUBJ}`],
        ];
  const cmds = [steps.flat()];
  if (step === "thing_cert")
    cmds.push([
      ...["openssl", "x509", "-req", "-days", "730", "-in", f(`${name}.csr`), "-CA", f("ca.crt")],
      ...["-CAkey", f("ca.key"), "-CAcreateserial", "-out", f(`${name}.crt`)],
    ]);
  for (const c of cmds) {
    const r = await run(c, { timeoutMs: 30_000 });
    if (r.code !== 0) throw new Error(`${c.join(" ")}: ${r.stderr}`);
  }
  return { cert: f(`${name}.crt`), key: f(`${name}.key`) };
}

describe.skipIf(need.skip)("a thing certificate from the company's CA, Mainflux's recipe", () => {
  let srv: Server;
  let dir: string;
  let conf: string;
  let neoCa: string;
  let thing: Key;
  let good: { cert: string; key: string };
  let wrong: { cert: string; key: string };
  const mqttsPort = () =>
    srv.ready.mqttListeners
      .find((l) => l.name === "mqtts")
      ?.address.split(":")
      .at(-1) ?? "0";
  const pub = (c: { cert: string; key: string }, token: string) =>
    run(
      [
        ...["mosquitto_pub", "-u", "thing-1", "-P", token, "-t", "channels/ch-1/messages", "-h", "127.0.0.1"],
        ...["-p", mqttsPort(), "--cafile", neoCa, "--cert", c.cert, "--key", c.key, "-q", "1", "-m", SENML],
      ],
      { timeoutMs: 10_000 },
    );
  const curl = (c: { cert: string; key: string }) =>
    run([
      ...["curl", "-s", "-S", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", neoCa, "--cert", c.cert],
      ...["--key", c.key, "-X", "POST", "-H", "Content-Type: application/senml+json"],
      ...[`${srv.httpUrl}/http/channels/ch-1/messages`, "-d", SENML],
    ]);
  const shell = async (...args: string[]) => neo(["shell", ...args, "--data", srv.data, "--config", conf]);
  const stored = async () => {
    const r = await fetch(`${srv.httpUrl}/db/query?q=${encodeURIComponent("select count(*) from CH_1")}`, {
      headers: { Authorization: `Bearer ${thing.token}` },
      tls: { ca: Bun.file(neoCa) },
    } as RequestInit);
    const j = (await r.json()) as { data?: { rows: number[][] } };
    return j.data?.rows[0]?.[0] ?? 0;
  };

  beforeAll(async () => {
    need.check();
    dir = tempDir("neo-company-ca-");
    await makefile(dir, "ca");
    conf = join(dir, "neo.conf");
    await Bun.write(
      conf,
      `Http {
  EnableTokenAuth = true
  Tls {
    Enabled = true
    ClientAuth = "optional"
  }
}
Mqtt {
  Listener "mqtts" {
    Address = "tls://127.0.0.1:0"
    ClientAuth = "require"
  }
}
Tls {
  TrustedCA "things" {
    File = "${join(dir, "ca.crt")}"
    Identity = "mainflux-key"
    Policy = "pinned"
  }
}
`,
    );
    srv = await startServer(["--config", conf]);
    neoCa = join(dir, "neo.crt");
    expect((await neo(["shell", "key", "server-cert", "--output", neoCa, "--data", srv.data])).code).toBe(0);
    thing = await genKey(srv.data, "thing-1");
    for (const a of [
      ["channel", "create", "ch-1"],
      ["channel", "connect", "ch-1", "thing-1"],
    ]) {
      const r = await shell(...a);
      if (r.code !== 0) throw new Error(r.stderr);
    }
    const secret = thing.token.split(":b:")[1] ?? "";
    [good, wrong] = await Promise.all([
      makefile(dir, "thing_cert", secret, "thing"),
      makefile(dir, "thing_cert", "0".repeat(64), "wrong"),
    ]);
  }, 90_000);
  afterAll(async () => {
    await srv?.stop();
    if (srv) cleanup(srv.data);
    cleanup(dir);
  });

  test("before it is registered the certificate is refused: unknown certificate", async () => {
    const r = await pub(good, thing.token);
    expect(r.code).not.toBe(0);
  });

  test("key import refuses the certificate whose CN is not the thing's key", async () => {
    const r = await shell("key", "import", "thing-1", "--cert", wrong.cert);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('is not the key of "thing-1"');
  });

  test("key import registers the seed-made certificate; mosquitto_pub -u <id> -P <key> with it publishes", async () => {
    const imp = await shell("key", "import", "thing-1", "--cert", good.cert);
    expect(imp.stderr).toBe("");
    expect(imp.code).toBe(0);
    const before = await stored();
    const r = await pub(good, thing.token);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    await eventually(async () => (await stored()) === before + 1);
  });

  test("curl --cert with it posts to /http/channels/<id>/messages: 202", async () => {
    const before = await stored();
    const r = await curl(good);
    expect(r.stdout).toBe("202");
    await eventually(async () => (await stored()) === before + 1);
  });

  test("the same recipe with a wrong key in the CN is refused on MQTTS and HTTPS", async () => {
    const before = await stored();
    expect((await pub(wrong, thing.token)).code).not.toBe(0);
    expect((await curl(wrong)).stdout).toBe("401");
    expect(await stored()).toBe(before);
  });

  test("key revoke cuts the imported certificate off", async () => {
    expect((await shell("key", "revoke", "thing-1")).code).toBe(0);
    expect((await pub(good, thing.token)).code).not.toBe(0);
    expect((await curl(good)).stdout).toBe("401");
  });
});
