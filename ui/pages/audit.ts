// Audit: the trail of authentications and changes, with filters; the brute-force
// guard's bans with "Clear" (one address, or all).
import { useEffect, useState } from "preact/hooks";
import { api, ApiError, type ApiReply } from "../api.ts";
import { confirmDialog, Note, toast } from "../components.ts";
import { fmtDate, fmtTime } from "../format.ts";
import { html } from "../html.ts";

type BanView = import("../../src/http/routes/console-views.ts").BanView;
interface AuditRow {
  id: number;
  at: string;
  kind: string;
  action: string;
  result: "ok" | "fail";
  method?: string;
  listener?: string;
  address?: string;
  client?: string;
  user?: string;
  target?: string;
  reason?: string;
  /** extra facts; `claimed: true` when the client or user is only what a refused credential claimed */
  detail?: unknown;
}

/** a refused credential's client or user is only claimed, not a fact */
function who(r: AuditRow): string {
  const name = r.client ?? r.user;
  if (name === undefined) return "—";
  const claimed =
    typeof r.detail === "object" && r.detail !== null && (r.detail as { claimed?: unknown }).claimed === true;
  return claimed ? `claimed: ${name}` : name;
}

const SHOW = 500;

function when(iso: string): string {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? iso : `${fmtDate(t)}:${fmtTime(t).slice(6, 8)}`;
}

