// The stores behind SuperMQ's /<domain>/clients and /<domain>/channels routes: a client is a neo key (registry,
// certificate from pki) in that domain, with SuperMQ's fields beside it (client-profiles).
import type { DomainChannelStore, DomainClientStore } from "../http/index.ts";
import type { Pki } from "../pki/index.ts";
import type { Channels, ClientProfiles, Domains, Registry } from "../registry/index.ts";

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
    rotate: async (id) => ({ token: (await registry.rotate(id, d.pki)).token }),
  };
}

/** channels of a domain: the registry's channels; connections are channel scopes on the keys */
export function createDomainChannelStore(d: {
  registry: Registry;
  domains: Domains;
  channels: Channels;
}): DomainChannelStore {
  const { registry, channels } = d;
  const scopes = (id: string, o: { publish: boolean; subscribe: boolean }) => [
    ...(o.publish ? [`channels:publish:${id}`] : []),
    ...(o.subscribe ? [`channels:subscribe:${id}`] : []),
  ];
  return {
    domain: (s) => d.domains.resolve(s),
    create: (o) => channels.create(o),
    list: (domainId) => channels.list().filter((c) => c.domainId === domainId),
    get: (id) => channels.get(id),
    delete: (id) => channels.delete(id),
    clientDomain: (id) => registry.get(id)?.domainId ?? null,
    connect: (channelId, clientId, o) => void channels.connect(channelId, clientId, o),
    disconnect(channelId, clientId, o) {
      const gone = new Set(scopes(channelId, o));
      registry.updateScopes(clientId, (cur) => cur.filter((s) => !gone.has(s)));
    },
  };
}
