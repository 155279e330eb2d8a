// The certificate and key a TLS listener presents: the gateway's own (default) or the
// operator's files (Mqtt.Tls.CertFile/KeyFile, Http.Tls.CertFile/KeyFile). Checked
// before anything listens, with errors that name the setting and the file.
import type { X509Certificate } from "node:crypto";
import { statSync } from "node:fs";
import type { NeoConfig } from "../config/index.ts";
import { NeoError } from "../lib/errors.ts";
import type { Pki } from "../pki/index.ts";

export interface TlsMaterial {
  cert: string;
  key: string;
  ca: string;
}

const bad = (msg: string) => new NeoError("config_invalid", msg, 400);

/** the operator files as last loaded: path -> mtime and size, so a SIGHUP can tell they were replaced */
const loaded = new Map<string, string>();
const stampOf = (path: string) => {
  try {
    const s = statSync(path);
    return `${s.mtimeMs}:${s.size}`;
  } catch {
    return "missing";
  }
};

/** were this block's CertFile/KeyFile replaced on disk since they were loaded? (false for the gateway's own) */
export function tlsFilesChanged(tls: Pick<NeoConfig["mqtt"]["tls"], "certFile" | "keyFile">): boolean {
  return [tls.certFile, tls.keyFile].some((f) => f !== undefined && loaded.has(f) && loaded.get(f) !== stampOf(f));
}

async function readSetting(path: string, setting: string): Promise<string> {
  try {
    return await Bun.file(path).text();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? String(e);
    throw bad(`${setting}: cannot read ${path} (${code})`);
  }
}

export async function loadTlsMaterial(
  pki: Pki,
  tls: Pick<NeoConfig["mqtt"]["tls"], "certFile" | "keyFile">,
  section: "Mqtt" | "Http" | "Grpc" | "Coap",
  /** client-certificate CAs trusted besides the gateway's own (Tls.TrustedCA), PEM */
  trusted: readonly string[] = [],
): Promise<TlsMaterial> {
  const ca = [pki.caCertPem, ...trusted].join("\n");
  if (!tls.certFile && !tls.keyFile) return { cert: pki.serverCertPem, key: pki.serverKeyPem, ca };
  const certSetting = `${section}.Tls.CertFile`;
  const keySetting = `${section}.Tls.KeyFile`;
  if (!tls.certFile || !tls.keyFile) throw bad(`${certSetting} and ${keySetting} go together: set both or neither`);
  const stamps = [stampOf(tls.certFile), stampOf(tls.keyFile)] as const;
  const [cert, key] = await Promise.all([readSetting(tls.certFile, certSetting), readSetting(tls.keyFile, keySetting)]);
  // only operator files are parsed here; the default path never loads node:crypto
  const { X509Certificate, createPrivateKey } = await import("node:crypto");
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch {
    throw bad(`${certSetting}: ${tls.certFile} is not a PEM certificate`);
  }
  let privateKey: ReturnType<typeof createPrivateKey>;
  try {
    privateKey = createPrivateKey(key);
  } catch {
    throw bad(`${keySetting}: ${tls.keyFile} is not a PEM private key`);
  }
  if (!x509.checkPrivateKey(privateKey))
    throw bad(`${keySetting} ${tls.keyFile} does not match ${certSetting} ${tls.certFile}`);
  if (Date.parse(x509.validTo) <= Date.now()) throw bad(`${certSetting}: ${tls.certFile} expired on ${x509.validTo}`);
  loaded.set(tls.certFile, stamps[0]);
  loaded.set(tls.keyFile, stamps[1]);
  // client certificates are verified against the gateway CA and the trusted ones
  return { cert, key, ca };
}
