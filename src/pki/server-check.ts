// <data>/pki/server_cert.check.json: what the last full check of the server certificate
// found (its SANs and notAfter, and that the CA signed it), bound to the SHA-256 of the
// exact server and CA certificate PEM files. A start where neither file changed reads this
// instead of parsing X.509, so the server never loads node:crypto (several MB resident: bench/RESULTS.md, "Module costs") for
// it. A missing, unreadable or stale record just means the full check runs again.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createLogger } from "../lib/log.ts";
import { writeFileAtomic } from "../lib/files.ts";
import { sha256Hex } from "./fingerprint.ts";
import type { SanSet } from "./hosts.ts";

const SERVER_CHECK_FILE = "server_cert.check.json";
const VERSION = 1;
const log = createLogger("pki");

export interface ServerCertFacts {
  /** ms since the epoch */
  notAfter: number;
  sans: SanSet;
}

interface CheckRecord {
  v: number;
  serverCertSha256: string;
  caCertSha256: string;
  notAfter: number;
  dns: string[];
  ip: string[];
}

const isStrings = (x: unknown): x is string[] => Array.isArray(x) && x.every((s) => typeof s === "string");

/** The recorded facts when the record matches both PEM files byte for byte, else null. */
export function readServerCheck(dir: string, serverCertPem: string, caCertPem: string): ServerCertFacts | null {
  let r: Partial<CheckRecord>;
  try {
    r = JSON.parse(readFileSync(join(dir, SERVER_CHECK_FILE), "utf8")) as Partial<CheckRecord>;
  } catch {
    return null;
  }
  if (
    r === null ||
    typeof r !== "object" ||
    r.v !== VERSION ||
    r.serverCertSha256 !== sha256Hex(serverCertPem) ||
    r.caCertSha256 !== sha256Hex(caCertPem) ||
    typeof r.notAfter !== "number" ||
    !Number.isFinite(r.notAfter) ||
    !isStrings(r.dns) ||
    !isStrings(r.ip)
  ) {
    return null;
  }
  return { notAfter: r.notAfter, sans: { dns: r.dns, ip: r.ip } };
}

/** Record a server certificate the CA is known to have signed. Best effort: failing to write only costs the next start a full check. */
export function writeServerCheck(dir: string, serverCertPem: string, caCertPem: string, facts: ServerCertFacts): void {
  const r: CheckRecord = {
    v: VERSION,
    serverCertSha256: sha256Hex(serverCertPem),
    caCertSha256: sha256Hex(caCertPem),
    notAfter: facts.notAfter,
    dns: facts.sans.dns,
    ip: facts.sans.ip,
  };
  try {
    writeFileAtomic(join(dir, SERVER_CHECK_FILE), `${JSON.stringify(r, null, 2)}\n`, 0o644);
  } catch (e) {
    log.debug(`cannot write ${SERVER_CHECK_FILE} in ${dir}: ${(e as Error).message}`);
  }
}
