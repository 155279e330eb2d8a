// CA and server certificate bootstrap: <data>/pki/{ca_key,ca_cert,server_key,server_cert}.pem.
import { existsSync, readFileSync, renameSync, rmSync, mkdtempSync } from "node:fs";
import { join } from "node:path";
import { NeoError } from "../lib/errors.ts";
import { createLogger } from "../lib/log.ts";
import { pemBlocks, randomSerial } from "./fingerprint.ts";
import { randomHex } from "../lib/secret-bytes.ts";
import { normalizeIp, serverSans, sansCover, type SanSet } from "./hosts.ts";
import { writeFileAtomic, writeFileExclusive } from "../lib/files.ts";
import { ensurePrivateDir } from "./files.ts";
import { readServerCheck, writeServerCheck, type ServerCertFacts } from "./server-check.ts";
import type { SigningAlgorithm, x509 } from "./x509.ts";
import { loadX509 } from "./x509-load.ts";
import type { X509Certificate } from "node:crypto";

// @peculiar/x509 (with reflect-metadata and tsyringe) costs tens of ms and many MB to load (bench/RESULTS.md, "Module costs"),
// and only issuing a certificate or a CRL needs it: starting with an existing CA reads
// everything through node:crypto and loads the library on first use. An unchanged server
// certificate is not even parsed: see server-check.ts.
export { loadX509 };

const log = createLogger("pki");
const DAY = 86_400_000;
const CA_DAYS = 3650;
const SERVER_DAYS = 825;
/** reissue the server certificate when less than this is left */
const SERVER_RENEW_BEFORE = 30 * DAY;

export const PKI_FILES = {
  caKey: "ca_key.pem",
  caCert: "ca_cert.pem",
  serverKey: "server_key.pem",
  serverCert: "server_cert.pem",
  /** neo's CA as an intermediate (ca import-intermediate): its issuers up to the company root */
  caChain: "ca_chain.pem",
  /** CA certificates neo used before an import: still trusted, so their certificates work on */
  caRetired: "ca_retired.pem",
} as const;

export interface CaMaterial {
  caCertPem: string;
  caKeyPem: string;
  caCert: x509.X509Certificate;
  caKey: CryptoKey;
  /** what the CA key signs with (its type decides: EC P-256/384/521, RSA) */
  signingAlgorithm: SigningAlgorithm;
  /** appended to every certificate it issues: neo's CA and the intermediates above it, not the root ("" for a root CA) */
  issuedChainPem: string;
}

/** The CA's PEM files; the parsed signing material is loaded on first use. */
export interface CaFiles {
  caCertPem: string;
  caKeyPem: string;
  /** ca_chain.pem: the issuers of an imported intermediate, up to the root ("" for neo's own root CA) */
  chainPem: string;
  /** ca_retired.pem: CAs replaced by an import, still trusted ("" when none) */
  retiredPem: string;
  material(): Promise<CaMaterial>;
}

/** neo's CA and the intermediates above it, without the (self-signed) root the chain ends with */
export function issuedChain(caCertPem: string, chainPem: string): string {
  return chainPem ? [caCertPem, ...pemBlocks(chainPem).slice(0, -1)].join("") : "";
}

function caFiles(caCertPem: string, caKeyPem: string, chainPem = "", retiredPem = ""): CaFiles {
  let loaded: Promise<CaMaterial> | undefined;
  return {
    caCertPem,
    caKeyPem,
    chainPem,
    retiredPem,
    material: () => {
      loaded ??= caMaterial(caCertPem, caKeyPem, chainPem);
      loaded.catch(() => (loaded = undefined)); // a failure is retried next time
      return loaded;
    },
  };
}

export interface ServerMaterial {
  certPem: string;
  keyPem: string;
}

async function createCa(): Promise<{ certPem: string; keyPem: string }> {
  const { EC_KEY_ALG, EC_SIGN_ALG, privateKeyPem, x509 } = await loadX509();
  const keys = await crypto.subtle.generateKey(EC_KEY_ALG, true, ["sign", "verify"]);
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: `CN=neo gateway CA ${randomHex(4)}`,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + CA_DAYS * DAY),
    keys,
    signingAlgorithm: EC_SIGN_ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: cert.toString("pem"), keyPem: await privateKeyPem(keys.privateKey) };
}

async function createServerCert(ca: CaMaterial, sans: SanSet): Promise<ServerMaterial & { facts: ServerCertFacts }> {
  const { EC_KEY_ALG, privateKeyPem, x509 } = await loadX509();
  const keys = await crypto.subtle.generateKey(EC_KEY_ALG, true, ["sign", "verify"]);
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: `CN=${sans.dns[0] ?? "localhost"}`,
    issuer: ca.caCert.subject,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(Math.min(now + SERVER_DAYS * DAY, ca.caCert.notAfter.getTime())),
    publicKey: keys.publicKey,
    signingKey: ca.caKey,
    signingAlgorithm: ca.signingAlgorithm,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        ...sans.dns.map((value) => ({ type: "dns" as const, value })),
        ...sans.ip.map((value) => ({ type: "ip" as const, value })),
      ]),
      await x509.AuthorityKeyIdentifierExtension.create(ca.caCert),
    ],
  });
  return {
    certPem: cert.toString("pem"),
    keyPem: await privateKeyPem(keys.privateKey),
    // X.509 times have whole seconds
    facts: {
      notAfter: Math.floor(cert.notAfter.getTime() / 1000) * 1000,
      sans: { dns: [...sans.dns], ip: [...sans.ip] },
    },
  };
}

