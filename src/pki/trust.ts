// Client certificates from CAs the operator trusts besides the gateway's own (a company
// CA, Vault, step-ca, AD CS): which trusted CA signed a certificate, which neo client id
// the certificate names by that CA's rule, and whether the CA's CRL lists it. The CRL
// file is read again when it changes on disk (checked at most once a second).
import type { X509Certificate } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { NeoError } from "../lib/errors.ts";
import { createLogger } from "../lib/log.ts";
import { loadX509 } from "./x509-load.ts";

/** How a certificate of this CA names a neo client. */
type IdentityRule = "cn" | "san-dns" | "san-uri" | "san-email" | "mainflux-key";
/** pinned: the certificate itself must be registered (key import); ca: any certificate naming a known client */
type TrustPolicy = "pinned" | "ca";

export interface TrustedCaSpec {
  name: string;
  /** PEM file: the CA certificate (and the intermediates it signs through) */
  file: string;
  identity: IdentityRule;
  /** san-uri: the id is what follows this prefix, e.g. "urn:acme:client:" */
  uriPrefix?: string;
  policy: TrustPolicy;
  crlFile?: string;
}

interface TrustedCa extends TrustedCaSpec {
  certs: X509Certificate[];
}

/** What identify() needs to know about a certificate from a trusted CA. */
export interface TrustedCertInfo {
  ca: TrustedCa;
  /** the neo client id by the CA's rule; undefined for mainflux-key (the registration names it) */
  id?: string;
  cn: string;
  /** the whole subject, one line ("CN=dev-1, O=Acme") */
  subject: string;
  /** lowercase hex */
  serial: string;
  /** validity, ms */
  notBefore: number;
  notAfter: number;
  revoked: boolean;
}

export interface TrustedCas {
  readonly cas: readonly TrustedCa[];
  /** every trusted CA certificate, PEM, for the TLS listeners' `ca` */
  readonly pem: string[];
  /** the trusted CA that signed this DER certificate, or undefined (neo's own, or nobody we trust) */
  inspect(der: Uint8Array, fingerprint?: string): TrustedCertInfo | undefined;
  /** does CA `ca`'s CRL, as last read, list `serial` (lowercase hex)? (current()'s question) */
  revoked(ca: string, serial: string): boolean;
  /**
   * Look at every CrlFile every `everyMs` and call `fn` after a changed one was read again
   * (the live re-check's change signal). Returns the stop.
   */
  watch(fn: () => void, everyMs?: number): () => void;
}

const bad = (msg: string) => new NeoError("config_invalid", msg, 400);
const log = createLogger("pki");

type X509Class = typeof X509Certificate;

function readCerts(X509: X509Class, spec: TrustedCaSpec): X509Certificate[] {
  let text: string;
  try {
    text = readFileSync(spec.file, "utf8");
  } catch (e) {
    throw bad(`Tls.TrustedCA "${spec.name}": cannot read ${spec.file} (${(e as NodeJS.ErrnoException).code ?? e})`);
  }
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  const certs: X509Certificate[] = [];
  for (const b of blocks) {
    try {
      certs.push(new X509(b));
    } catch {
      throw bad(`Tls.TrustedCA "${spec.name}": ${spec.file} holds a certificate that does not parse`);
    }
  }
  if (certs.length === 0) throw bad(`Tls.TrustedCA "${spec.name}": ${spec.file} holds no PEM certificate`);
  if (!certs.some((c) => c.ca))
    throw bad(`Tls.TrustedCA "${spec.name}": ${spec.file} is not a CA certificate (basicConstraints CA:FALSE)`);
  return certs;
}

/** "CN=a\nO=b" -> "a" (node prints one attribute per line) */
function commonName(subject: string): string {
  for (const line of subject.split("\n")) if (line.startsWith("CN=")) return line.slice(3);
  return "";
}

/** "DNS:a, URI:urn:x, email:e@x" -> entries of one kind */
function sans(cert: X509Certificate, kind: "DNS" | "URI" | "email"): string[] {
  const all = cert.subjectAltName ?? "";
  return all
    .split(/,\s*/)
    .filter((s) => s.startsWith(`${kind}:`))
    .map((s) => s.slice(kind.length + 1));
}

/** the neo client id a certificate names under `ca`'s rule (one candidate, or undefined) */
function idByRule(ca: TrustedCaSpec, cert: X509Certificate): string | undefined {
  switch (ca.identity) {
    case "cn":
      return commonName(cert.subject) || undefined;
    case "san-dns":
      return sans(cert, "DNS")[0];
    case "san-email":
      return sans(cert, "email")[0];
    case "san-uri": {
      const prefix = ca.uriPrefix ?? "";
      const hit = sans(cert, "URI").find((u) => u.startsWith(prefix) && u.length > prefix.length);
      return hit?.slice(prefix.length);
    }
    case "mainflux-key":
      return undefined;
  }
}

const stampOf = (file: string) => {
  const s = statSync(file);
  return `${s.mtimeMs}:${s.size}`;
};

