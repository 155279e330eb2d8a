import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setLogLevel, setLogSink } from "../lib/log.ts";
import { randomSerial } from "./fingerprint.ts";
import { loadTrustedCas } from "./trust.ts";
import { x509 } from "./x509.ts";

setLogLevel("warn");
const warned: string[] = [];
setLogSink((line) => warned.push(line));
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const ALG = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };
const DAY = 86_400_000;

test("a watched CRL file: a changed valid list is read once and announced; a bad or missing file keeps the last list, read once per state", async () => {
  const dir = mkdtempSync(join(tmpdir(), "neo-trust-"));
  dirs.push(dir);
  const keys = (await crypto.subtle.generateKey(ALG, true, ["sign", "verify"])) as CryptoKeyPair;
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: "CN=Acme",
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + DAY),
    keys,
    signingAlgorithm: ALG,
    extensions: [new x509.BasicConstraintsExtension(true, undefined, true)],
  });
  const crl = async (serials: string[]) =>
    (
      await x509.X509CrlGenerator.create({
        issuer: ca.subject,
        thisUpdate: new Date(),
        nextUpdate: new Date(Date.now() + DAY),
        entries: serials.map((serialNumber) => ({ serialNumber, revocationDate: new Date(), reason: 1 })),
        signingKey: keys.privateKey,
        signingAlgorithm: ALG,
      })
    ).toString("pem");
  const [caFile, crlFile] = [join(dir, "ca.pem"), join(dir, "ca.crl")];
  writeFileSync(caFile, ca.toString("pem"));
  writeFileSync(crlFile, await crl([]));
  const trust = await loadTrustedCas([{ name: "acme", file: caFile, identity: "cn", policy: "ca", crlFile }]);
  let announced = 0;
  const stop = trust.watch(() => announced++, 20);
  const until = async (ok: () => boolean) => {
    for (let i = 0; i < 200 && !ok(); i++) await Bun.sleep(10);
    return ok();
  };
  try {
    expect(trust.revoked("acme", "abcd")).toBe(false);
    writeFileSync(crlFile, await crl(["abcd"]));
    expect(await until(() => announced === 1)).toBe(true);
    expect(trust.revoked("acme", "abcd")).toBe(true);
    expect(trust.revoked("other", "abcd")).toBe(false);
    // not a CRL, then gone: the last list stays, nothing is announced, each state is told once
    writeFileSync(crlFile, "garbage");
    expect(await until(() => warned.some((l) => l.includes("not read, the last list stays")))).toBe(true);
    rmSync(crlFile);
    expect(await until(() => warned.some((l) => l.includes("is gone")))).toBe(true);
    expect(announced).toBe(1);
    expect(warned.filter((l) => l.includes("not read")).length).toBe(1);
    expect(trust.revoked("acme", "abcd")).toBe(true);
    // back with an empty list: read and announced once more
    writeFileSync(crlFile, await crl([]));
    expect(await until(() => announced === 2)).toBe(true);
    expect(trust.revoked("acme", "abcd")).toBe(false);
    expect(warned.filter((l) => l.includes("is gone")).length).toBe(1);
  } finally {
    stop();
  }
});
