// The store behind SuperMQ's /<domain>/clients routes: a client is a neo key (registry,
// certificate from pki) in that domain, with SuperMQ's fields beside it (client-profiles).
import type { DomainClientStore } from "../http/index.ts";
import type { Pki } from "../pki/index.ts";
import type { ClientProfiles, Domains, Registry } from "../registry/index.ts";

const VALIDITY_MS = 3 * 365 * 86_400_000; // as keys made on /keys without notAfter

export function createDomainClientStore(d: {
  registry: Registry;
  domains: Domains;
  profiles: ClientProfiles;
  pki: Pki;
}): DomainClientStore {
  const { registry, domains, profiles } = d;
  return {
    domain: (s) => domains.resolve(s),
    async create(o) {
      const now = new Date();
      const issued = await registry.create({
        id: o.id,
        keyType: "ec",
        notBefore: now,
        notAfter: new Date(now.getTime() + VALIDITY_MS),
        pki: d.pki,
        scopes: [], // a SuperMQ client may do nothing until it is connected to a channel
        domainId: o.domainId,
      });
      profiles.set(o.id, { name: o.name, tags: o.tags, metadata: o.metadata });
      if (o.disabled) profiles.setDisabled(o.id, true);
      return { token: issued.token };
    },
    list: (domainId) => profiles.list(domainId),
    get: (id) => profiles.get(id),
    update: (id, p) => profiles.set(id, p),
    setDisabled: (id, b) => profiles.setDisabled(id, b),
    delete: (id) => registry.delete(id),
  };
}
