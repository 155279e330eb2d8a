// The Keys and Channels pages in a domain other than the default one (the header's switcher),
// and the Groups page in every domain: that domain's clients, channels or groups over
// SuperMQ's API (/<domain>/clients, /<domain>/channels, /<domain>/groups): list, create by
// name (a client's secret shown once), delete, and connect a client to a channel
// (domain-connect.ts). These show only where GET /domains' `actions` for the domain allow
// them (a member only looks); the gateway decides anyway. The default domain keeps the full
// Keys and Channels pages (machbase-neo's key flow, channel connections).
import type { FunctionComponent } from "preact";
import { useEffect, useState } from "preact/hooks";
import { ApiError, gatewayCall } from "../api.ts";
import { confirmDialog, Note, toast } from "../components.ts";
import { DEFAULT_DOMAIN, domainPath, useDomain } from "../domain.ts";
import { copyText, fmtDate } from "../format.ts";
import { html } from "../html.ts";
import { ConnectDialog } from "./domain-connect.ts";

type What = "clients" | "channels" | "groups";
type DomainListView = import("../../src/http/routes/console-views.ts").DomainListView;

interface Entity {
  id: string;
  name: string;
  status: string;
  table?: string;
  created_at: string;
  credentials?: { secret?: string };
}

const TITLE: Record<What, string> = { clients: "Keys", channels: "Channels", groups: "Groups" };
const ONE: Record<What, string> = { clients: "client", channels: "channel", groups: "group" };
/** the scope type of the domain's actions (GET /domains) that speaks of these entities */
const TYPE: Record<What, string> = { clients: "keys", channels: "channels", groups: "groups" };

function DomainEntities(p: { what: What; domain: string }) {
  // groups live under a domain only (the default one's id included)
  const base = p.what === "groups" ? `/${encodeURIComponent(p.domain)}/groups` : domainPath(p.domain, p.what);
  const [rows, setRows] = useState<Entity[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [name, setName] = useState("");
  const [secret, setSecret] = useState<{ id: string; secret: string } | null>(null);
  // what the user may do here (none until known: nothing is offered that would be refused)
  const [actions, setActions] = useState<string[] | null>(null);
  const may = (op: "create" | "delete" | "connect") => !!actions?.includes(`${TYPE[p.what]}:${op}`);
  const [connecting, setConnecting] = useState<Entity | null>(null);
  const fail = (e: unknown) => !(e instanceof ApiError && e.status === 401) && toast((e as Error).message, true);
  async function refresh() {
    try {
      const r = await gatewayCall<Record<What, Entity[]>>("GET", `${base}?limit=100`);
      setRows(r?.[p.what] ?? []);
      setError(null);
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 401))
        setError(`This domain's ${p.what} could not be listed: ${(e as Error).message}`);
    }
  }
  useEffect(() => {
    void refresh();
    gatewayCall<DomainListView>("GET", "/domains?status=all&limit=100")
      .then((r) => setActions(r?.domains.find((d) => d.id === p.domain)?.actions ?? []))
      .catch(() => setActions([]));
  }, [base]);
  async function create(ev: SubmitEvent) {
    ev.preventDefault();
    try {
      const made = await gatewayCall<Entity>("POST", base, { name: name.trim() });
      setName("");
      if (made?.credentials?.secret) setSecret({ id: made.id, secret: made.credentials.secret });
      toast(`Created ${made?.name || made?.id}`);
      await refresh();
    } catch (e) {
      fail(e);
    }
  }
  async function remove(x: Entity) {
    if (!(await confirmDialog(`Delete ${ONE[p.what]} ${x.name || x.id}?`, "This cannot be undone.", "Delete"))) return;
    try {
      await gatewayCall("DELETE", `${base}/${encodeURIComponent(x.id)}`);
      toast(`Deleted ${x.name || x.id}`);
      await refresh();
    } catch (e) {
      fail(e);
    }
  }
  const h = `domain-${p.what}-h`;
  return html`<section aria-labelledby=${h}>
    <div class="toolbar"><div><h1 id=${h}>${TITLE[p.what]}</h1>
      <p class="muted">The ${p.what} of the domain chosen above (SuperMQ's <code>/${"<domain>"}/${p.what}</code>).</p>
      ${actions && !may("create") && !may("delete") ? html`<p class="muted" id="domain-read-only">Your role here lets you look, not change.</p>` : null}</div></div>
    ${
      may("create")
        ? html`<form class="card pad row-actions" id=${`domain-${p.what}-new`} onSubmit=${create}>
      <label class="inline grow">New ${ONE[p.what]}'s name <input id=${`domain-${p.what}-name`} value=${name} required maxlength="254"
        autocomplete="off" onInput=${(e: Event) => setName((e.currentTarget as HTMLInputElement).value)} /></label>
      <button class="btn primary" type="submit">Create</button>
    </form>`
        : null
    }
    ${
      secret
        ? html`<div class="card pad" id="domain-client-secret" role="status"><p>The secret of <code>${secret.id}</code>, shown once:</p>
          <p class="payload">${secret.secret}</p>
          <button class="btn" type="button" onClick=${() => copyText(secret.secret)}>Copy</button></div>`
        : null
    }
    ${error ? html`<${Note} kind="error">${error}<//>` : null}
    ${rows === null && !error ? html`<${Note} kind="loading">Listing…<//>` : null}
    ${rows && rows.length === 0 ? html`<${Note} kind="empty" id=${`domain-${p.what}-empty`}>There are no ${p.what} in this domain yet.<//>` : null}
    ${
      rows && rows.length > 0
        ? html`<div class="card table-card"><table class="cards" id=${`domain-${p.what}`}>
          <thead><tr><th scope="col">Name</th><th scope="col">ID</th><th scope="col">Status</th>${p.what === "channels" ? html`<th scope="col">Table</th>` : null}<th scope="col">Created</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
          <tbody>${rows.map(
            (x) => html`<tr key=${x.id} data-id=${x.id}><td data-label="Name">${x.name || "—"}</td>
              <td data-label="ID"><code>${x.id}</code></td><td data-label="Status">${x.status}</td>
              ${p.what === "channels" ? html`<td data-label="Table"><code>${x.table}</code></td>` : null}
              <td data-label="Created">${fmtDate(Date.parse(x.created_at))}</td>
              <td class="row-actions">${
                p.what === "channels" && may("connect")
                  ? html`<button class="btn small" type="button" data-action="connect" aria-label=${`Connect a client to ${x.name || x.id}`}
                      onClick=${() => setConnecting(x)}>Connect…</button>`
                  : null
              }${may("delete") ? html`<button class="btn small link-danger" type="button" aria-label=${`Delete ${x.name || x.id}`} onClick=${() => remove(x)}>Delete</button>` : null}</td></tr>`,
          )}</tbody></table></div>`
        : null
    }
    ${p.what === "channels" ? html`<${ConnectDialog} domain=${p.domain} channel=${connecting} onClose=${() => setConnecting(null)} />` : null}
  </section>`;
}

/** the chosen domain's groups (SuperMQ's; a scope naming a group covers its clients and channels) */
export function GroupsPage() {
  const domain = useDomain();
  return html`<${DomainEntities} key=${domain} what="groups" domain=${domain} />`;
}

/** the page as it is in the default domain, this domain's list in another */
export function domainAware(Default: FunctionComponent, what: What): FunctionComponent {
  return function Page() {
    const domain = useDomain();
    return domain === DEFAULT_DOMAIN
      ? html`<${Default} />`
      : html`<${DomainEntities} key=${domain} what=${what} domain=${domain} />`;
  };
}
