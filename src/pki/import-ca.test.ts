import { afterAll, expect, test } from "bun:test";
import { X509Certificate } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setLogLevel } from "../lib/log.ts";
import { pemBlocks, randomSerial } from "./fingerprint.ts";
import { importIntermediate } from "./import-ca.ts";
import { loadOrCreatePki } from "./index.ts";
import { privateKeyPem, x509 } from "./x509.ts";

setLogLevel("error");
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const DAY = 86_400_000;
const caExtensions = async (keys: CryptoKeyPair) => [
  new x509.BasicConstraintsExtension(true, undefined, true),
  new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
  await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
];

/** a P-521 root and an RSA 3072 intermediate under it, made with WebCrypto */
async function company() {
  const rootAlg = { name: "ECDSA", namedCurve: "P-521", hash: "SHA-512" };
  const rootKeys = (await crypto.subtle.generateKey(rootAlg, true, ["sign", "verify"])) as CryptoKeyPair;
  const now = Date.now();
  const root = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: "CN=Test Root",
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 30 * DAY),
    keys: rootKeys,
    signingAlgorithm: rootAlg,
    extensions: await caExtensions(rootKeys),
  });
  const rsa = {
    name: "RSASSA-PKCS1-v1_5",
    modulusLength: 3072,
    publicExponent: new Uint8Array([1, 0, 1]),
    hash: "SHA-256",
  };
  const interKeys = (await crypto.subtle.generateKey(rsa, true, ["sign", "verify"])) as CryptoKeyPair;
  const inter = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: "CN=Test neo CA",
    issuer: root.subject,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 20 * DAY),
    publicKey: interKeys.publicKey,
    signingKey: rootKeys.privateKey,
    signingAlgorithm: rootAlg,
    extensions: await caExtensions(interKeys),
  });
  return {
    root: root.toString("pem"),
    inter: inter.toString("pem"),
    interKey: await privateKeyPem(interKeys.privateKey),
  };
}

test("an RSA intermediate under a P-521 root signs client and server certificates and CRLs, each carrying the chain", async () => {
  const data = mkdtempSync(join(tmpdir(), "neo-import-ca-"));
  dirs.push(data);
  const before = await loadOrCreatePki(data, { hosts: [] });
  const c = await company();
  const done = await importIntermediate(join(data, "pki"), { certPem: c.inter, keyPem: c.interKey, chainPem: c.root });
  expect(done).toMatchObject({ subject: "CN=Test neo CA", keyKind: "RSA 3072", chain: ["CN=Test Root"] });

  const pki = await loadOrCreatePki(data, { hosts: [] });
  const inter = new X509Certificate(c.inter);
  const root = new X509Certificate(c.root);
  // the trust bundle: neo's CA, the root, the CA it replaced
  expect(pemBlocks(pki.caCertPem).map((p) => new X509Certificate(p).subject)).toEqual([
    "CN=Test neo CA",
    "CN=Test Root",
    new X509Certificate(before.caCertPem).subject,
  ]);
  expect(pki.caChain).toHaveLength(2);
  // the server certificate was issued again by the new CA and is served with it
  const served = pemBlocks(pki.serverCertPem).map((p) => new X509Certificate(p));
  expect(served.map((x) => x.subject)).toEqual(["CN=localhost", "CN=Test neo CA"]);
  expect(served[0]!.verify(inter.publicKey)).toBe(true);
  // a client certificate: leaf then neo's CA, not the root
  const issued = await pki.issueClientCert({
    clientId: "dev1",
    keyType: "ec",
    notBefore: new Date(),
    notAfter: new Date(Date.now() + DAY),
  });
  const [leaf, ...rest] = pemBlocks(issued.certPem).map((p) => new X509Certificate(p));
  expect(rest.map((x) => x.subject)).toEqual(["CN=Test neo CA"]);
  expect(leaf!.verify(inter.publicKey) && leaf!.checkIssued(inter)).toBe(true);
  expect(inter.verify(root.publicKey)).toBe(true);
  expect(pki.verifyIssued(issued.certPem)).toBe(true);
  // the CRL is signed by the imported key too
  const crl = new x509.X509Crl(await pki.createCrl([{ serial: issued.serial, revokedAt: new Date() }]));
  expect(await crl.verify({ publicKey: new x509.X509Certificate(c.inter).publicKey })).toBe(true);
});

test("the same CA twice is refused, and so is an expired one", async () => {
  const data = mkdtempSync(join(tmpdir(), "neo-import-ca-"));
  dirs.push(data);
  await loadOrCreatePki(data, { hosts: [] });
  const c = await company();
  await importIntermediate(join(data, "pki"), { certPem: c.inter, keyPem: c.interKey, chainPem: c.root });
  await expect(
    importIntermediate(join(data, "pki"), { certPem: c.inter, keyPem: c.interKey, chainPem: c.root }),
  ).rejects.toThrow(/already neo's CA/);
  await expect(
    importIntermediate(join(data, "pki"), {
      certPem: c.inter,
      keyPem: c.interKey,
      chainPem: c.root,
      now: Date.now() + 40 * DAY,
    }),
  ).rejects.toThrow(/expired/);
});