function Bans() {
  const [bans, setBans] = useState<BanView[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  async function refresh() {
    try {
      setBans((await api<ApiReply & { data: BanView[] }>("GET", "/console/bans")).data);
      setError(null);
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 401)) setError(`The bans could not be read: ${(e as Error).message}`);
    }
  }
  useEffect(() => {
    void refresh();
    const t = setInterval(refresh, 5000);
    return () => clearInterval(t);
  }, []);
  async function clear(address?: string) {
    const yes = await confirmDialog(
      address ? `Lift the ban of ${address}?` : "Lift every ban?",
      address
        ? `${address} may try to authenticate again at once; its past failures are forgotten.`
        : "Every banned address may try to authenticate again at once.",
      address ? "Clear ban" : "Clear all bans",
    );
    if (!yes) return;
    try {
      const r = await api<ApiReply & { lifted: number }>("POST", "/console/bans/clear", address ? { address } : {});
      toast(`Lifted ${r.lifted} ban${r.lifted === 1 ? "" : "s"}`);
      await refresh();
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 401)) toast((e as Error).message, true);
    }
  }
  return html`<div class="card pad" id="bans-card">
    <div class="toolbar">
      <h2 id="bans-h">Bans</h2>
      ${bans && bans.length > 1 ? html`<button id="bans-clear-all" class="btn small" type="button" onClick=${() => clear()}>Clear all</button>` : null}
    </div>
    ${error ? html`<${Note} kind="error">${error}<//>` : null}
    ${!bans && !error ? html`<${Note} kind="loading">Reading the bans…<//>` : null}
    ${bans && bans.length === 0 ? html`<${Note} kind="empty" id="bans-empty">No address is banned right now.<//>` : null}
    ${
      bans && bans.length > 0
        ? html`<table class="cards" id="bans" aria-labelledby="bans-h">
        <thead><tr><th scope="col">Address</th><th scope="col">Since</th><th scope="col">Until</th>
          <th scope="col">Failures</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
        <tbody>${bans.map(
          (b) => html`<tr key=${b.address} data-address=${b.address}>
            <td data-label="Address" class="id">${b.address}</td>
            <td data-label="Since">${fmtDate(b.since)}</td>
            <td data-label="Until">${fmtDate(b.until)}</td>
            <td data-label="Failures">${b.failures}${b.level > 0 ? ` (ban #${b.level + 1})` : ""}</td>
            <td class="actions" data-label=""><button class="btn small" type="button" aria-label=${`Clear the ban of ${b.address}`}
              onClick=${() => clear(b.address)}>Clear</button></td></tr>`,
        )}</tbody></table>`
        : null
    }
  </div>`;
}

export function AuditPage() {
  const [filter, setFilter] = useState<Record<string, string>>({ since: "24h" });
  const [rows, setRows] = useState<AuditRow[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);

  async function load(f = filter) {
    setLoading(true);
    const q = new URLSearchParams(Object.entries(f).filter(([, v]) => v !== ""));
    try {
      // GET /audit: the gateway's audit API (admins; a web session is accepted)
      const r = await api<ApiReply & { data: AuditRow[] }>("GET", `/audit?${q}`, undefined, "");
      setRows(r.data);
      setError(null);
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 401)) {
        setRows(null);
        setError(`The audit trail could not be read: ${(e as Error).message}`);
      }
    } finally {
      setLoading(false);
    }
  }
  useEffect(() => {
    void load();
  }, []);
  const set = (k: string) => (e: Event) =>
    setFilter((f) => ({ ...f, [k]: (e.currentTarget as HTMLInputElement | HTMLSelectElement).value }));

  return html`<section aria-labelledby="audit-h">
    <div class="toolbar"><div><h1 id="audit-h">Audit</h1>
      <p class="muted">Who authenticated (or failed to) and who changed what, newest first.</p></div></div>
    <${Bans} />
    <form class="card pad row-actions" id="audit-form" onSubmit=${(e: Event) => {
      e.preventDefault();
      void load();
    }}>
      <label class="inline">Kind
        <select id="audit-kind" value=${filter.kind ?? ""} onChange=${set("kind")}>
          <option value="">all</option><option value="auth">authentication</option>
          <option value="change">change</option><option value="ban">ban</option>
        </select></label>
      <label class="inline">Result
        <select id="audit-result" value=${filter.result ?? ""} onChange=${set("result")}>
          <option value="">all</option><option value="ok">ok</option><option value="fail">failed</option>
        </select></label>
      <label class="inline">Client <input id="audit-client" size="12" value=${filter.client ?? ""} onInput=${set("client")} /></label>
      <label class="inline">User <input id="audit-user" size="10" value=${filter.user ?? ""} onInput=${set("user")} /></label>
      <label class="inline">Since <input id="audit-since" size="8" value=${filter.since ?? ""} onInput=${set("since")}
        aria-describedby="audit-since-hint" /></label>
      <button id="audit-apply" class="btn primary" type="submit" disabled=${loading}>Show</button>
      <small id="audit-since-hint" class="muted">Since: a duration such as 30m, 24h, 7d, or a date.</small>
    </form>
    <div aria-live="polite">
      ${error ? html`<${Note} kind="error" id="audit-error">${error}<//>` : null}
      ${loading && !rows ? html`<${Note} kind="loading">Reading the audit trail…<//>` : null}
      ${rows && rows.length === 0 ? html`<${Note} kind="empty" id="audit-empty">Nothing matches these filters.<//>` : null}
    </div>
    ${
      rows && rows.length > 0
        ? html`<div class="card table-card"><table id="audit" class="cards">
        <thead><tr><th scope="col">When</th><th scope="col">What</th><th scope="col">Result</th><th scope="col">Who</th>
          <th scope="col">How</th><th scope="col">From</th><th scope="col">Detail</th></tr></thead>
        <tbody>${rows.slice(0, SHOW).map(
          (r) => html`<tr key=${r.id} data-result=${r.result}>
            <td data-label="When" class="date">${when(r.at)}</td>
            <td data-label="What">${r.kind} · ${r.action}</td>
            <td data-label="Result"><span class=${`badge ${r.result === "ok" ? "active" : "revoked"}`}>${r.result === "ok" ? "ok" : "failed"}</span></td>
            <td data-label="Who">${who(r)}</td>
            <td data-label="How">${[r.method, r.listener].filter(Boolean).join(" / ") || "—"}</td>
            <td data-label="From"><code>${r.address ?? ""}</code></td>
            <td data-label="Detail">${[r.target, r.reason].filter(Boolean).join(": ")}</td></tr>`,
        )}</tbody></table></div>`
        : null
    }
  </section>`;
}
