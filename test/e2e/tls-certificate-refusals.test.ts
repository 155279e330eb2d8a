// Client certificates a gateway never issued or no longer stands behind, on a TLS gateway
// bound to 127.0.0.2: never-registered and not-yet-valid certificates, re-created and
// rotated ids, the CRL. Real clients; every refusal writes nothing.
import { beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { genKey, neo, run, type Server } from "./harness.ts";
import { type Key, mustRun, ROW, useTlsOnHost } from "./tls-fixture.ts";

describe("client certificates over MQTTS and HTTPS on --host 127.0.0.2", () => {
  const h = useTlsOnHost();
  const { pub, curl, count, unchanged } = h;
  let srv: Server;
  let dir: string;
  let ca: string;
  let app: Key;
  beforeAll(() => {
    ({ srv, dir, ca, app } = h.state());
  });

  test("a certificate signed with the gateway CA key but never registered is refused by MQTT (not authorised) and HTTPS (401)", async () => {
    const f = (n: string) => join(dir, n);
    const pki = join(srv.data, "pki");
    await Bun.write(f("cli.ext"), "extendedKeyUsage=clientAuth\n");
    await mustRun([
      "openssl",
      "req",
      "-new",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-keyout",
      f("forged.key"),
      "-out",
      f("forged.csr"),
      "-subj",
      "/CN=sc-app",
    ]);
    await mustRun([
      "openssl",
      "x509",
      "-req",
      "-in",
      f("forged.csr"),
      "-CA",
      join(pki, "ca_cert.pem"),
      "-CAkey",
      join(pki, "ca_key.pem"),
      "-CAcreateserial",
      "-out",
      f("forged.crt"),
      "-days",
      "2",
      "-extfile",
      f("cli.ext"),
    ]);
    const forged = { cert: f("forged.crt"), key: f("forged.key") };
    expect((await run(["openssl", "verify", "-CAfile", ca, forged.cert])).stdout).toContain(": OK"); // the chain is fine
    await unchanged(async () => {
      const r = await pub(forged, "sc-app", ROW("forged"));
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain("not authorised");
      const h = await curl(forged, "/db/write/SCN", [
        "-H",
        "Content-Type: text/csv",
        "--data-binary",
        "forged,1675851592000000000,1",
      ]);
      expect(h.stdout).toBe('{"success":false,"reason":"invalid client certificate"}\n401');
    });
  });

  test("a not-yet-valid certificate from the gateway CA fails the handshake over MQTT and HTTPS", async () => {
    const f = (n: string) => join(dir, "nyv", n);
    const pki = join(srv.data, "pki");
    await Bun.write(f("index.txt"), "");
    await Bun.write(f("serial"), "01\n");
    await Bun.write(
      f("ca.cnf"),
      "[ca]\ndefault_ca=c\n[c]\ndatabase=index.txt\nserial=serial\nnew_certs_dir=.\ndefault_md=sha256\npolicy=p\nx509_extensions=e\n[p]\ncommonName=supplied\n[e]\nextendedKeyUsage=clientAuth\n",
    );
    await mustRun([
      "openssl",
      "req",
      "-new",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-keyout",
      f("nyv.key"),
      "-out",
      f("nyv.csr"),
      "-subj",
      "/CN=sc-app",
    ]);
    await mustRun(
      [
        "openssl",
        "ca",
        "-batch",
        "-config",
        "ca.cnf",
        "-cert",
        join(pki, "ca_cert.pem"),
        "-keyfile",
        join(pki, "ca_key.pem"),
        "-in",
        "nyv.csr",
        "-out",
        "nyv.crt",
        "-startdate",
        "20301010000000Z",
        "-enddate",
        "20311010000000Z",
      ],
      { cwd: join(dir, "nyv") },
    );
    const nyv = { cert: f("nyv.crt"), key: f("nyv.key") };
    await unchanged(async () => {
      const r = await pub(nyv, "sc-app", ROW("not.yet"));
      expect(r.code).not.toBe(0);
      expect(r.stderr).not.toContain("not authorised"); // refused before MQTT
      const h = await curl(nyv, "/db/write/SCN", [
        "-H",
        "Content-Type: text/csv",
        "--data-binary",
        "nyv,1675851592000000000,1",
      ]);
      expect(h.code).not.toBe(0);
    });
  });

  test("an id deleted and generated again: the old certificate is refused, the new one works", async () => {
    const old = await genKey(srv.data, "sc-again");
    expect((await neo(["shell", "key", "del", "sc-again", "--data", srv.data])).code).toBe(0);
    const fresh = await genKey(srv.data, "sc-again");
    await unchanged(async () => {
      const r = await pub(old, "sc-again", ROW("again.old"));
      expect(r.stderr).toContain("not authorised");
    });
    const before = await count();
    expect((await pub(fresh, "sc-again", ROW("again.new"))).code).toBe(0);
    expect(await count()).toBe(before + 1);
  });

  test("after rotate the new certificate with the rotated-away token as username is refused; with the new token it works", async () => {
    const old = await genKey(srv.data, "sc-rot");
    const prefix = join(dir, "sc-rot-new");
    expect((await neo(["shell", "key", "rotate", "sc-rot", "--output", prefix, "--data", srv.data])).code).toBe(0);
    const fresh = { cert: `${prefix}_cert.pem`, key: `${prefix}_key.pem` };
    const newToken = (await Bun.file(`${prefix}_token`).text()).trim();
    expect(newToken).not.toBe(old.token);
    await unchanged(async () => {
      expect((await pub(fresh, "sc-rot", ROW("rot.oldtoken"), ["--username", old.token])).stderr).toContain(
        "not authorised",
      );
      const h = await curl(fresh, "/db/query?q=select%201", ["-H", `Authorization: Bearer ${old.token}`]);
      expect(h.stdout).toEndWith("\n401");
    });
    const before = await count();
    expect((await pub(fresh, "sc-rot", ROW("rot.newtoken"), ["--username", newToken])).code).toBe(0);
    expect(await count()).toBe(before + 1);
  });

  test("the CRL lists deleted and rotated-away certificates for openssl verify -crl_check, keeps current ones OK, and has a later nextUpdate", async () => {
    const gone = await genKey(srv.data, "sc-crl-del");
    const rot = await genKey(srv.data, "sc-crl-rot");
    await neo(["shell", "key", "del", "sc-crl-del", "--data", srv.data]);
    const prefix = join(dir, "sc-crl-rot-new");
    await neo(["shell", "key", "rotate", "sc-crl-rot", "--output", prefix, "--data", srv.data]);
    const crl = join(dir, "sc.crl");
    expect((await neo(["shell", "key", "crl", "--output", crl, "--data", srv.data])).code).toBe(0);
    const text = await mustRun(["openssl", "crl", "-in", crl, "-CAfile", ca, "-noout", "-text"]);
    expect(text.stderr).toContain("verify OK");
    const last = Date.parse(text.stdout.match(/Last Update: (.+)/)?.[1] ?? "");
    const next = Date.parse(text.stdout.match(/Next Update: (.+)/)?.[1] ?? "");
    expect(next).toBeGreaterThan(last);
    expect(Math.abs(last - Date.now())).toBeLessThan(120_000);
    const serial = async (c: string) =>
      (await mustRun(["openssl", "x509", "-in", c, "-noout", "-serial"])).stdout.trim().split("=")[1]!.toUpperCase();
    for (const c of [gone.cert, rot.cert]) {
      expect(text.stdout.toUpperCase()).toContain(await serial(c));
      const v = await run(["openssl", "verify", "-crl_check", "-CAfile", ca, "-CRLfile", crl, c]);
      expect(v.code).not.toBe(0);
      expect(v.stdout + v.stderr).toContain("certificate revoked");
    }
    for (const c of [`${prefix}_cert.pem`, app.cert]) {
      expect((await run(["openssl", "verify", "-crl_check", "-CAfile", ca, "-CRLfile", crl, c])).stdout).toContain(
        ": OK",
      );
    }
  });
});
