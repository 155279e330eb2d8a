// TESTS ONLY: an in-memory registry with the same surface as src/registry's Registry,
// used until (and as a fallback if) the real one is not importable. Certificates come
// from the real PKI; tokens have the real format `<id>:b:<64 hex>`.
import { conflict, notFound } from "../../lib/errors.ts";
import type { CreatedKey, KeyRecord, KeyRegistry } from "../types.ts";

export function createStandInRegistry(): KeyRegistry & { records: Map<string, KeyRecord> } {
  const records = new Map<string, KeyRecord>();
  return {
    records,
    async create({ id, keyType, notBefore, notAfter, pki }): Promise<CreatedKey> {
      if (records.has(id)) throw conflict("client_exists", `client id ${id} already exists`);
      const issued = await pki.issueClientCert({ clientId: id, keyType, notBefore, notAfter });
      const token = `${id}:b:${Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("hex")}`;
      const record: KeyRecord = {
        id,
        notBefore: notBefore.getTime(),
        notAfter: notAfter.getTime(),
        status: "active",
        lastUsedAt: null,
      };
      records.set(id, record);
      return { record, certPem: issued.certPem, keyPem: issued.keyPem, token };
    },
    list: () => [...records.values()],
    delete(id) {
      if (!records.delete(id)) throw notFound("client_not_found", `client id ${id} not found`);
    },
    revoke(id) {
      const r = records.get(id);
      if (!r) throw notFound("client_not_found", `client id ${id} not found`);
      r.status = "revoked";
    },
  };
}
