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

/** Import our own P-256 PKCS#8 PEM key for signing. */
export async function importEcSigningKey(pem: string): Promise<CryptoKey> {
  const der = x509.PemConverter.decodeFirst(pem);
  return crypto.subtle.importKey("pkcs8", der, EC_KEY_ALG, false, ["sign"]);
}
