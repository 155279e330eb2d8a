// The gateway's own identity for enrolling with an upstream broker's CA: a fresh key
// and a PKCS#10 certificate request (or a self-signed certificate, for upstreams that
// pin certificates instead of running a CA). `neo bridge identity` writes them.
import { badRequest } from "../lib/errors.ts";
import { loadX509 } from "./ca.ts";
import { randomSerial } from "./fingerprint.ts";

export interface IdentityOptions {
  /** subject CN, usually the gateway's client id upstream */
  commonName: string;
  keyType: "ec" | "rsa";
  /** extra DNS names for the subjectAltName (the CN is always one) */
  dnsNames?: string[];
  /** make a self-signed certificate valid this many days instead of a request */
  selfSignedDays?: number;
}

export interface Identity {
  keyPem: string;
  /** the request to send to the upstream CA (absent for a self-signed identity) */
  csrPem?: string;
  certPem?: string;
}

export async function makeIdentity(o: IdentityOptions): Promise<Identity> {
  if (!/^[\x21-\x7e]{1,64}$/.test(o.commonName) || o.commonName.includes(",")) {
    throw badRequest(
      "invalid_name",
      `invalid common name ${JSON.stringify(o.commonName)}: 1-64 printable characters, no spaces or commas`,
    );
  }
  const { EC_KEY_ALG, EC_SIGN_ALG, RSA_KEY_ALG, privateKeyPem, x509 } = await loadX509();
  const rsa = o.keyType === "rsa";
  const signingAlgorithm = rsa ? RSA_KEY_ALG : EC_SIGN_ALG;
  const keys = (await crypto.subtle.generateKey(rsa ? RSA_KEY_ALG : EC_KEY_ALG, true, [
    "sign",
    "verify",
  ])) as CryptoKeyPair;
  const names = [...new Set([o.commonName, ...(o.dnsNames ?? [])])].map((value) => ({ type: "dns" as const, value }));
  let usage = x509.KeyUsageFlags.digitalSignature;
  if (rsa) usage |= x509.KeyUsageFlags.keyEncipherment;
  const extensions = [
    new x509.KeyUsagesExtension(usage, true),
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
    new x509.SubjectAlternativeNameExtension(names),
  ];
  const keyPem = await privateKeyPem(keys.privateKey);
  if (o.selfSignedDays !== undefined) {
    const notBefore = new Date(Date.now() - 60_000);
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: randomSerial(),
      name: [{ CN: [o.commonName] }],
      notBefore,
      notAfter: new Date(notBefore.getTime() + o.selfSignedDays * 86_400_000),
      keys,
      signingAlgorithm,
      extensions: [new x509.BasicConstraintsExtension(false, undefined, true), ...extensions],
    });
    return { keyPem, certPem: cert.toString("pem") };
  }
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: [{ CN: [o.commonName] }],
    keys,
    signingAlgorithm,
    extensions,
  });
  return { keyPem, csrPem: csr.toString("pem") };
}
