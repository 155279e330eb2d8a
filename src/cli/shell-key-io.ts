// Where `neo shell key` commands get their data dir, PKI and registry, and how they write files.
import { existsSync, rmSync } from "node:fs";
import { loadConfig } from "../config/index.ts";
import { NeoError, usageError } from "../lib/errors.ts";
import { writeFileAtomic, writeFileExclusive } from "../lib/files.ts";
import { setLogLevel } from "../lib/log.ts";
import { loadOrCreatePki, type Pki } from "../pki/index.ts";
import { openRegistry, type IssuedClient, type KeyType, type Registry } from "../registry/index.ts";

/** The one place the key commands resolve the data dir: defaults < config file < NEO_* env < --data. */
export function resolveDataDir(args: { data?: string; config?: string }): string {
  return resolveConfig(args).data;
}

/** The config the key commands see (data dir, Auth.DefaultScopes). */
export function resolveConfig(args: { data?: string; config?: string }) {
  return loadConfig({ file: args.config, env: process.env, flags: { data: args.data } });
}

export interface KeyContext {
  pki: Pki;
  registry: Registry;
}

/** Open the PKI (creating the CA on first use) and the registry, run `fn`, close. */
export async function withKeys<T>(
  args: { data?: string; config?: string },
  fn: (ctx: KeyContext) => Promise<T> | T,
): Promise<T> {
  const data = resolveDataDir(args);
  setLogLevel("warn"); // the commands print their own results; keep stderr for problems
  const pki = await loadOrCreatePki(data, { hosts: ["127.0.0.1", "localhost"] });
  return withOpenRegistry(data, (registry) => fn({ pki, registry }));
}

/**
 * The registry alone, for commands that issue nothing (list, del, revoke): they must not
 * create a CA on an empty data dir.
 */
export async function withRegistry<T>(
  args: { data?: string; config?: string },
  fn: (registry: Registry) => Promise<T> | T,
  opts: { readOnly?: boolean } = {},
): Promise<T> {
  const data = resolveDataDir(args);
  setLogLevel("warn");
  return withOpenRegistry(data, fn, opts);
}

/** `readOnly`: a command that only reads, so it still answers on a full disk */
async function withOpenRegistry<T>(
  data: string,
  fn: (registry: Registry) => Promise<T> | T,
  opts: { readOnly?: boolean } = {},
): Promise<T> {
  const registry = openRegistry(data, opts);
  try {
    return await fn(registry);
  } finally {
    registry.close();
  }
}

export function parseKeyType(s: string | undefined): KeyType {
  if (s === undefined || s === "ec") return "ec";
  if (s === "rsa") return "rsa";
  throw usageError(`--type must be ec or rsa, got ${JSON.stringify(s)}`);
}

const DAY = 86_400_000;
const DEFAULT_DAYS = 1095;

/** Validity from --days or --not-after (default 3 years); a not-after in the past gives a key that is already expired. */
export function parseValidity(
  o: { days?: string; notAfter?: string },
  now = Date.now(),
): { notBefore: Date; notAfter: Date } {
  if (o.days !== undefined && o.notAfter !== undefined) throw usageError("give either --days or --not-after, not both");
  let end: number;
  if (o.notAfter !== undefined) {
    end = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/i.test(o.notAfter)
      ? Date.parse(o.notAfter)
      : Number.NaN;
    if (Number.isNaN(end))
      throw usageError(
        `--not-after must be an RFC 3339 date like 2030-01-31T00:00:00Z, got ${JSON.stringify(o.notAfter)}`,
      );
  } else {
    const days = o.days === undefined ? DEFAULT_DAYS : Number(o.days);
    if (!Number.isInteger(days) || days < 1 || days > 36500)
      throw usageError(`--days must be a whole number from 1 to 36500, got ${JSON.stringify(o.days)}`);
    end = now + days * DAY;
  }
  // a past not-after (for testing refusal of expired keys) still needs not-before < not-after
  const start = end > now ? now : end - DAY;
  return { notBefore: new Date(start), notAfter: new Date(end) };
}

export interface OutputFiles {
  cert: string;
  key: string;
  token: string;
}

export function outputFiles(prefix: string): OutputFiles {
  return { cert: `${prefix}_cert.pem`, key: `${prefix}_key.pem`, token: `${prefix}_token` };
}

export function refuseExisting(files: OutputFiles): void {
  for (const f of [files.cert, files.key, files.token]) {
    if (existsSync(f)) throw new NeoError("file_exists", `${f} already exists; not overwriting it`, 409);
  }
}

/** Turn a failed write into the CLI's error: EEXIST -> "not overwriting", else the errno code. */
function writeError(path: string, e: unknown): NeoError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === "EEXIST") return new NeoError("file_exists", `${path} already exists; not overwriting it`, 409);
  return new NeoError("write_failed", `cannot write ${path}: ${code ?? String(e)}`, 500, e);
}

/** Create a new file with `mode`; never replaces an existing one. */
export function writeNew(path: string, text: string, mode: number): void {
  try {
    writeFileExclusive(path, text, mode);
  } catch (e) {
    throw writeError(path, e);
  }
}

/** Replace a public file (CA certificate, CRL) in one step. */
export function writeReplace(path: string, text: string, mode: number): void {
  try {
    writeFileAtomic(path, text, mode);
  } catch (e) {
    throw writeError(path, e);
  }
}

/** Write the three files of a freshly issued client and print machbase-neo's lines; or print everything. */
export function emitIssued(issued: IssuedClient, prefix: string | undefined, out: (s: string) => void): void {
  if (prefix === undefined) {
    out(issued.certPem.trimEnd() + "\n");
    out(issued.keyPem.trimEnd() + "\n");
    out(`TOKEN ${issued.token}\n`);
    out("Caution: This is the last chance to copy and store PRIVATE KEY and TOKEN.\n");
    return;
  }
  const files = outputFiles(prefix);
  const written: string[] = [];
  try {
    writeNew(files.cert, issued.certPem, 0o644);
    written.push(files.cert);
    writeNew(files.key, issued.keyPem, 0o600);
    written.push(files.key);
    writeNew(files.token, issued.token, 0o600);
    written.push(files.token);
  } catch (e) {
    for (const f of written) rmSync(f, { force: true });
    throw e;
  }
  out(`Save certificate ${files.cert}\n`);
  out(`Save private key ${files.key}\n`);
  out(`Save token ${files.token}\n`);
}
