// A device's PKCS#10 request signed for a client, the one way `neo shell key sign`, EST's
// first enrollment and the console's Keys page do it: an existing client gets the
// certificate as its current one (token and scopes kept, the old certificate retired); a
// new one is registered like one from `key gen` with the given scopes (its token returned once).
import { keyTypeOfCert } from "./csr.ts";
import type { IssuedCert, KeyType, Pki } from "./types.ts";

/** what signing needs of the registry (the real one is handed in; pki imports no registry) */
interface SignTarget {
  get(id: string): unknown;
  importCert(id: string, cert: IssuedCert): unknown;
  create(o: {
    id: string;
    keyType: KeyType;
    notBefore: Date;
    notAfter: Date;
    scopes: string[];
    pki: { issueClientCert(): Promise<IssuedCert> };
  }): Promise<{ certPem: string; token: string }>;
}

export interface SignedForClient {
  certPem: string;
  serial: string;
  /** set only when the client was created now: shown once */
  token?: string;
}

export async function signForClient(
  pki: Pick<Pki, "signCsr">,
  registry: SignTarget,
  o: { id: string; csr: string | Uint8Array; notBefore: Date; notAfter: Date; scopes: string[] },
): Promise<SignedForClient> {
  const validity = { notBefore: o.notBefore, notAfter: o.notAfter };
  const signed = await pki.signCsr(o.csr, { clientId: o.id, ...validity });
  if (registry.get(o.id)) {
    registry.importCert(o.id, signed);
    return { certPem: signed.certPem, serial: signed.serial };
  }
  const created = await registry.create({
    id: o.id,
    keyType: await keyTypeOfCert(signed.certPem),
    scopes: o.scopes,
    ...validity,
    pki: { issueClientCert: async () => signed },
  });
  return { certPem: created.certPem, serial: signed.serial, token: created.token };
}
