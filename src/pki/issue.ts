// Client certificates, CRLs and chain checks, all signed by the gateway CA.
import type { X509Certificate } from "node:crypto";
import { badRequest } from "../lib/errors.ts";
import { loadX509, type CaMaterial } from "./ca.ts";
import { certDer, fingerprint256, normalizeSerial, randomSerial } from "./fingerprint.ts";
import type { IssueClientCertOptions, IssuedCert, RevocationCause, RevokedCert } from "./types.ts";

const CRL_NEXT_UPDATE_MS = 7 * 86_400_000;

export async function issueClientCert(ca: CaMaterial, o: IssueClientCertOptions): Promise<IssuedCert> {
  if (!(o.notAfter.getTime() > o.notBefore.getTime())) {
    throw badRequest("invalid_validity", "certificate not-after must be later than not-before");
  }
  const { EC_KEY_ALG, RSA_KEY_ALG, privateKeyPem, x509 } = await loadX509();
  const keys = (await crypto.subtle.generateKey(o.keyType === "rsa" ? RSA_KEY_ALG : EC_KEY_ALG, true, [
    "sign",
    "verify",
  ])) as CryptoKeyPair;
  let usage = x509.KeyUsageFlags.digitalSignature;
  if (o.keyType === "rsa") usage |= x509.KeyUsageFlags.keyEncipherment;
  const serial = randomSerial();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial,
    subject: [{ CN: [o.clientId] }],
    issuer: ca.caCert.subject,
    notBefore: o.notBefore,
    notAfter: o.notAfter,
    publicKey: keys.publicKey,
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
  // under a company root the device gets the intermediates too: a verifier trusting only the root follows them
  const certPem = ca.issuedChainPem ? `${leaf}\n${ca.issuedChainPem}` : leaf;
  return { certPem, keyPem: await privateKeyPem(keys.privateKey), fingerprint256: fingerprint256(leaf), serial };
}

export async function createCrl(ca: CaMaterial, revoked: readonly RevokedCert[], now = new Date()): Promise<string> {
  const { x509 } = await loadX509();
  const reason = {
    revoked: x509.X509CrlReason.privilegeWithdrawn,
    deleted: x509.X509CrlReason.cessationOfOperation,
    rotated: x509.X509CrlReason.superseded,
  } satisfies Record<RevocationCause, unknown>;
  const crl = await x509.X509CrlGenerator.create({
    issuer: ca.caCert.subject,
    thisUpdate: now,
    nextUpdate: new Date(now.getTime() + CRL_NEXT_UPDATE_MS),
    entries: revoked.map((r) => ({
      serialNumber: normalizeSerial(r.serial),
      revocationDate: r.revokedAt,
      // always a non-zero reason: without one the library writes an empty (invalid DER) extension list
      reason: reason[r.cause ?? "revoked"],
    })),
    signingKey: ca.caKey,
    signingAlgorithm: ca.signingAlgorithm,
    extensions: [await x509.AuthorityKeyIdentifierExtension.create(ca.caCert)],
  });
  // RFC 7468 label, which openssl and other verifiers expect (the library writes "CRL")
  return x509.PemConverter.encode(crl.rawData, "X509 CRL");
}

/** Does the certificate chain to our CA (issuer name matches and the CA key verifies its signature)? */
export function createVerifier(caCertPem: string): (cert: string | Uint8Array) => boolean {
  // node:crypto (bench/RESULTS.md, "Module costs") is loaded on the first check, not when the server starts
  let ca: X509Certificate | undefined;
  return (cert) => {
    const { X509Certificate: NodeX509 } = process.getBuiltinModule("node:crypto");
    ca ??= new NodeX509(caCertPem);
    try {
      const c = new NodeX509(certDer(cert));
      return c.checkIssued(ca) && c.verify(ca.publicKey);
    } catch {
      return false;
    }
  };
}
