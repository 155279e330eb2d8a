// Certificates for keys the gateway never sees: a PKCS#10 CSR (openssl req, a TPM, a
// secure element) signed by the gateway CA (`neo shell key sign`), and certificates as
// PKCS#7 certs-only (RFC 7030's answer format, e.g. EST /cacerts). All through
// @peculiar/x509: the CSR's own signature is checked, the subject is the client id.
import { badRequest } from "../lib/errors.ts";
import { loadX509, type CaMaterial } from "./ca.ts";
import { fingerprint256, pemBlocks, randomSerial } from "./fingerprint.ts";
import type { IssuedCert } from "./types.ts";

export interface SignCsrOptions {
  clientId: string;
  notBefore: Date;
  notAfter: Date;
}

/** PEM ("-----BEGIN CERTIFICATE REQUEST-----"), base64 DER (RFC 7030 bodies) or DER bytes */
export type CsrInput = string | Uint8Array;

export async function signCsr(ca: CaMaterial, csrIn: CsrInput, o: SignCsrOptions): Promise<IssuedCert> {
  if (!(o.notAfter.getTime() > o.notBefore.getTime()))
    throw badRequest("invalid_validity", "certificate not-after must be later than not-before");
  const { x509 } = await loadX509();
  let csr: InstanceType<typeof x509.Pkcs10CertificateRequest>;
  try {
    if (typeof csrIn !== "string") csr = new x509.Pkcs10CertificateRequest(new Uint8Array(csrIn).buffer);
    else if (csrIn.includes("-----BEGIN")) csr = new x509.Pkcs10CertificateRequest(csrIn);
    else csr = new x509.Pkcs10CertificateRequest(Buffer.from(csrIn.replace(/\s+/g, ""), "base64"));
  } catch {
    throw badRequest("invalid_csr", "not a PKCS#10 certificate request (PEM, base64 or DER)");
  }
  if (!(await csr.verify().catch(() => false)))
    throw badRequest("invalid_csr", "the certificate request's signature does not verify (proof of possession)");
  let publicKey: CryptoKey;
  try {
    publicKey = await csr.publicKey.export();
  } catch {
    throw badRequest("invalid_csr", "the certificate request's key type is not supported (use EC P-256/P-384 or RSA)");
  }
  const rsa = publicKey.algorithm.name.startsWith("RSA");
  let usage = x509.KeyUsageFlags.digitalSignature;
  if (rsa) usage |= x509.KeyUsageFlags.keyEncipherment;
  const serial = randomSerial();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial,
    subject: [{ CN: [o.clientId] }],
    issuer: ca.caCert.subject,
    notBefore: o.notBefore,
    notAfter: o.notAfter,
    publicKey,
    signingKey: ca.caKey,
    signingAlgorithm: ca.signingAlgorithm,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(usage, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
      new x509.SubjectAlternativeNameExtension([
        { type: "dns", value: o.clientId },
        { type: "url", value: `urn:neo:client:${o.clientId}` },
      ]),
      await x509.AuthorityKeyIdentifierExtension.create(ca.caCert),
    ],
  });
  const leaf = cert.toString("pem");
  // under a company root the device gets the intermediates too (see issue.ts)
  const certPem = ca.issuedChainPem ? `${leaf}\n${ca.issuedChainPem}` : leaf;
  return { certPem, keyPem: "", fingerprint256: fingerprint256(leaf), serial };
}

/** the key type of a CSR's public key, for the registry's record */
export const keyTypeOfCert = (certPem: string): Promise<"ec" | "rsa"> =>
  loadX509().then(({ x509 }) =>
    new x509.X509Certificate(pemBlocks(certPem)[0] ?? certPem).publicKey.algorithm.name.startsWith("RSA")
      ? "rsa"
      : "ec",
  );

/** PKCS#7 (CMS SignedData, certs-only), base64 as RFC 7030 sends it; each PEM may hold a chain */
export async function certsOnly(pems: readonly string[]): Promise<string> {
  const { x509 } = await loadX509();
  const certs = pems.flatMap((p) => pemBlocks(p)).map((p) => new x509.X509Certificate(p));
  return new x509.X509Certificates(certs).export("base64");
}
