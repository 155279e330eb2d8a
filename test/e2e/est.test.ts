// EST (RFC 7030) with openssl and curl only, and a device's whole life in one test (issue
// 22): one-time enrollment secret -> simpleenroll -> mosquitto_pub with the enrolled
// certificate -> simplereenroll with the current certificate -> the old one cut off after
// the grace period -> revoke.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import mqtt from "mqtt";
import { cleanup, neo, run, startServer, tempDir, type Server } from "./harness.ts";
import { requiresTool } from "./requires.ts";

const need = requiresTool("/usr/bin/mosquitto_pub", "apt-get install mosquitto-clients");

describe.skipIf(need.skip)("EST enrollment and renewal", () => {
  let srv: Server;
  let dir: string;
  let neoCa: string;
  const f = (n: string) => join(dir, n);
  const sh = async (cmd: string[]) => {
    const r = await run(cmd, { timeoutMs: 30_000 });
    if (r.code !== 0) throw new Error(`${cmd.join(" ")}: ${r.stderr}`);
    return r;
  };
  /** openssl req for a new key and CSR, base64 DER as RFC 7030 sends it */
  const csr = async (name: string) => {
    await sh(
      ["openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"].concat([
        "-keyout",
        f(`${name}.key`),
        "-out",
        f(`${name}.csr.der`),
        "-outform",
        "DER",
        "-subj",
        `/CN=${name}`,
      ]),
    );
    await sh(["openssl", "base64", "-in", f(`${name}.csr.der`), "-out", f(`${name}.csr.b64`)]);
  };
  /** curl the EST operation; the answer (PKCS#7 base64) -> openssl pkcs7 -print_certs -> PEM */
  const est = async (op: string, name: string, auth: string[], out: string) => {
    const r = await run([
      ...["curl", "-s", "-S", "-o", f(`${out}.p7.b64`), "-w", "%{http_code}", "--cacert", neoCa, ...auth],
      ...["-H", "Content-Type: application/pkcs10", "--data-binary", `@${f(`${name}.csr.b64`)}`],
      `${srv.httpUrl}/.well-known/est/${op}`,
    ]);
    if (r.stdout !== "200") return r.stdout;
    await sh(["openssl", "base64", "-d", "-in", f(`${out}.p7.b64`), "-out", f(`${out}.p7`)]);
    await sh(["openssl", "pkcs7", "-inform", "DER", "-in", f(`${out}.p7`), "-print_certs", "-out", f(`${out}.crt`)]);
    return r.stdout;
  };
  const pub = (name: string, key = name) =>
    run(
      [
        ...[
          "mosquitto_pub",
          "-h",
          "127.0.0.1",
          "-p",
          String(srv.mqttPort),
          "--cafile",
          neoCa,
          "--cert",
          f(`${name}.crt`),
        ],
        ...["--key", f(`${key}.key`), "-i", "dev-est", "-t", "est/x", "-q", "1", "-m", "1"],
      ],
      { timeoutMs: 10_000 },
    );

  beforeAll(async () => {
    need.check();
    dir = tempDir("neo-est-");
    await Bun.write(
      f("neo.conf"),
      'Mqtt {\n  Tls {\n    Enabled = true\n    ClientAuth = "require"\n  }\n}\nHttp {\n  Tls {\n    Enabled = true\n    ClientAuth = "optional"\n  }\n}\nTls { RenewalGrace = "3s" }\n',
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

  test("a device's whole life: enroll with a one-time secret, publish, renew, old certificate cut off, revoke", async () => {
    const made = await neo([
      "shell",
      "key",
      "enroll",
      "dev-est",
      "--scope",
      "topics:publish:est/#",
      "--expires",
      "1h",
      "--data",
      srv.data,
    ]);
    expect(made.code).toBe(0);
    const secret = /^ENROLLMENT (dev-est:e:[0-9a-f]{64})$/m.exec(made.stdout)?.[1] ?? "";
    expect(secret).not.toBe("");
    await csr("d1");
    // a wrong secret is refused
    expect(await est("simpleenroll", "d1", ["--user", `dev-est:dev-est:e:${"0".repeat(64)}`], "x")).toBe("401");
    expect(await est("simpleenroll", "d1", ["--user", `dev-est:${secret}`], "d1")).toBe("200");
    const subject = await sh(["openssl", "x509", "-in", f("d1.crt"), "-noout", "-subject"]);
    expect(subject.stdout).toContain("CN = dev-est");
    // pre-registered like key gen, with the scopes the operator set
    const list = JSON.parse((await neo(["shell", "key", "list", "--format", "json", "--data", srv.data])).stdout) as {
      id: string;
      scopes: string[];
    }[];
    expect(list.find((k) => k.id === "dev-est")?.scopes).toEqual(["topics:publish:est/#"]);
    // the secret works once
    expect(await est("simpleenroll", "d1", ["--user", `dev-est:${secret}`], "again")).toBe("401");
    const first = await pub("d1");
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    // renewal: a new key, the current certificate as the TLS client certificate
    await csr("d2");
    expect(await est("simplereenroll", "d2", ["--cert", f("d1.crt"), "--key", f("d1.key")], "d2")).toBe("200");
    const renewedAt = Date.now();
    expect((await pub("d2")).code).toBe(0);
    // renewal needs a certificate: the enrollment secret (used) or nothing is refused
    expect(await est("simplereenroll", "d2", [], "y")).toBe("401");
    // the old certificate works during the grace period (a session opened with it now),
    // and when the grace period ends the session ends and the certificate is refused
    const live = await mqtt.connectAsync(`mqtts://127.0.0.1:${srv.mqttPort}`, {
      clientId: "dev-est",
      ca: await Bun.file(neoCa).text(),
      cert: await Bun.file(f("d1.crt")).text(),
      key: await Bun.file(f("d1.key")).text(),
      reconnectPeriod: 0,
    });
    const ended = await new Promise<number>((resolve) => live.on("close", () => resolve(Date.now())));
    expect(ended).toBeGreaterThanOrEqual(renewedAt + 2500);
    expect((await pub("d1")).code).not.toBe(0);
    expect((await pub("d2")).code).toBe(0);
    // revoke: the renewed certificate is refused too, and enrolling with it is 401
    expect((await neo(["shell", "key", "revoke", "dev-est", "--data", srv.data])).code).toBe(0);
    expect((await pub("d2")).code).not.toBe(0);
    expect(await est("simpleenroll", "d2", ["--cert", f("d2.crt"), "--key", f("d2.key")], "z")).toBe("401");
  }, 60_000);

  test("a request that is not PKCS#10, or the wrong content type, is refused with a reason", async () => {
    const made = await neo(["shell", "key", "enroll", "dev-est2", "--data", srv.data]);
    const secret = /^ENROLLMENT (\S+)$/m.exec(made.stdout)?.[1] ?? "";
    await Bun.write(f("junk.csr.b64"), "bm90IGEgY3Ny\n");
    expect(await est("simpleenroll", "junk", ["--user", `dev-est2:${secret}`], "j")).toBe("400");
    const r = await run([
      ...[
        "curl",
        "-s",
        "-w",
        "\n%{http_code}",
        "--cacert",
        neoCa,
        "--user",
        `dev-est2:${secret}`,
        "-H",
        "Content-Type: text/plain",
      ],
      ...["--data-binary", "x", `${srv.httpUrl}/.well-known/est/simpleenroll`],
    ]);
    expect(r.stdout).toMatch(/application\/pkcs10[\s\S]*415$/);
  });
});
