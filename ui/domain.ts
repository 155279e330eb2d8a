// The domain the console works in: the header's switcher lists GET /domains (the domains
// the signed-in user may see) and the choice, kept for this tab, scopes the pages that have
// a per-domain API (Dashboards). The gateway decides every request in that domain anyway.
import { useEffect, useState } from "preact/hooks";
import { ApiError, gatewayCall } from "./api.ts";
import { html } from "./html.ts";

export const DEFAULT_DOMAIN = "00000000-0000-4000-8000-000000000000";
const KEY = "neo.domain";

interface DomainItem {
  id: string;
  name: string;
  route: string;
  status: string;
}

let current = sessionStorage.getItem(KEY) ?? DEFAULT_DOMAIN;
const watchers = new Set<(id: string) => void>();
const reloaders = new Set<() => void>();

/** the signed-in user's domains changed (an invitation accepted, a domain made): the switcher asks again */
export function domainsChanged(): void {
  for (const r of reloaders) r();
}

/** work in this domain (the switcher's choice, kept for the tab) */
export function choose(id: string): void {
  current = id;
  sessionStorage.setItem(KEY, id);
  for (const w of watchers) w(id);
}

/** the chosen domain's id; the component re-renders when the switcher changes it */
export function useDomain(): string {
  const [id, setId] = useState(current);
  useEffect(() => {
    watchers.add(setId);
    return () => void watchers.delete(setId);
  }, []);
  return id;
}

/** where a domain's entities live: `/<id>/<what>`, or `/<what>` for the default domain */
export const domainPath = (domain: string, what: string) =>
  domain === DEFAULT_DOMAIN ? `/${what}` : `/${encodeURIComponent(domain)}/${what}`;

export function DomainSwitcher() {
  const [domains, setDomains] = useState<DomainItem[] | null>(null);
  const chosen = useDomain();
  const [asked, setAsked] = useState(0);
  useEffect(() => {
    const again = () => setAsked((n) => n + 1);
    reloaders.add(again);
    return () => void reloaders.delete(again);
  }, []);
  useEffect(() => {
    gatewayCall<{ domains: DomainItem[] }>("GET", "/domains?limit=100")
      .then((r) => {
        const list = r?.domains ?? [];
        setDomains(list);
        // a domain no longer listed (removed, or this user is not in it): back to the first one
        if (!list.some((d) => d.id === current)) choose(list[0]?.id ?? DEFAULT_DOMAIN);
      })
      .catch((e) => {
        // no domain to list for this user: the console works in the default domain
        if (!(e instanceof ApiError && e.status === 401)) setDomains([]);
        if (current !== DEFAULT_DOMAIN) choose(DEFAULT_DOMAIN);
      });
  }, [asked]);
  // one domain, the default one: nothing to choose
  if (!domains || domains.length === 0 || (domains.length === 1 && domains[0]!.id === DEFAULT_DOMAIN)) return null;
  return html`<label class="domain-switch">
    <span class="sr-only">Domain</span>
    <select id="domain-switch" value=${chosen} title="The domain the console works in"
      onChange=${(e: Event) => choose((e.currentTarget as HTMLSelectElement).value)}>
      ${domains.map(
        (d) => html`<option value=${d.id}>${d.name}${d.status === "enabled" ? "" : ` (${d.status})`}</option>`,
      )}
    </select>
  </label>`;
}
