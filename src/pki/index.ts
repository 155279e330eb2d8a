// pki: the gateway's own CA, its server certificate, client certificates and CRLs.
import { issuedChain, loadCaAndServer } from "./ca.ts";
import { pemBlocks } from "./fingerprint.ts";
import { signCsr } from "./csr.ts";
import { createCrl, createVerifier, issueClientCert } from "./issue.ts";
import type { Pki } from "./types.ts";

export type { IssuedCert, KeyType, Pki } from "./types.ts";
export { fingerprint256, normalizeFingerprint } from "./fingerprint.ts";

/**
 * Load <data>/pki (creating the CA and server certificate on first use) and make sure
 * the server certificate covers localhost, 127.0.0.1, ::1 and every host in `opts.hosts`.
 */
export async function loadOrCreatePki(dataDir: string, opts: { hosts: string[] }): Promise<Pki> {
  const { dir, ca, server } = await loadCaAndServer(dataDir, opts.hosts);
  const verify = createVerifier(ca.caCertPem);
  const chain = issuedChain(ca.caCertPem, ca.chainPem);
  return {
    dir,
    // what clients trust: neo's CA, its issuers up to the company root, and CAs an import replaced
    caCertPem: [ca.caCertPem, ...pemBlocks(ca.chainPem), ...pemBlocks(ca.retiredPem)].join(""),
    caChain: [ca.caCertPem, ...pemBlocks(ca.chainPem)],
    // under a company root the server sends the intermediates with its certificate
    serverCertPem: chain ? `${server.certPem.trimEnd()}\n${chain}` : server.certPem,
    serverKeyPem: server.keyPem,
    issueClientCert: async (o) => issueClientCert(await ca.material(), o),
    signCsr: async (csr, o) => signCsr(await ca.material(), csr, o),
    createCrl: async (revoked) => createCrl(await ca.material(), revoked),
    verifyIssued: verify,
  };
}
export { makeIdentity } from "./identity.ts";
export {
  loadTrustedCas,
  type TrustedCas,
  type TrustedCertInfo,
} from "./trust.ts";
export { certsOnly, keyTypeOfCert } from "./csr.ts";
export { signForClient } from "./sign-for-client.ts";

/** `neo shell ca import-intermediate` (pki/import-ca.ts; loaded only by that command) */
export const importIntermediate = (...a: Parameters<typeof import("./import-ca.ts").importIntermediate>) =>
  import("./import-ca.ts").then((m) => m.importIntermediate(...a));
/** `neo shell ca show`: neo's CA, its chain up to a company root, the CAs it replaced */
export const describeCa = (pkiDir: string) => import("./import-ca.ts").then((m) => m.describeCa(pkiDir));
