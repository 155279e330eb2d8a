// Tokens: the signed-in user's personal access tokens (PATs) over /pats: scopes, expiry,
// last use; create (the secret is shown once), revoke, reset (a new secret, the old one
// dead at once), delete.
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError, gatewayCall } from "../api.ts";
import { confirmDialog, Dialog, Note, toast } from "../components.ts";
import { ago, copyText, fmtDate } from "../format.ts";
import { html } from "../html.ts";

interface Pat {
  id: string;
  name: string;
  description: string;
  expires_at: string | null;
  last_used_at: string | null;
  status: "active" | "revoked" | "expired";
  secret?: string;
}
interface PatScope {
  entity_type: string;
  operation: string;
  entity_id: string;
}

const DURATIONS = [
  ["24h", "1 day"],
  ["168h", "7 days"],
  ["720h", "30 days"],
  ["2160h", "90 days"],
  ["", "never expires"],
] as const;
const TYPES = ["tables", "topics", "channels", "metrics", "keys", "clients", "messages"];
const STATUS: Record<Pat["status"], string> = { active: "Active", revoked: "Revoked", expired: "Expired" };

const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));
const ms = (iso: string | null) => (iso === null ? null : Date.parse(iso));

function SecretDialog(p: { shown: { title: string; secret: string } | null; onDone: () => void }) {
  const area = useRef<HTMLTextAreaElement>(null);
  return html`<${Dialog} id="pat-secret-dialog" open=${p.shown !== null} title=${p.shown?.title ?? ""} onClose=${p.onDone}
    describedBy="pat-secret-warning">
    <p id="pat-secret-warning" class="warn" role="note"><strong>Copy it now.</strong> The gateway keeps only a hash of
      this token; it cannot be shown again.</p>
    <textarea id="pat-secret" ref=${area} readOnly rows="2" aria-label="Token secret" value=${p.shown?.secret ?? ""}></textarea>
    <div class="dialog-actions split">
      <button class="btn" type="button" onClick=${() => p.shown && copyText(p.shown.secret, area.current).then(() => toast("Copied to clipboard"))}>Copy</button>
      <button id="pat-secret-done" class="btn primary" type="button" onClick=${p.onDone}>Done</button>
    </div>
  <//>`;
}

function NewTokenDialog(p: { open: boolean; onClose: () => void; onCreated: (pat: Pat) => void }) {
  // nothing granted until the user says what: a quick publisher token must not also read every table
  const blank = (): PatScope[] => [{ entity_type: "", operation: "", entity_id: "" }];
  const [scopes, setScopes] = useState<PatScope[]>(blank);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (p.open) {
      setError(null);
      setScopes(blank());
    }
  }, [p.open]);
  const setScope = (i: number, k: keyof PatScope) => (e: Event) => {
    const v = (e.currentTarget as HTMLInputElement).value;
    setScopes((l) => l.map((s, j) => (j === i ? { ...s, [k]: v } : s)));
  };
  async function submit(ev: SubmitEvent) {
    ev.preventDefault();
    const f = ev.currentTarget as HTMLFormElement;
    const val = (n: string) => (f.elements.namedItem(n) as HTMLInputElement).value;
    const duration = val("duration");
    const chosen = scopes.filter((s) => s.entity_type || s.operation || s.entity_id);
    const incomplete = chosen.find((s) => !s.entity_type || !s.operation || !s.entity_id);
    if (chosen.length === 0 || incomplete) {
      setError("Give each scope a type, an operation and a target, e.g. topics · publish · plant/#.");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const pat = await gatewayCall<Pat>("POST", "/pats", {
        name: val("name").trim(),
        description: val("description"),
        ...(duration ? { duration } : {}),
        scopes: chosen,
      });
      if (pat) p.onCreated(pat);
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 401)) setError(errorText(e));
    } finally {
      setBusy(false);
    }
  }
  return html`<${Dialog} id="pat-new-dialog" open=${p.open} title="New personal access token" onClose=${p.onClose}>
    <form id="pat-form" method="dialog" onSubmit=${submit}>
      <label>Name <input id="pat-name" name="name" required maxlength="254" autocomplete="off" autofocus /></label>
      <label>Description <input id="pat-description" name="description" maxlength="1024" autocomplete="off" /></label>
      <label>Expires
        <select id="pat-duration" name="duration">${DURATIONS.map(([v, l]) => html`<option value=${v} selected=${v === "720h"}>${l}</option>`)}</select>
      </label>
      <fieldset class="scopes">
        <legend>Scopes</legend>
        ${scopes.map(
          (s, i) => html`<div class="row-actions" key=${i}>
            <label class="inline">Type
              <select aria-label=${`Scope ${i + 1} type`} value=${s.entity_type} onChange=${setScope(i, "entity_type")}>
                <option value="" disabled>choose…</option>
                ${TYPES.map((t) => html`<option value=${t}>${t}</option>`)}</select></label>
            <label class="inline">Operation
              <input aria-label=${`Scope ${i + 1} operation`} size="9" placeholder="read" value=${s.operation} onInput=${setScope(i, "operation")} /></label>
            <label class="inline">On
              <input aria-label=${`Scope ${i + 1} target`} size="9" placeholder="*" value=${s.entity_id} onInput=${setScope(i, "entity_id")} /></label>
            <button class="btn small ghost" type="button" aria-label=${`Remove scope ${i + 1}`}
              onClick=${() => setScopes((l) => l.filter((_, j) => j !== i))}>×</button>
          </div>`,
        )}
        <button class="btn small" type="button" id="pat-add-scope"
          onClick=${() => setScopes((l) => [...l, { entity_type: "", operation: "", entity_id: "" }])}>Add scope</button>
        <small class="muted">For example tables · read · * (every table), topics · subscribe · plant/#.</small>
      </fieldset>
      ${error ? html`<p id="pat-error" class="error" role="alert">${error}</p>` : null}
      <div class="dialog-actions">
        <button class="btn ghost" type="button" onClick=${p.onClose}>Cancel</button>
        <button id="pat-create" class="btn primary" type="submit" disabled=${busy}>Create</button>
      </div>
    </form>
  <//>`;
}

