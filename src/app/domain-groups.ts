// SuperMQ groups wired into the gateway: the store behind /<domain>/groups (and the parent
// group of channels and clients), and authorize()'s entity facts over the same registry
// file. Every write here drops the facts' cache at once; another process's (neo shell group)
// is seen by the session re-check's data_version poll, which drops it too (phase-services).
import { dropEntityFacts, installEntityFacts } from "../auth/index.ts";
import type { DomainGroupStore } from "../http/index.ts";
import { DEFAULT_DOMAIN_ID } from "../lib/domain-id.ts";
import type { Domains, Groups } from "../registry/index.ts";

/** authorize() asks `groups.facts` (a table's and a client's domain too) from now on; returns the uninstall */
export const useGroupFacts = (groups: Groups, domains: Pick<Domains, "ofTable">) =>
  installEntityFacts((kind, id) => {
    if (kind === "table") return { groups: [], disabled: false, domain: domains.ofTable(id) };
    const f = groups.facts(kind, id);
    if (kind !== "client") return f;
    const domain = groups.domainOf("client", id);
    return domain === null || domain === DEFAULT_DOMAIN_ID ? f : { ...f, domain };
  });

export function createDomainGroupStore(d: { groups: Groups; domains: Domains }): DomainGroupStore {
  const { groups } = d;
  /** a write, then the facts' cache dropped */
  const wrote = <T>(v: T): T => {
    dropEntityFacts();
    return v;
  };
  return {
    domain: (s) => d.domains.resolve(s),
    create: (g, by) => wrote(groups.create(g, by)),
    get: (id) => groups.get(id),
    list: (domainId) => groups.list(domainId),
    update: (id, p, by) => groups.update(id, p, by),
    setStatus: (id, s, by) => wrote(groups.setStatus(id, s, by)),
    delete: (id) => wrote(groups.delete(id)),
    setParent: (id, p, by) => wrote(groups.setParent(id, p, by)),
    entityDomain: (kind, id) => groups.domainOf(kind, id),
    assign: (kind, id, g) => wrote(groups.assign(kind, id, g)),
    unassign: (kind, id) => wrote(groups.unassign(kind, id)),
    members: (id) => groups.members(id),
  };
}
