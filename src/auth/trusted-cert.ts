// A client certificate from a CA the operator trusts (Tls.TrustedCA, pki/trust.ts): the
// CA's CRL, then the client it names by the CA's policy: `pinned` (the certificate itself
// is registered: key import / key sign) or `ca` (any certificate of the CA naming a known
// client by the CA's identity rule). Mainflux's rule: the CN holds the client's key (the
// secret of its token), checked in constant time against the stored hash. Approval at first
// use: a `pinned` CA's certificate naming a registered client, not registered itself, is
// refused and kept for an operator (registry/pending-certs.ts).
import { createLogger } from "../lib/log.ts";
import { sameBytes } from "../lib/secret-bytes.ts";
import type { TrustedCertInfo } from "../pki/index.ts";
import { type ClientCredentials, type Registry, tokenOf } from "../registry/index.ts";
import type { AuthFailureReason } from "./types.ts";

const log = createLogger("auth");

export function trustedClient(
  registry: Pick<Registry, "idByFingerprint" | "credentials" | "hashToken">,
  info: TrustedCertInfo,
  fp: string,
): ClientCredentials | AuthFailureReason {
  if (info.revoked) return "certificate revoked by its CA";
  let id: string | null | undefined = info.id;
  if (info.ca.policy === "pinned") {
    const holder = registry.idByFingerprint(fp);
    // registered, and (by a naming rule) registered to the client it names
    if (!holder || (id !== undefined && id !== holder)) return "unknown certificate";
    id = holder;
  }
  if (id === undefined || id === null) return "unknown certificate";
  const cred = registry.credentials(id);
  if (!cred) return "unknown certificate";
  if (info.ca.identity === "mainflux-key") {
    const presented = registry.hashToken(tokenOf(cred.record.id, info.cn));
    if (!sameBytes(presented, cred.tokenHash)) return "the key in the certificate is not the client's";
  }
  return cred;
}

/**
 * After trustedClient() said "unknown certificate": a pinned CA's certificate that names a
 * registered client by the CA's rule and is nobody's yet waits for approval. Best effort: a
 * registry that cannot be written changes nothing about the refusal.
 */
export function keepPending(
  registry: Pick<Registry, "get" | "idByFingerprint" | "pending">,
  info: TrustedCertInfo,
  fp: string,
  address: string | undefined,
): void {
  if (info.ca.policy !== "pinned" || info.id === undefined || info.revoked) return;
  try {
    if (!registry.get(info.id) || registry.idByFingerprint(fp) !== null) return;
    const kept = registry.pending.record({
      fingerprint: fp,
      clientId: info.id,
      ca: info.ca.name,
      subject: info.subject,
      serial: info.serial,
      notBefore: info.notBefore,
      notAfter: info.notAfter,
      address: address ?? "",
    });
    if (kept === "kept")
      log.info(
        `certificate ${fp} of Tls.TrustedCA "${info.ca.name}" for client "${info.id}" awaits approval: neo shell key approve ${fp}`,
      );
    else if (kept === "full") log.warn(`pending certificates are at their bound: ${fp} for "${info.id}" not kept`);
  } catch (e) {
    log.warn(`could not keep the pending certificate ${fp}: ${(e as Error).message}`);
  }
}
