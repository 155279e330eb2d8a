// `neo shell ca import-intermediate`: neo's CA becomes an intermediate under the company's
// root. The CA certificate and key come from the company PKI (EC P-256/P-384/P-521 or RSA
// 2048+), the chain up to the root with them; everything is checked before a file changes
// (a CA certificate, the key is its key, it chains to the root given, valid now). Then:
// ca_cert.pem / ca_key.pem are the new CA (key as PKCS#8, 0600), ca_chain.pem its issuers,
// the old CA certificate is appended to ca_retired.pem (still trusted: what it issued works
// until it expires) and its key kept as ca_key.retired-<time>.pem (0600). The server
// certificate is issued again by the new CA at the next start (the old one names another CA).
import type { X509Certificate } from "node:crypto";
import { existsSync, readFileSync, renameSync } from "node:fs";
import { join } from "node:path";
import { badRequest } from "../lib/errors.ts";
import { writeFileAtomic } from "../lib/files.ts";
import { loadX509, PKI_FILES } from "./ca.ts";
import { pemBlocks } from "./fingerprint.ts";

export interface ImportedCa {
  subject: string;
  /** "EC P-384", "RSA 3072" */
  keyKind: string;
  /** subjects from neo's CA's issuer up to the root */
  chain: string[];
  /** the CA it replaced (kept trusted) */
  previous: string;
}

const refuse = (msg: string) => badRequest("ca_refused", msg);
const oneLine = (subject: string) => subject.split("\n").join(", ");

function parse(X509: typeof X509Certificate, pem: string, what: string): X509Certificate {
  try {
    return new X509(pem);
  } catch {
    throw refuse(`${what} is not a PEM certificate`);
  }
}

/** the issuers of `ca`, in order up to a self-signed root, each verified by the next */
function orderChain(X509: typeof X509Certificate, ca: X509Certificate, chainPem: string): X509Certificate[] {
  const pool = pemBlocks(chainPem).map((p, i) => parse(X509, p, `--chain certificate ${i + 1}`));
  if (pool.length === 0 && chainPem.trim() !== "") throw refuse("--chain holds no PEM certificate");
  const selfSigned = (c: X509Certificate) => c.checkIssued(c) && c.verify(c.publicKey);
  if (selfSigned(ca)) {
    if (pool.length > 0) throw refuse("the CA certificate is self-signed (a root): it takes no --chain");
    return [];
  }
  if (pool.length === 0)
    throw refuse(`give --chain with the issuer of "${oneLine(ca.subject)}" up to the root ("${oneLine(ca.issuer)}")`);
  const out: X509Certificate[] = [];
  let at = ca;
  while (!selfSigned(at)) {
    const next = pool.find((c) => at.checkIssued(c) && at.verify(c.publicKey));
    if (!next)
      throw refuse(`--chain has no certificate that signed "${oneLine(at.subject)}" (issuer "${oneLine(at.issuer)}")`);
    if (!next.ca) throw refuse(`"${oneLine(next.subject)}" in --chain is not a CA certificate`);
    if (out.includes(next)) throw refuse("--chain loops");
    out.push(next);
    at = next;
  }
  return out;
}

