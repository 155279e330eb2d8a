// Domains (SuperMQ's): the signed-in user's invitations (accept, reject), the domains it may
// see with its role and their status; a global operator creates domains and enables,
// disables or freezes them; a domain's admin manages its members and invitations
// (domains-members.ts). Buttons show only where GET /domains says the user may
// (`actions`, `can_create`); the gateway decides every request and a refusal shows its reason.
import { useEffect, useState } from "preact/hooks";
import { ApiError, gatewayCall } from "../api.ts";
import { confirmDialog, Dialog, Note, toast } from "../components.ts";
import { choose, DEFAULT_DOMAIN, domainsChanged, useDomain } from "../domain.ts";
import { fmtDate } from "../format.ts";
import { html } from "../html.ts";
import { DomainMembers } from "./domains-members.ts";

type DomainView = import("../../src/http/routes/console-views.ts").DomainView;
type DomainListView = import("../../src/http/routes/console-views.ts").DomainListView;
type InvitationView = import("../../src/http/routes/console-views.ts").InvitationView;

const quiet = (e: unknown) => e instanceof ApiError && e.status === 401;
const fail = (e: unknown) => !quiet(e) && toast((e as Error).message, true);
const when = (iso: string | undefined) => (iso ? fmtDate(Date.parse(iso)) : "—");

