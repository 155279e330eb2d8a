// Certificate identity helpers shared by pki, registry and the TLS listeners.
import { randomBytes } from "../lib/secret-bytes.ts";

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/;

/** every certificate of a PEM text, each as its own PEM block (a chain file, a bundle) */
export function pemBlocks(text: string): string[] {
  return (text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map((b) => `${b}\n`);
}

/** DER bytes of a certificate given as PEM text or DER bytes. */
export function certDer(cert: string | Uint8Array): Uint8Array {
  if (typeof cert !== "string") return cert;
  const m = PEM_BLOCK.exec(cert);
  if (!m?.[1]) throw new Error("not a PEM certificate");
  return Buffer.from(m[1].replace(/\s+/g, ""), "base64");
}

/**
 * SHA-256 of the certificate's DER, lowercase hex without colons: the same value as
 * node's X509Certificate.fingerprint256 (and Bun's getPeerCertificate()) with the
 * colons stripped and lowercased.
 */
export function fingerprint256(cert: string | Uint8Array): string {
  return sha256Hex(certDer(cert));
}

/** SHA-256 as lowercase hex with Bun's native hasher (node:crypto stays unloaded in the server). */
export function sha256Hex(data: string | Uint8Array): string {
  return new Bun.CryptoHasher("sha256").update(data).digest("hex");
}

/** Normalise "AB:CD:..." or "abcd..." to lowercase hex without colons. */
export function normalizeFingerprint(fp: string): string {
  return fp.replace(/:/g, "").toLowerCase();
}

/** Random 128-bit serial as lowercase hex; first byte in 0x01..0x7f so the DER INTEGER is positive and 16 bytes long. */
export function randomSerial(): string {
  const b = randomBytes(16);
  b[0] = b[0]! & 0x7f || 0x01;
  return Buffer.from(b).toString("hex");
}

/** Serial numbers compare as lowercase hex without leading zeros or colons. */
export function normalizeSerial(serial: string): string {
  return serial
    .replace(/:/g, "")
    .toLowerCase()
    .replace(/^0+(?=.)/, "");
}
