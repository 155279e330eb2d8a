// A client certificate from a CA the operator trusts (Tls.TrustedCA, pki/trust.ts): the
// CA's CRL, then the client it names by the CA's policy: `pinned` (the certificate itself
// is registered: key import / key sign) or `ca` (any certificate of the CA naming a known
// client by the CA's identity rule). Mainflux's rule: the CN holds the client's key (the
// secret of its token), checked in constant time against the stored hash.
import { sameBytes } from "../lib/secret-bytes.ts";
import type { TrustedCertInfo } from "../pki/index.ts";
import { type ClientCredentials, type Registry, tokenOf } from "../registry/index.ts";
import type { AuthFailureReason } from "./types.ts";

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