export function TokensPage() {
  const [pats, setPats] = useState<(Pat & { scopes: PatScope[] })[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [newOpen, setNewOpen] = useState(false);
  const [secret, setSecret] = useState<{ title: string; secret: string } | null>(null);

  async function refresh() {
    try {
      const r = await gatewayCall<{ pats: Pat[] }>("GET", "/pats?limit=100");
      const list = r?.pats ?? [];
      const withScopes = await Promise.all(
        list.map(async (p) => ({
          ...p,
          scopes:
            (await gatewayCall<{ scopes: PatScope[] }>("GET", `/pats/${encodeURIComponent(p.id)}/scopes`))?.scopes ??
            [],
        })),
      );
      setPats(withScopes);
      setError(null);
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 401)) setError(`The tokens could not be listed: ${errorText(e)}`);
    }
  }
  useEffect(() => {
    void refresh();
  }, []);

  async function act(p: Pat, verb: "Revoke" | "Reset" | "Delete") {
    const texts = {
      Revoke: "It stops working at once, everywhere. It stays listed as revoked.",
      Reset: "A new secret is made and shown once; the current one stops working at once.",
      Delete: "It is removed and stops working at once. This cannot be undone.",
    };
    if (!(await confirmDialog(`${verb} ${p.name}?`, texts[verb], verb))) return;
    const path = `/pats/${encodeURIComponent(p.id)}`;
    try {
      if (verb === "Revoke") await gatewayCall("PATCH", `${path}/revoke`);
      else if (verb === "Delete") await gatewayCall("DELETE", path);
      else {
        const r = await gatewayCall<Pat>("PATCH", `${path}/reset`, { duration: "720h" });
        if (r?.secret) setSecret({ title: `New secret for ${p.name}`, secret: r.secret });
      }
      toast(`${verb === "Reset" ? "Reset" : verb === "Revoke" ? "Revoked" : "Deleted"} ${p.name}`);
      await refresh();
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 401)) toast(errorText(e), true);
    }
  }

  return html`<section aria-labelledby="tok-h">
    <div class="toolbar">
      <div><h1 id="tok-h">Tokens</h1>
        <p class="muted">Your personal access tokens: <code>Authorization: Bearer pat_…</code> on the HTTP API, or the
          MQTT password with your user name, within their scopes.</p></div>
      <div class="toolbar-actions">
        <button id="pat-new" class="btn primary" type="button" onClick=${() => setNewOpen(true)}><span aria-hidden="true">+</span> New token</button>
      </div>
    </div>
    ${error ? html`<${Note} kind="error">${error}<//>` : null}
    ${pats === null && !error ? html`<${Note} kind="loading">Listing your tokens…<//>` : null}
    ${pats && pats.length === 0 ? html`<${Note} kind="empty" id="pats-empty">You have no personal access tokens yet.<//>` : null}
    ${
      pats && pats.length > 0
        ? html`<div class="card table-card"><table id="pats" class="cards">
        <thead><tr><th scope="col">Name</th><th scope="col">Status</th><th scope="col">Scopes</th><th scope="col">Expires</th>
          <th scope="col">Last used</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
        <tbody>${pats.map(
          (p) => html`<tr key=${p.id} data-pat=${p.name}>
            <td data-label="Name" class="id">${p.name}${p.description ? html`<br /><small class="muted">${p.description}</small>` : null}</td>
            <td data-label="Status"><span class=${`badge ${p.status}`}>${STATUS[p.status]}</span></td>
            <td data-label="Scopes">${p.scopes.length === 0 ? "none" : p.scopes.map((s) => html`<code class="scope">${s.entity_type}:${s.operation}:${s.entity_id}</code> `)}</td>
            <td data-label="Expires">${p.expires_at === null ? "never" : fmtDate(ms(p.expires_at) ?? 0)}</td>
            <td data-label="Last used">${ago(ms(p.last_used_at))}</td>
            <td class="actions" data-label="">
              ${p.status === "active" ? html`<button class="btn small" type="button" aria-label=${`Revoke token ${p.name}`} onClick=${() => act(p, "Revoke")}>Revoke</button> ` : null}
              <button class="btn small" type="button" aria-label=${`Reset the secret of token ${p.name}`} onClick=${() => act(p, "Reset")}>Reset</button>
              <button class="btn small link-danger" type="button" aria-label=${`Delete token ${p.name}`} onClick=${() => act(p, "Delete")}>Delete</button>
            </td></tr>`,
        )}</tbody></table></div>`
        : null
    }
    <${NewTokenDialog} open=${newOpen} onClose=${() => setNewOpen(false)} onCreated=${(pat: Pat) => {
      setNewOpen(false);
      if (pat.secret) setSecret({ title: `Token ${pat.name}`, secret: pat.secret });
      void refresh();
    }} />
    <${SecretDialog} shown=${secret} onDone=${() => setSecret(null)} />
  </section>`;
}