function MyInvitations(p: { onAnswered: () => void }) {
  const [rows, setRows] = useState<InvitationView[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  async function refresh() {
    try {
      const r = await gatewayCall<{ invitations: InvitationView[] }>("GET", "/invitations?state=pending&limit=100");
      setRows(r?.invitations ?? []);
      setError(null);
    } catch (e) {
      if (!quiet(e)) setError(`Your invitations could not be listed: ${(e as Error).message}`);
    }
  }
  useEffect(() => {
    void refresh();
  }, []);
  async function answer(i: InvitationView, to: "accept" | "reject") {
    try {
      await gatewayCall("POST", `/invitations/${to}`, { domain_id: i.domain_id });
      toast(to === "accept" ? `You joined ${i.domain_name || i.domain_id} as ${i.role_name}` : "Invitation rejected");
      await refresh();
      p.onAnswered();
    } catch (e) {
      fail(e);
    }
  }
  return html`<section class="card pad" aria-labelledby="my-invitations-h">
    <h2 id="my-invitations-h">My invitations</h2>
    ${error ? html`<${Note} kind="error">${error}<//>` : null}
    ${rows === null && !error ? html`<${Note} kind="loading">Listing…<//>` : null}
    ${rows?.length === 0 ? html`<${Note} kind="empty" id="my-invitations-empty">No invitation is waiting for you.<//>` : null}
    ${
      rows && rows.length > 0
        ? html`<table class="cards" id="my-invitations">
          <thead><tr><th scope="col">Domain</th><th scope="col">Role</th><th scope="col">Invited by</th><th scope="col">Expires</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
          <tbody>${rows.map(
            (
              i,
            ) => html`<tr key=${i.domain_id} data-domain=${i.domain_id}><td data-label="Domain">${i.domain_name || i.domain_id}</td>
              <td data-label="Role">${i.role_name}</td><td data-label="Invited by">${i.invited_by}</td>
              <td data-label="Expires">${when(i.expires_at)}</td>
              <td class="row-actions"><button class="btn small primary" type="button" data-action="accept" onClick=${() => answer(i, "accept")}>Accept</button>
                <button class="btn small ghost" type="button" data-action="reject" onClick=${() => answer(i, "reject")}>Reject</button></td></tr>`,
          )}</tbody></table>`
        : null
    }
  </section>`;
}

function NewDomain(p: { onCreated: () => void }) {
  const [name, setName] = useState("");
  const [route, setRoute] = useState("");
  async function create(ev: SubmitEvent) {
    ev.preventDefault();
    try {
      const d = await gatewayCall<DomainView>("POST", "/domains", {
        name: name.trim(),
        ...(route.trim() ? { route: route.trim() } : {}),
      });
      toast(`Created domain ${d?.name ?? name}`);
      setName("");
      setRoute("");
      p.onCreated();
    } catch (e) {
      fail(e);
    }
  }
  const val = (set: (v: string) => void) => (e: Event) => set((e.currentTarget as HTMLInputElement).value);
  return html`<form class="card pad row-actions" id="domain-new" onSubmit=${create} aria-label="New domain">
    <label class="inline grow">New domain's name <input id="domain-new-name" value=${name} required maxlength="254"
      autocomplete="off" onInput=${val(setName)} /></label>
    <label class="inline grow">Route <input id="domain-new-route" value=${route} maxlength="36" autocomplete="off"
      spellcheck="false" placeholder="plant-a" onInput=${val(setRoute)} /></label>
    <button class="btn primary" type="submit">Create</button>
  </form>`;
}

/** Enable / Disable / Freeze where `actions` allow (a frozen domain is released by whoever may freeze) */
function StatusButtons(p: { d: DomainView; onDone: () => void }) {
  const can = (op: string) => p.d.actions.includes(`domains:${op}`);
  const frozen = p.d.status === "frozen";
  async function set(op: "enable" | "disable" | "freeze") {
    if (op !== "enable") {
      const text =
        (p.d.id === DEFAULT_DOMAIN
          ? "This is the default domain: every key, channel and topic that names no domain stops. "
          : "") +
        (op === "freeze"
          ? "Its clients are disconnected and refused, and only an operator can release it."
          : "Its clients are disconnected and refused until it is enabled again.");
      if (
        !(await confirmDialog(
          `${op === "freeze" ? "Freeze" : "Disable"} ${p.d.name}?`,
          text,
          op === "freeze" ? "Freeze" : "Disable",
        ))
      )
        return;
    }
    try {
      await gatewayCall("POST", `/domains/${encodeURIComponent(p.d.id)}/${op}`);
      toast(`${p.d.name}: ${op === "enable" ? "enabled" : op === "disable" ? "disabled" : "frozen"}`);
      p.onDone();
    } catch (e) {
      fail(e);
    }
  }
  const btn = (op: "enable" | "disable" | "freeze", label: string) =>
    html`<button class=${op === "enable" ? "btn small" : "btn small link-danger"} type="button" data-action=${op}
      aria-label=${`${label} ${p.d.name}`} onClick=${() => set(op)}>${label}</button>`;
  return html`${p.d.status !== "enabled" && can("enable") && (!frozen || can("freeze")) ? btn("enable", "Enable") : null}
    ${p.d.status === "enabled" && can("disable") ? btn("disable", "Disable") : null}
    ${!frozen && can("freeze") ? btn("freeze", "Freeze") : null}`;
}

/** a new name for a domain (PATCH /domains/<id>: its admins and operators) */
function RenameDialog(p: { d: DomainView | null; onClose: () => void; onDone: () => void }) {
  const [error, setError] = useState<string | null>(null);
  useEffect(() => setError(null), [p.d?.id]);
  async function save(ev: SubmitEvent) {
    ev.preventDefault();
    const name = ((ev.currentTarget as HTMLFormElement).elements.namedItem("name") as HTMLInputElement).value.trim();
    try {
      await gatewayCall("PATCH", `/domains/${encodeURIComponent(p.d?.id ?? "")}`, { name });
      toast(`Renamed to ${name}`);
      p.onClose();
      p.onDone();
    } catch (e) {
      if (!quiet(e)) setError((e as Error).message);
    }
  }
  return html`<${Dialog} id="domain-rename-dialog" open=${p.d !== null} title=${`Rename ${p.d?.name ?? ""}`} onClose=${p.onClose}>
    <form method="dialog" onSubmit=${save}>
      <label>Name <input id="domain-rename-name" name="name" required maxlength="254" autocomplete="off"
        value=${p.d?.name ?? ""} /></label>
      <p class="muted">The route <code>${p.d?.route}</code> stays: devices' topics do not change.</p>
      ${error ? html`<p class="error" role="alert">${error}</p>` : null}
      <div class="dialog-actions">
        <button class="btn ghost" type="button" onClick=${p.onClose}>Cancel</button>
        <button id="domain-rename-save" class="btn primary" type="submit">Save</button>
      </div>
    </form>
  <//>`;
}

export function DomainsPage() {
  const [list, setList] = useState<DomainListView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const [renaming, setRenaming] = useState<DomainView | null>(null);
  const current = useDomain();
  async function refresh() {
    try {
      const r = await gatewayCall<DomainListView>("GET", "/domains?status=all&limit=100");
      setList(r);
      setError(null);
    } catch (e) {
      if (!quiet(e)) setError(`Your domains could not be listed: ${(e as Error).message}`);
    }
  }
  useEffect(() => {
    void refresh();
  }, []);
  const changed = () => {
    void refresh();
    domainsChanged();
  };
  const rows = list?.domains ?? null;
  const shown = rows?.find((d) => d.id === open) ?? null;
  return html`<section aria-labelledby="domains-h">
    <div class="toolbar"><div><h1 id="domains-h">Domains</h1>
      <p class="muted">SuperMQ's domains you are in, with your role; the header's switcher chooses the one the other pages show.</p></div></div>
    <${MyInvitations} onAnswered=${changed} />
    ${list?.can_create ? html`<${NewDomain} onCreated=${changed} />` : null}
    ${error ? html`<${Note} kind="error">${error}<//>` : null}
    ${rows === null && !error ? html`<${Note} kind="loading">Listing…<//>` : null}
    ${rows?.length === 0 ? html`<${Note} kind="empty" id="domains-empty">You are in no domain yet: an invitation you accept adds one.<//>` : null}
    ${
      rows && rows.length > 0
        ? html`<div class="card table-card"><table class="cards" id="domains">
          <thead><tr><th scope="col">Name</th><th scope="col">Route</th><th scope="col">Status</th><th scope="col">Your role</th><th scope="col">Created</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
          <tbody>${rows.map(
            (
              d,
            ) => html`<tr key=${d.id} data-id=${d.id} data-route=${d.route}><td data-label="Name">${d.name || "—"}${d.id === current ? html` <span class="badge active" id="domain-current">current</span>` : null}</td>
              <td data-label="Route"><code>${d.route}</code></td><td data-label="Status">${d.status}</td>
              <td data-label="Your role" data-role=${d.role_name ?? ""}>${d.role_name ?? "operator (your scopes)"}</td>
              <td data-label="Created">${when(d.created_at)}</td>
              <td class="row-actions">${
                d.id === current
                  ? null
                  : html`<button class="btn small" type="button" data-action="use" aria-label=${`Work in ${d.name}`}
                      onClick=${() => choose(d.id)}>Work in</button>`
              }<button class="btn small" type="button" data-action="members" aria-expanded=${open === d.id}
                aria-label=${`Members of ${d.name}`} onClick=${() => setOpen(open === d.id ? null : d.id)}>Members</button>
                ${
                  d.actions.includes("domains:update")
                    ? html`<button class="btn small" type="button" data-action="rename" aria-label=${`Rename ${d.name}`}
                        onClick=${() => setRenaming(d)}>Rename</button>`
                    : null
                }<${StatusButtons} d=${d} onDone=${changed} /></td></tr>`,
          )}</tbody></table></div>`
        : null
    }
    <${RenameDialog} d=${renaming} onClose=${() => setRenaming(null)} onDone=${changed} />
    ${shown ? html`<${DomainMembers} key=${shown.id} domain=${shown} onChanged=${changed} />` : null}
  </section>`;
}
