// The one place @peculiar/x509 is loaded: it needs the reflect polyfill first and
// the runtime's WebCrypto as its provider (bun-platform.md §3).
import "reflect-metadata";
import * as x509 from "@peculiar/x509";

x509.cryptoProvider.set(crypto);

export { x509 };

export const EC_KEY_ALG: { name: "ECDSA"; namedCurve: "P-256" } = { name: "ECDSA", namedCurve: "P-256" };
export const EC_SIGN_ALG: { name: "ECDSA"; hash: "SHA-256" } = { name: "ECDSA", hash: "SHA-256" };
export const RSA_KEY_ALG: { name: string; modulusLength: number; publicExponent: Uint8Array; hash: string } = {
  name: "RSASSA-PKCS1-v1_5",
  modulusLength: 2048,
  publicExponent: new Uint8Array([1, 0, 1]),
  hash: "SHA-256",
};

/** Export a private key as PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----"). */
export async function privateKeyPem(key: CryptoKey): Promise<string> {
  const der = await crypto.subtle.exportKey("pkcs8", key);
  return x509.PemConverter.encode(der, "PRIVATE KEY");
}

/** what a CA key signs with: the hash follows the key (P-256: SHA-256, P-384: SHA-384, P-521: SHA-512; RSA: SHA-256) */
export type SigningAlgorithm = { name: "ECDSA"; hash: string } | { name: "RSASSA-PKCS1-v1_5"; hash: string };

const CURVES: Record<string, { namedCurve: string; hash: string }> = {
  prime256v1: { namedCurve: "P-256", hash: "SHA-256" },
  secp384r1: { namedCurve: "P-384", hash: "SHA-384" },
  secp521r1: { namedCurve: "P-521", hash: "SHA-512" },
};

/** a CA key's kind as neo names it ("EC P-384", "RSA 3072"), or the reason it cannot sign certificates */
export function caKeyKind(pem: string): { ok: true; kind: string } | { ok: false; reason: string } {
  // node:crypto only reads the key's type (PKCS#8, SEC1 or PKCS#1 PEM); WebCrypto does the signing
  const { createPrivateKey } = process.getBuiltinModule("node:crypto");
  let key: ReturnType<typeof createPrivateKey>;
  try {
    key = createPrivateKey(pem);
  } catch {
    return { ok: false, reason: "not a PEM private key (PKCS#8, EC or RSA), or it is encrypted" };
  }
  const d = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === "ec") {
    const c = CURVES[d.namedCurve ?? ""];
    return c
      ? { ok: true, kind: `EC ${c.namedCurve}` }
      : { ok: false, reason: `EC curve ${d.namedCurve} is not supported (P-256, P-384, P-521)` };
  }
  if (key.asymmetricKeyType === "rsa") {
    const bits = d.modulusLength ?? 0;
    return bits >= 2048
      ? { ok: true, kind: `RSA ${bits}` }
      : { ok: false, reason: `RSA ${bits} is too short (2048 bits or more)` };
  }
  return { ok: false, reason: `${key.asymmetricKeyType} keys are not supported (EC P-256/P-384/P-521 or RSA 2048+)` };
}

/** Import a CA's private key (PKCS#8, SEC1 or PKCS#1 PEM) for signing, with the algorithm its type asks for. */
export async function importSigningKey(pem: string): Promise<{ key: CryptoKey; algorithm: SigningAlgorithm }> {
  // neo's own CA (PKCS#8 P-256) imports without node:crypto (bench/RESULTS.md, "Module costs")
  if (pem.includes("-----BEGIN PRIVATE KEY-----")) {
    const der = x509.PemConverter.decodeFirst(pem);
    const own = await crypto.subtle.importKey("pkcs8", der, EC_KEY_ALG, false, ["sign"]).catch(() => undefined);
    if (own) return { key: own, algorithm: EC_SIGN_ALG };
  }
  const { createPrivateKey } = process.getBuiltinModule("node:crypto");
  const k = createPrivateKey(pem);
  const der = k.export({ format: "der", type: "pkcs8" });
  if (k.asymmetricKeyType === "rsa") {
    const algorithm = { name: "RSASSA-PKCS1-v1_5" as const, hash: "SHA-256" };
    return { key: await crypto.subtle.importKey("pkcs8", der, algorithm, false, ["sign"]), algorithm };
  }
  const c = CURVES[k.asymmetricKeyDetails?.namedCurve ?? ""];
  if (k.asymmetricKeyType !== "ec" || !c) throw new Error(`unsupported CA key type ${k.asymmetricKeyType}`);
  const key = await crypto.subtle.importKey("pkcs8", der, { name: "ECDSA", namedCurve: c.namedCurve }, false, ["sign"]);
  return { key, algorithm: { name: "ECDSA", hash: c.hash } };
}

/** a private key in any PEM form node reads, as PKCS#8 PEM (what <data>/pki keeps) */
export function pkcs8Pem(pem: string): string {
  const { createPrivateKey } = process.getBuiltinModule("node:crypto");
  return createPrivateKey(pem).export({ format: "pem", type: "pkcs8" }).toString();
}
