import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { X509Certificate, createPrivateKey } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { setLogLevel } from "../lib/log.ts";
import { fingerprint256, loadOrCreatePki, normalizeFingerprint, type Pki } from "./index.ts";
import { x509 } from "./x509.ts";

setLogLevel("error");
const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "neo-pki-"));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const mode = (p: string) => statSync(p).mode & 0o777;
const DAY = 86_400_000;

async function openssl(args: string[]): Promise<{ code: number; out: string }> {
  const p = Bun.spawn(["openssl", ...args], { stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, out: out + err };
}

function sanText(pem: string): string {
  return new X509Certificate(pem).subjectAltName ?? "";
}

async function issue(pki: Pki, clientId: string, keyType: "ec" | "rsa" = "ec") {
  const now = Date.now();
  return pki.issueClientCert({ clientId, keyType, notBefore: new Date(now), notAfter: new Date(now + 30 * DAY) });
}

describe("loadOrCreatePki", () => {
  test("first use creates the CA and server files with private modes", async () => {
    const data = join(tempDir(), "data");
    const pki = await loadOrCreatePki(data, { hosts: ["127.0.0.1"] });
    expect(mode(data)).toBe(0o700);
    expect(mode(join(data, "pki"))).toBe(0o700);
    expect(mode(join(data, "pki", "ca_key.pem"))).toBe(0o600);
    expect(mode(join(data, "pki", "server_key.pem"))).toBe(0o600);
    expect(mode(join(data, "pki", "ca_cert.pem"))).toBe(0o644);
    expect(mode(join(data, "pki", "server_cert.pem"))).toBe(0o644);
    expect(readFileSync(join(data, "pki", "ca_cert.pem"), "utf8")).toBe(pki.caCertPem);
  });

  test("the CA is a self-signed P-256 CA valid for about ten years", async () => {
    const pki = await loadOrCreatePki(tempDir(), { hosts: [] });
    const ca = new X509Certificate(pki.caCertPem);
    expect(ca.ca).toBe(true);
    expect(ca.subject).toMatch(/^CN=neo gateway CA [0-9a-f]{8}$/);
    expect(ca.verify(ca.publicKey)).toBe(true);
    expect(ca.publicKey.asymmetricKeyDetails?.namedCurve).toBe("prime256v1");
    const years = (Date.parse(ca.validTo) - Date.now()) / (365 * DAY);
    expect(years).toBeGreaterThan(9.9);
    const ku = new x509.X509Certificate(pki.caCertPem).getExtension(x509.KeyUsagesExtension);
    expect(ku?.usages).toBe(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign);
  });

  test("the server certificate covers localhost, loopback and configured hosts and verifies with openssl", async () => {
    const dir = tempDir();
    const pki = await loadOrCreatePki(dir, { hosts: ["10.1.2.3", "gw.example.org", "0.0.0.0"] });
    const san = sanText(pki.serverCertPem);
    for (const want of [
      "DNS:localhost",
      "IP Address:127.0.0.1",
      "IP Address:0:0:0:0:0:0:0:1",
      "IP Address:10.1.2.3",
      "DNS:gw.example.org",
      `DNS:${hostname().toLowerCase()}`,
    ]) {
      expect(san).toContain(want);
    }
    const r = await openssl([
      "verify",
      "-CAfile",
      join(dir, "pki", "ca_cert.pem"),
      join(dir, "pki", "server_cert.pem"),
    ]);
    expect(r.out).toContain(": OK");
    expect(r.code).toBe(0);
    expect(new X509Certificate(pki.serverCertPem).keyUsage).toContain("1.3.6.1.5.5.7.3.1");
  });

  test("loading again keeps the CA and the server certificate when the hosts are covered", async () => {
    const dir = tempDir();
    const a = await loadOrCreatePki(dir, { hosts: ["gw.example.org"] });
    const b = await loadOrCreatePki(dir, { hosts: ["127.0.0.1", "localhost"] });
    expect(b.caCertPem).toBe(a.caCertPem);
    expect(b.serverCertPem).toBe(a.serverCertPem);
    expect(b.serverKeyPem).toBe(a.serverKeyPem);
  });

  test("a host the server certificate does not cover reissues it under the same CA", async () => {
    const dir = tempDir();
    const a = await loadOrCreatePki(dir, { hosts: ["127.0.0.1"] });
    const b = await loadOrCreatePki(dir, { hosts: ["192.168.7.9"] });
    expect(b.caCertPem).toBe(a.caCertPem);
    expect(b.serverCertPem).not.toBe(a.serverCertPem);
    expect(sanText(b.serverCertPem)).toContain("IP Address:192.168.7.9");
    expect(b.verifyIssued(b.serverCertPem)).toBe(true);
    expect(readFileSync(join(dir, "pki", "server_cert.pem"), "utf8")).toBe(b.serverCertPem);
    expect(mode(join(dir, "pki", "server_key.pem"))).toBe(0o600);
  });

  test("two loaders starting together on an empty dir agree on one CA", async () => {
    const dir = tempDir();
    const [a, b, c] = await Promise.all([1, 2, 3].map(() => loadOrCreatePki(dir, { hosts: [] })));
    expect(b!.caCertPem).toBe(a!.caCertPem);
    expect(c!.caCertPem).toBe(a!.caCertPem);
    expect(readFileSync(join(dir, "pki", "ca_cert.pem"), "utf8")).toBe(a!.caCertPem);
  });
});

describe("server certificate check record", () => {
  const recordPath = (dir: string) => join(dir, "pki", "server_cert.check.json");
  const readRecord = (dir: string) => JSON.parse(readFileSync(recordPath(dir), "utf8")) as Record<string, unknown>;

  test("issuing the server certificate records what a full parse of it finds", async () => {
    const dir = tempDir();
    const pki = await loadOrCreatePki(dir, { hosts: ["10.1.2.3", "gw.example.org", "::1"] });
    const issued = readRecord(dir);
    expect(mode(recordPath(dir))).toBe(0o644);
    expect(issued.notAfter).toBe(Date.parse(new X509Certificate(pki.serverCertPem).validTo));
    rmSync(recordPath(dir));
    const again = await loadOrCreatePki(dir, { hosts: ["gw.example.org"] });
    expect(again.serverCertPem).toBe(pki.serverCertPem);
    expect(readRecord(dir)).toEqual(issued); // rewritten by the full check, identical
  });

  test("a record for other certificate files is ignored: a server certificate from another CA is still reissued", async () => {
    const dir = tempDir();
    const mine = await loadOrCreatePki(dir, { hosts: [] });
    const other = await loadOrCreatePki(tempDir(), { hosts: [] });
    writeFileSync(join(dir, "pki", "server_cert.pem"), other.serverCertPem);
    writeFileSync(join(dir, "pki", "server_key.pem"), other.serverKeyPem);
    const again = await loadOrCreatePki(dir, { hosts: [] });
    expect(again.serverCertPem).not.toBe(other.serverCertPem);
    expect(again.serverCertPem).not.toBe(mine.serverCertPem);
    expect(again.verifyIssued(again.serverCertPem)).toBe(true);
    expect(readRecord(dir).notAfter).toBe(Date.parse(new X509Certificate(again.serverCertPem).validTo));
  });

  test("a matching record answers expiry and hosts without parsing: near expiry or a new host reissues", async () => {
    const dir = tempDir();
    const a = await loadOrCreatePki(dir, { hosts: [] });
    const rec = readRecord(dir);
    writeFileSync(recordPath(dir), JSON.stringify({ ...rec, notAfter: Date.now() + 10 * DAY }));
    const b = await loadOrCreatePki(dir, { hosts: [] });
    expect(b.serverCertPem).not.toBe(a.serverCertPem);
    const c = await loadOrCreatePki(dir, { hosts: ["192.168.7.9"] });
    expect(c.serverCertPem).not.toBe(b.serverCertPem);
    expect(sanText(c.serverCertPem)).toContain("IP Address:192.168.7.9");
    expect(readRecord(dir).ip).toContain("192.168.7.9");
    const d = await loadOrCreatePki(dir, { hosts: ["192.168.7.9"] });
    expect(d.serverCertPem).toBe(c.serverCertPem);
  });

  test("an unreadable record is ignored and replaced after a full check", async () => {
    const dir = tempDir();
    const a = await loadOrCreatePki(dir, { hosts: [] });
    const rec = readRecord(dir);
    writeFileSync(recordPath(dir), "{not json");
    const b = await loadOrCreatePki(dir, { hosts: [] });
    expect(b.serverCertPem).toBe(a.serverCertPem);
    expect(readRecord(dir)).toEqual(rec);
  });
});

describe("issueClientCert", () => {
  let pki: Pki;
  let dir: string;
  beforeAll(async () => {
    dir = tempDir();
    pki = await loadOrCreatePki(dir, { hosts: [] });
  });

  test("an EC client certificate chains to the CA for openssl and node:crypto", async () => {
    const c = await issue(pki, "myapp01");
    const file = join(dir, "myapp01_cert.pem");
    writeFileSync(file, c.certPem);
    const r = await openssl(["verify", "-CAfile", join(dir, "pki", "ca_cert.pem"), "-purpose", "sslclient", file]);
    expect(r.out).toContain(": OK");
    const cert = new X509Certificate(c.certPem);
    expect(cert.verify(new X509Certificate(pki.caCertPem).publicKey)).toBe(true);
    expect(pki.verifyIssued(c.certPem)).toBe(true);
  });

  test("the client certificate names the client, is for client auth only and is not a CA", async () => {
    const c = await issue(pki, "sensor.a-1@site");
    const cert = new X509Certificate(c.certPem);
    expect(cert.subject).toBe("CN=sensor.a-1@site");
    expect(cert.subjectAltName).toBe("DNS:sensor.a-1@site, URI:urn:neo:client:sensor.a-1@site");
    expect(cert.keyUsage).toEqual(["1.3.6.1.5.5.7.3.2"]);
    expect(cert.ca).toBe(false);
    const ku = new x509.X509Certificate(c.certPem).getExtension(x509.KeyUsagesExtension);
    expect(ku?.usages).toBe(x509.KeyUsageFlags.digitalSignature);
  });

  test("serial is random 128-bit hex and the fingerprint matches node's fingerprint256", async () => {
    const a = await issue(pki, "a");
    const b = await issue(pki, "a");
    expect(a.serial).toMatch(/^[0-7][0-9a-f]{31}$/);
    expect(a.serial).not.toBe(b.serial);
    const cert = new X509Certificate(a.certPem);
    expect(cert.serialNumber.toLowerCase()).toBe(a.serial);
    expect(a.fingerprint256).toBe(normalizeFingerprint(cert.fingerprint256));
    expect(a.fingerprint256).toMatch(/^[0-9a-f]{64}$/);
    expect(fingerprint256(cert.raw)).toBe(a.fingerprint256);
  });

  test("the private key is PKCS#8 PEM of the requested type", async () => {
    const ec = await issue(pki, "e");
    expect(ec.keyPem).toStartWith("-----BEGIN PRIVATE KEY-----");
    expect(createPrivateKey(ec.keyPem).asymmetricKeyDetails?.namedCurve).toBe("prime256v1");
    const rsa = await issue(pki, "r", "rsa");
    const key = createPrivateKey(rsa.keyPem);
    expect(key.asymmetricKeyType).toBe("rsa");
    expect(key.asymmetricKeyDetails?.modulusLength).toBe(2048);
    const ku = new x509.X509Certificate(rsa.certPem).getExtension(x509.KeyUsagesExtension);
    expect(ku?.usages).toBe(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment);
    expect(pki.verifyIssued(rsa.certPem)).toBe(true);
  });

  test("validity is exactly what was asked, even in the past", async () => {
    const notBefore = new Date(Date.UTC(2020, 0, 1));
    const notAfter = new Date(Date.UTC(2021, 0, 1));
    const c = await pki.issueClientCert({ clientId: "old", keyType: "ec", notBefore, notAfter });
    const cert = new X509Certificate(c.certPem);
    expect(Date.parse(cert.validFrom)).toBe(notBefore.getTime());
    expect(Date.parse(cert.validTo)).toBe(notAfter.getTime());
  });

  test("a not-after before not-before is refused", async () => {
    const now = new Date();
    await expect(pki.issueClientCert({ clientId: "x", keyType: "ec", notBefore: now, notAfter: now })).rejects.toThrow(
      /not-after/,
    );
  });

  test("certificates from another CA, self-signed ones and garbage do not verify as ours", async () => {
    const other = await loadOrCreatePki(tempDir(), { hosts: [] });
    const foreign = await issue(other, "myapp01");
    expect(pki.verifyIssued(foreign.certPem)).toBe(false);
    expect(pki.verifyIssued(other.caCertPem)).toBe(false);
    expect(pki.verifyIssued("not a cert")).toBe(false);
    expect(pki.verifyIssued(new Uint8Array([1, 2, 3]))).toBe(false);
  });
});

describe("createCrl", () => {
  test("a revoked certificate fails openssl's CRL check and a live one passes", async () => {
    const dir = tempDir();
    const pki = await loadOrCreatePki(dir, { hosts: [] });
    const gone = await issue(pki, "gone");
    const live = await issue(pki, "live");
    const crlPem = await pki.createCrl([{ serial: gone.serial, revokedAt: new Date(), cause: "deleted" }]);
    expect(crlPem).toStartWith("-----BEGIN X509 CRL-----");
    const crlFile = join(dir, "crl.pem");
    writeFileSync(crlFile, crlPem);
    writeFileSync(join(dir, "gone.pem"), gone.certPem);
    writeFileSync(join(dir, "live.pem"), live.certPem);
    const ca = join(dir, "pki", "ca_cert.pem");
    const bad = await openssl(["verify", "-crl_check", "-CRLfile", crlFile, "-CAfile", ca, join(dir, "gone.pem")]);
    expect(bad.code).not.toBe(0);
    expect(bad.out).toContain("certificate revoked");
    const good = await openssl(["verify", "-crl_check", "-CRLfile", crlFile, "-CAfile", ca, join(dir, "live.pem")]);
    expect(good.out).toContain(": OK");
    const text = await openssl(["crl", "-in", crlFile, "-noout", "-text"]);
    expect(text.out).toContain("Cessation Of Operation");
  });

  test("an empty CRL is valid and signed by the CA", async () => {
    const dir = tempDir();
    const pki = await loadOrCreatePki(dir, { hosts: [] });
    writeFileSync(join(dir, "crl.pem"), await pki.createCrl([]));
    const r = await openssl(["crl", "-in", join(dir, "crl.pem"), "-CAfile", join(dir, "pki", "ca_cert.pem"), "-noout"]);
    expect(r.out).toContain("verify OK");
    expect(r.code).toBe(0);
  });
});
