// Random secrets and comparing them: the one place for both. Web Crypto's generator and a
// hand loop instead of node:crypto, so the server never loads node:crypto (several MB
// resident: bench/RESULTS.md, "Module costs") for them.

/** `n` bytes from the operating system's CSPRNG */
export const randomBytes = (n: number): Uint8Array => crypto.getRandomValues(new Uint8Array(n));

/** `n` random bytes as lowercase hex (2n characters) */
export const randomHex = (n: number): string => Buffer.from(randomBytes(n)).toString("hex");

/**
 * Constant-time equality of two secrets' hashes: every byte is looked at, no early exit.
 * Lengths are public (always 32 for HMAC-SHA256).
 */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
