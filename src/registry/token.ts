// Client tokens: `<client-id>:b:<64 lowercase hex>`. Only a keyed hash is ever stored.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { NeoError } from "../lib/errors.ts";
import { writeFileAtomic } from "../lib/files.ts";
import { randomBytes, randomHex } from "../lib/secret-bytes.ts";

const CLIENT_ID_RE = /^[a-z0-9][a-z0-9_.@-]{0,63}$/;
const TOKEN_RE = /^([a-z0-9][a-z0-9_.@-]{0,63}):b:([0-9a-f]{64})$/;
const KEY_FILE = "token.key";

export function assertClientId(id: string): void {
  if (!CLIENT_ID_RE.test(id)) {
    throw new NeoError(
      "invalid_client_id",
      `invalid client id ${JSON.stringify(id)}: use 1-64 of a-z 0-9 _ . @ -, starting with a letter or digit`,
      400,
    );
  }
}

export function newToken(clientId: string): string {
  return tokenOf(clientId, randomHex(32));
}

/** the token of `clientId` whose secret part is `secret` (Mainflux's rule: a certificate's CN holds the secret) */
export const tokenOf = (clientId: string, secret: string): string => `${clientId}:b:${secret}`;

/** The client id a well-formed token names, or null. */
export function tokenClientId(token: string): string | null {
  const m = TOKEN_RE.exec(token);
  return m ? m[1]! : null;
}

/**
 * The 32-byte HMAC key in <data>/token.key (0600), created on first use. Creation links
 * a finished temp file into place, so two processes starting together end up with one key.
 */
export function loadTokenKey(dataDir: string): Buffer {
  const file = join(dataDir, KEY_FILE);
  try {
    return checkKey(readFileSync(file), file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  try {
    writeFileAtomic(file, randomBytes(32), 0o600, { exclusive: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
  }
  return checkKey(readFileSync(file), file);
}

function checkKey(key: Buffer, file: string): Buffer {
  if (key.length !== 32)
    throw new NeoError("token_key_invalid", `${file} must hold 32 bytes, found ${key.length}`, 500);
  return key;
}

/**
 * HMAC-SHA256(key, token). Bun's native hasher gives the same bytes as node's createHmac
 * (a known vector is in the tests) without loading node:crypto (bench/RESULTS.md, "Module costs") into the server.
 */
export function createTokenHasher(key: Buffer): (token: string) => Uint8Array {
  return (token) => new Bun.CryptoHasher("sha256", key).update(token).digest();
}