/** SANs of an existing certificate, as text (node:crypto: "DNS:a, IP Address:127.0.0.1"). */
function certSans(cert: X509Certificate): SanSet {
  const dns: string[] = [];
  const ip: string[] = [];
  for (const part of (cert.subjectAltName ?? "").split(", ")) {
    if (part.startsWith("DNS:")) dns.push(part.slice(4));
    else if (part.startsWith("IP Address:")) ip.push(normalizeIp(part.slice(11)));
  }
  return { dns, ip };
}

/**
 * First start: build CA and server cert in a temp dir, then rename it to <data>/pki in
 * one step, so two processes starting together (a server and a CLI) never end up with
 * two different CAs: the loser of the rename drops its copy and loads the winner's.
 */
async function bootstrap(dataDir: string, pkiDir: string, sans: SanSet): Promise<void> {
  const ca = await createCa();
  const tmp = mkdtempSync(join(dataDir, ".pki-tmp-"));
  try {
    writeFileExclusive(join(tmp, PKI_FILES.caKey), ca.keyPem, 0o600);
    writeFileExclusive(join(tmp, PKI_FILES.caCert), ca.certPem, 0o644);
    const material = await caMaterial(ca.certPem, ca.keyPem);
    const server = await createServerCert(material, sans);
    writeFileExclusive(join(tmp, PKI_FILES.serverKey), server.keyPem, 0o600);
    writeFileExclusive(join(tmp, PKI_FILES.serverCert), server.certPem, 0o644);
    writeServerCheck(tmp, server.certPem, ca.certPem, server.facts);
    try {
      renameSync(tmp, pkiDir); // replaces a missing or empty directory atomically
      log.info(`created gateway CA "${material.caCert.subject}" in ${pkiDir}`);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== "ENOTEMPTY" && code !== "EEXIST") throw e;
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

async function caMaterial(caCertPem: string, caKeyPem: string, chainPem = ""): Promise<CaMaterial> {
  const { importSigningKey, x509 } = await loadX509();
  const { key, algorithm } = await importSigningKey(caKeyPem);
  return {
    caCertPem,
    caKeyPem,
    caCert: new x509.X509Certificate(caCertPem),
    caKey: key,
    signingAlgorithm: algorithm,
    issuedChainPem: issuedChain(caCertPem, chainPem),
  };
}

function read(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    throw new NeoError("pki_unreadable", `cannot read ${path}: ${(e as Error).message}`, 500, e);
  }
}

/** Load the CA (creating everything on first use) and make sure the server cert covers `hosts`. */
export async function loadCaAndServer(
  dataDir: string,
  hosts: readonly string[],
): Promise<{ dir: string; ca: CaFiles; server: ServerMaterial }> {
  ensurePrivateDir(dataDir);
  const dir = join(dataDir, "pki");
  const want = serverSans(hosts);
  if (!existsSync(join(dir, PKI_FILES.caKey))) await bootstrap(dataDir, dir, want);

  const optional = (f: string) => (existsSync(join(dir, f)) ? read(join(dir, f)) : "");
  const ca = caFiles(
    read(join(dir, PKI_FILES.caCert)),
    read(join(dir, PKI_FILES.caKey)),
    optional(PKI_FILES.caChain),
    optional(PKI_FILES.caRetired),
  );
  let server: ServerMaterial = {
    certPem: existsSync(join(dir, PKI_FILES.serverCert)) ? read(join(dir, PKI_FILES.serverCert)) : "",
    keyPem: existsSync(join(dir, PKI_FILES.serverKey)) ? read(join(dir, PKI_FILES.serverKey)) : "",
  };
  const check =
    server.certPem && server.keyPem
      ? await checkServerCert(dir, server.certPem, ca.caCertPem, want)
      : { why: "missing", facts: undefined };
  const why = check.why;
  if (why) {
    const merged = check.facts && why === "hosts" ? mergeSans(check.facts.sans, want) : want;
    const issued = await createServerCert(await ca.material(), merged);
    server = { certPem: issued.certPem, keyPem: issued.keyPem };
    writeFileAtomic(join(dir, PKI_FILES.serverKey), server.keyPem, 0o600);
    writeFileAtomic(join(dir, PKI_FILES.serverCert), server.certPem, 0o644);
    writeServerCheck(dir, server.certPem, ca.caCertPem, issued.facts);
    log.info(`issued server certificate (${why}) for ${[...merged.dns, ...merged.ip].join(", ")}`);
  }
  return { dir, ca, server };
}

function mergeSans(a: SanSet, b: SanSet): SanSet {
  return { dns: [...new Set([...a.dns, ...b.dns])].sort(), ip: [...new Set([...a.ip, ...b.ip])].sort() };
}

/**
 * Why the server cert must be reissued ("" when it is fine), with what is known about it.
 * When neither PEM file changed since the last full check its record answers; otherwise
 * the certificate is parsed and its signature verified with node:crypto, and a
 * certificate that passes is recorded for the next start.
 */
async function checkServerCert(
  dir: string,
  certPem: string,
  caCertPem: string,
  want: SanSet,
): Promise<{ why: string; facts?: ServerCertFacts }> {
  const known = readServerCheck(dir, certPem, caCertPem);
  if (known) return { why: reason(known, want), facts: known };
  const { X509Certificate } = await import("node:crypto");
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch {
    return { why: "unreadable" };
  }
  if (!cert.verify(new X509Certificate(caCertPem).publicKey)) return { why: "other CA" };
  const facts = { notAfter: Date.parse(cert.validTo), sans: certSans(cert) };
  const why = reason(facts, want);
  if (!why) writeServerCheck(dir, certPem, caCertPem, facts);
  return { why, facts };
}

function reason(facts: ServerCertFacts, want: SanSet): string {
  if (facts.notAfter - Date.now() < SERVER_RENEW_BEFORE) return "expiring";
  if (!sansCover(facts.sans, want)) return "hosts";
  return "";
}