interface Crl {
  /** the file's mtime and size when it was read */
  stamp: string;
  serials: Set<string>;
}

export async function loadTrustedCas(specs: readonly TrustedCaSpec[]): Promise<TrustedCas> {
  // node:crypto only when there are trusted CAs (the default start never loads it)
  const { X509Certificate: X509 } = await import("node:crypto");
  const cas: TrustedCa[] = specs.map((s) => ({ ...s, certs: readCerts(X509, s) }));
  const crls = new Map<string, Crl>();
  const seen = new Map<string, { ca: TrustedCa | undefined; info: TrustedCertInfo }>();
  const checkedAt = new Map<string, number>();
  const watchers = new Set<() => void>();
  /** the file state last tried per CA (read, or found missing or bad) */
  const tried = new Map<string, string>();

  async function readCrl(ca: TrustedCa): Promise<Crl> {
    const file = ca.crlFile as string;
    const stamp = stampOf(file);
    // @peculiar/x509 only when a CRL is read (its load costs start time and memory: docs/performance.md)
    const { x509 } = await loadX509();
    const crl = new x509.X509Crl(await Bun.file(file).bytes());
    const signer = ca.certs.map((c) => new x509.X509Certificate(c.raw));
    let ok = false;
    for (const c of signer) if (await crl.verify({ publicKey: c.publicKey }).catch(() => false)) ok = true;
    if (!ok) throw bad(`Tls.TrustedCA "${ca.name}": CrlFile ${file} is not signed by ${ca.file}`);
    return { stamp, serials: new Set(crl.entries.map((e) => e.serialNumber.toLowerCase().replace(/^0+/, ""))) };
  }
  for (const ca of cas) if (ca.crlFile) crls.set(ca.name, await readCrl(ca));

  /** a changed CRL file is read again in the background; the old list holds until then */
  function freshen(ca: TrustedCa, minGapMs = 1000): void {
    if (!ca.crlFile) return;
    const now = Date.now();
    if (now - (checkedAt.get(ca.name) ?? 0) < minGapMs) return;
    checkedAt.set(ca.name, now);
    let stamp: string;
    try {
      stamp = stampOf(ca.crlFile);
    } catch {
      stamp = "gone";
    }
    // each state of the file is read (or reported) once: a missing or bad CRL is not re-read every tick
    if (stamp === crls.get(ca.name)?.stamp || stamp === tried.get(ca.name)) return;
    tried.set(ca.name, stamp);
    if (stamp === "gone")
      return log.warn(`Tls.TrustedCA "${ca.name}": CrlFile ${ca.crlFile} is gone; the last list read stays`);
    readCrl(ca).then(
      (c) => {
        crls.set(ca.name, c);
        log.info(`Tls.TrustedCA "${ca.name}": read ${ca.crlFile} again (${c.serials.size} revoked)`);
        for (const fn of watchers) fn();
      },
      (e) => log.warn(`Tls.TrustedCA "${ca.name}": ${ca.crlFile} not read, the last list stays: ${e}`),
    );
  }

  const isRevoked = (ca: string, serial: string) => crls.get(ca)?.serials.has(serial) ?? false;

  return {
    cas,
    revoked: isRevoked,
    watch(fn, everyMs = 250) {
      watchers.add(fn);
      const timer = setInterval(() => {
        for (const ca of cas) freshen(ca, everyMs - 10);
      }, everyMs);
      timer.unref?.();
      return () => {
        clearInterval(timer);
        watchers.delete(fn);
      };
    },
    pem: cas.flatMap((ca) => ca.certs.map((c) => c.toString())),
    inspect(der, fingerprint) {
      // the chain check is the same for the same certificate: kept per fingerprint (the CRL is asked every time)
      const known = fingerprint === undefined ? undefined : seen.get(fingerprint);
      if (known) {
        if (known.ca) freshen(known.ca);
        return known.ca ? { ...known.info, revoked: isRevoked(known.ca.name, known.info.serial) } : undefined;
      }
      const info = examine(der);
      if (fingerprint !== undefined) {
        if (seen.size >= 4096) seen.clear();
        seen.set(fingerprint, { ca: info?.ca, info: info as TrustedCertInfo });
      }
      return info;
    },
  };

  function examine(der: Uint8Array): TrustedCertInfo | undefined {
    let cert: X509Certificate;
    try {
      cert = new X509(der);
    } catch {
      return undefined;
    }
    for (const ca of cas) {
      if (!ca.certs.some((c) => cert.checkIssued(c) && cert.verify(c.publicKey))) continue;
      freshen(ca);
      const serial = cert.serialNumber.toLowerCase().replace(/^0+/, "");
      const id = idByRule(ca, cert);
      return {
        ca,
        ...(id !== undefined ? { id } : {}),
        cn: commonName(cert.subject),
        subject: cert.subject.split("\n").join(", "),
        serial,
        notBefore: Date.parse(cert.validFrom),
        notAfter: Date.parse(cert.validTo),
        revoked: isRevoked(ca.name, serial),
      };
    }
    return undefined;
  }
}