/** Check everything, then switch <data>/pki to the imported CA. Nothing changes when a check fails. */
export async function importIntermediate(
  pkiDir: string,
  o: { certPem: string; keyPem: string; chainPem?: string; now?: number },
): Promise<ImportedCa> {
  const { X509Certificate: X509, createPrivateKey } = await import("node:crypto");
  const now = o.now ?? Date.now();
  const blocks = pemBlocks(o.certPem);
  if (blocks.length === 0) throw refuse("--cert holds no PEM certificate");
  const ca = parse(X509, blocks[0]!, "--cert");
  if (!ca.ca) throw refuse("--cert is not a CA certificate (basicConstraints CA:TRUE is needed)");
  const { caKeyKind, importSigningKey, pkcs8Pem, x509 } = await loadX509();
  const usage = new x509.X509Certificate(blocks[0]!).getExtension(x509.KeyUsagesExtension);
  if (usage && !(usage.usages & x509.KeyUsageFlags.keyCertSign))
    throw refuse("--cert may not sign certificates (its keyUsage lacks keyCertSign)");
  if (Date.parse(ca.validTo) <= now) throw refuse(`--cert expired on ${ca.validTo}`);
  if (Date.parse(ca.validFrom) > now) throw refuse(`--cert is not valid before ${ca.validFrom}`);
  const kind = caKeyKind(o.keyPem);
  if (!kind.ok) throw refuse(`--key: ${kind.reason}`);
  if (!ca.checkPrivateKey(createPrivateKey(o.keyPem))) throw refuse("--key is not the key of --cert");
  // the intermediates a --cert file may carry count as chain too
  const chain = orderChain(X509, ca, [...blocks.slice(1), o.chainPem ?? ""].join("\n"));
  for (const c of chain)
    if (Date.parse(c.validTo) <= now) throw refuse(`"${oneLine(c.subject)}" in the chain expired on ${c.validTo}`);
  // it must sign with WebCrypto the way every issue will (the same import as at run time)
  await importSigningKey(o.keyPem);

  const file = (f: string) => join(pkiDir, f);
  const oldCert = readFileSync(file(PKI_FILES.caCert), "utf8");
  const oldKey = readFileSync(file(PKI_FILES.caKey), "utf8");
  const previous = oneLine(new X509(oldCert).subject);
  if (new X509(oldCert).fingerprint256 === ca.fingerprint256) throw refuse("this CA is already neo's CA");
  const retired = existsSync(file(PKI_FILES.caRetired)) ? readFileSync(file(PKI_FILES.caRetired), "utf8") : "";
  const stamp = new Date(now).toISOString().replace(/[:.]/g, "-");
  // the old key first (kept, never overwritten), then the trust files, then the CA itself
  writeFileAtomic(file(`ca_key.retired-${stamp}.pem`), oldKey, 0o600);
  writeFileAtomic(file(PKI_FILES.caRetired), `${retired}${oldCert.trimEnd()}\n`, 0o644);
  writeFileAtomic(file(PKI_FILES.caChain), chain.map((c) => c.toString()).join(""), 0o644);
  writeFileAtomic(file(`${PKI_FILES.caKey}.new`), pkcs8Pem(o.keyPem), 0o600);
  writeFileAtomic(file(PKI_FILES.caCert), blocks[0]!, 0o644);
  renameSync(file(`${PKI_FILES.caKey}.new`), file(PKI_FILES.caKey));
  return {
    subject: oneLine(ca.subject),
    keyKind: kind.kind,
    chain: chain.map((c) => oneLine(c.subject)),
    previous,
  };
}

export interface CaDescription {
  subject: string;
  keyKind: string;
  notAfter: string;
  /** issuers up to the root (empty: neo's CA is its own root) */
  chain: string[];
  /** CAs an import replaced, still trusted */
  retired: string[];
}

/** what `neo shell ca show` prints: neo's CA, its chain and the CAs it replaced */
export async function describeCa(pkiDir: string): Promise<CaDescription> {
  const { X509Certificate: X509 } = await import("node:crypto");
  const { caKeyKind } = await loadX509();
  const text = (f: string) => (existsSync(join(pkiDir, f)) ? readFileSync(join(pkiDir, f), "utf8") : "");
  const ca = new X509(text(PKI_FILES.caCert));
  const kind = caKeyKind(text(PKI_FILES.caKey));
  const subjects = (pem: string) => pemBlocks(pem).map((p) => oneLine(new X509(p).subject));
  return {
    subject: oneLine(ca.subject),
    keyKind: kind.ok ? kind.kind : kind.reason,
    notAfter: new Date(ca.validTo).toISOString(),
    chain: subjects(text(PKI_FILES.caChain)),
    retired: subjects(text(PKI_FILES.caRetired)),
  };
}
