// EST enrollment and renewal (http/routes/est.ts calls these with the principal identify()
// gave it): the gateway CA signs the device's request; a first enrollment registers the
// client like `key gen` (the scopes the operator set with `key enroll`) and uses up the
// secret; a renewal keeps id, token and scopes, moves the validity, and lets the old
// certificate work on for Tls.RenewalGrace (auth/current.ts ends its sessions then).
import type { Identified } from "../auth/index.ts";
import type { NeoConfig } from "../config/index.ts";
import { NeoError } from "../lib/errors.ts";
import type { Logger } from "../lib/log.ts";
import { certsOnly, keyTypeOfCert, type Pki } from "../pki/index.ts";
import type { Registry } from "../registry/index.ts";

const DAY = 86_400_000;
const FIRST_VALIDITY_MS = 1095 * DAY;
const DEFAULT_GRACE_MS = DAY;

export function createEst(d: { pki: Pki; registry: Registry; config: () => NeoConfig; log: Logger }) {
  const { pki, registry } = d;

  async function renew(p: Identified, csr: string): Promise<string> {
    const cur = registry.get(p.id);
    if (!cur) throw new NeoError("client_not_found", `client "${p.id}" is gone`, 404);
    const now = Date.now();
    const notAfter = new Date(now + Math.max(cur.notAfter - cur.notBefore, DAY));
    const signed = await pki.signCsr(csr, { clientId: p.id, notBefore: new Date(now), notAfter });
    const grace = d.config().tls?.renewalGraceMs ?? DEFAULT_GRACE_MS;
    registry.importCert(p.id, signed, [Math.floor(now / 1000) * 1000, Math.floor(notAfter.getTime() / 1000) * 1000]);
    if (grace > 0) registry.enrollments.addGrace(cur.certFingerprint, p.id, now + grace);
    d.log.info(`EST: renewed ${p.id} (serial ${signed.serial}); the old certificate works ${grace / 1000} s more`);
    return certsOnly([signed.certPem]);
  }

  async function enroll(p: Identified, csr: string): Promise<string> {
    if (p.ref.kind !== "enrollment") return renew(p, csr); // an existing valid certificate of the client
    const e = registry.enrollments.open(p.id);
    if (!e) throw new NeoError("enrollment_used", "this enrollment secret was used or has expired", 401);
    const now = Date.now();
    const validity = { notBefore: new Date(now), notAfter: new Date(now + FIRST_VALIDITY_MS) };
    const signed = await pki.signCsr(csr, { clientId: p.id, ...validity });
    registry.enrollments.consume(p.id); // one time, even if what follows fails
    if (registry.get(p.id)) registry.importCert(p.id, signed);
    else
      await registry.create({
        id: p.id,
        keyType: await keyTypeOfCert(signed.certPem),
        scopes: e.scopes,
        ...validity,
        pki: { issueClientCert: async () => signed },
      });
    d.log.info(`EST: enrolled ${p.id} (serial ${signed.serial})`);
    return certsOnly([signed.certPem]);
  }

  return { enroll, renew, cacerts: () => certsOnly(pki.caChain) };
}
