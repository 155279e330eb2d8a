// The stores behind SuperMQ's /<domain>/clients, /<domain>/channels and membership routes: a client is a neo key (registry,
// certificate from pki) in that domain, with SuperMQ's fields beside it (client-profiles).
import { dropEntityFacts } from "../auth/index.ts";
import { DEFAULT_DOMAIN_ID } from "../lib/domain-id.ts";
import type { DomainChannelStore, DomainClientStore, MembershipStore } from "../http/index.ts";
import type { Pki } from "../pki/index.ts";
import type { Channels, ClientProfiles, Domains, Groups, Membership, Registry } from "../registry/index.ts";

const VALIDITY_MS = 3 * 365 * 86_400_000; // as keys made on /keys without notAfter

/** what the routes answer of an issued certificate */
const certOf = (i: { certPem: string; keyPem: string; record: { certSerial: string; notAfter: number } }) => ({
  certPem: i.certPem,
  keyPem: i.keyPem,
  serial: i.record.certSerial,
  notAfter: i.record.notAfter,
});

export function createDomainClientStore(d: {
  registry: Registry;
  domains: Domains;
  groups: Groups;
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
      return { token: issued.token, cert: certOf(issued) };
    },
    list: (domainId) => profiles.list(domainId),
    get: (id) => profiles.get(id),
    groupOf: (id) => d.groups.groupOf("client", id),
    certificate(id) {
      const r = registry.get(id);
      return r ? { serial: r.certSerial, notAfter: r.notAfter } : null;
    },
    update: (id, p) => profiles.set(id, p),
    setDisabled: (id, b) => profiles.setDisabled(id, b),
    delete: (id) => registry.delete(id),
    rotate: async (id) => {
      const issued = await registry.rotate(id, d.pki);
      return { token: issued.token, cert: certOf(issued) };
    },
    // the same issuance as `neo shell key gen`: pki makes it, the registry retires the old one
    async issueCertificate(id) {
      const r = registry.get(id);
      if (!r) throw new Error(`client ${id} vanished`);
      const notBefore = new Date();
      const notAfter = new Date(notBefore.getTime() + Math.max(r.notAfter - r.notBefore, 86_400_000));
      const c = await d.pki.issueClientCert({ clientId: id, keyType: r.keyType, notBefore, notAfter });
      const now = registry.importCert(id, c, [notBefore.getTime(), notAfter.getTime()]);
      return { certPem: c.certPem, keyPem: c.keyPem, serial: now.certSerial, notAfter: now.notAfter };
    },
  };
}

/** channels of a domain: the registry's channels; connections are channel scopes on the keys */
export function createDomainChannelStore(d: {
  registry: Registry;
  domains: Domains;
  groups: Groups;
  channels: Channels;
  /** the series store's tables (upper case) */
  store: { tables(): string[] };
}): DomainChannelStore {
  const { registry, channels } = d;
  const scopes = (id: string, o: { publish: boolean; subscribe: boolean }) => [
    ...(o.publish ? [`channels:publish:${id}`] : []),
    ...(o.subscribe ? [`channels:subscribe:${id}`] : []),
  ];
  /** a channel's table belongs to its domain (authorize()'s entity facts): at once for this process */
  const wrote = <T>(v: T): T => {
    dropEntityFacts();
    return v;
  };
  return {
    domain: (s) => d.domains.resolve(s),
    create: (o) => wrote(channels.create(o)),
    list: (domainId) => channels.list().filter((c) => c.domainId === domainId),
    get: (id) => channels.get(id),
    delete: (id) => wrote(channels.delete(id)),
    update: (id, p) => channels.update(id, p),
    setStatus(id, status) {
      const ch = channels.setStatus(id, status);
      dropEntityFacts(); // authorize() reads the status: at once for this process
      return ch;
    },
    clientDomain: (id) => registry.get(id)?.domainId ?? null,
    tableDomain(table) {
      const t = table.toUpperCase();
      const held = d.domains.ofTable(t);
      if (held !== undefined) return held;
      const exists = channels.list().some((c) => c.table === t) || d.store.tables().includes(t);
      return exists ? DEFAULT_DOMAIN_ID : undefined;
    },
    groupOf: (id) => d.groups.groupOf("channel", id),
    connect: (channelId, clientId, o) => void channels.connect(channelId, clientId, o),
    disconnect(channelId, clientId, o) {
      const gone = new Set(scopes(channelId, o));
      registry.updateScopes(clientId, (cur) => cur.filter((s) => !gone.has(s)));
    },
  };
}

/** SuperMQ's domain members, roles and invitations: the registry's membership store */
export function createMembershipStore(d: {
  domains: Domains;
  membership: Membership;
  invitationTtlMs: () => number;
}): MembershipStore {
  const { members, invitations } = d.membership;
  return {
    domain: (s) => d.domains.resolve(s),
    user: (s) => members.user(s),
    members,
    invitations,
    invitationTtlMs: d.invitationTtlMs,
  };
}
