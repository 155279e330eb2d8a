// One dashboard: its panels side by side, a time range picker (the last 15 minutes to 7
// days, or from/to), a refresh interval (off to 1 minute) and the actions the signed-in
// user's scopes allow (Edit, Share, Delete; `can` in the gateway's answer, which decides
// each request anyway).
import { useEffect, useState } from "preact/hooks";
import { ApiError, gatewayCall } from "../api.ts";
import { confirmDialog, Dialog, Note, toast } from "../components.ts";
import { html } from "../html.ts";
import { PanelCard, type TimeRangeView } from "./dashboard-panel.ts";

type DashboardView = import("../../src/http/routes/console-views.ts").DashboardView;

const RANGES = [
  { id: "15m", label: "Last 15 minutes" },
  { id: "1h", label: "Last hour" },
  { id: "6h", label: "Last 6 hours" },
  { id: "24h", label: "Last 24 hours" },
  { id: "7d", label: "Last 7 days" },
] as const;
export const REFRESH = [
  { id: "off", label: "Off", ms: 0 },
  { id: "5s", label: "5 s", ms: 5_000 },
  { id: "10s", label: "10 s", ms: 10_000 },
  { id: "30s", label: "30 s", ms: 30_000 },
  { id: "1m", label: "1 min", ms: 60_000 },
  { id: "5m", label: "5 min", ms: 300_000 },
] as const;

const pad = (n: number) => String(n).padStart(2, "0");
/** ms -> the value of an <input type=datetime-local> (local time) */
const localInput = (ms: number) => {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
};

/** the relative presets and "Custom" with two local date-times */
export function TimeRangePicker(p: { value: TimeRangeView; onChange: (r: TimeRangeView) => void; id?: string }) {
  const id = p.id ?? "range";
  const custom = !("last" in p.value) || !RANGES.some((r) => r.id === (p.value as { last: string }).last);
  const [from, setFrom] = useState(() => localInput("from" in p.value ? p.value.from : Date.now() - 3_600_000));
  const [to, setTo] = useState(() => localInput("to" in p.value ? p.value.to : Date.now()));
  const [open, setOpen] = useState(custom);
  const [bad, setBad] = useState<string | null>(null);
  function apply() {
    const [f, t] = [Date.parse(from), Date.parse(to)];
    if (!Number.isFinite(f) || !Number.isFinite(t) || f >= t) return setBad("The start must be before the end.");
    setBad(null);
    p.onChange({ from: f, to: t });
  }
  return html`<div class="range-picker">
    <label class="inline">Time range
      <select id=${id} value=${open ? "custom" : (p.value as { last: string }).last}
        onChange=${(e: Event) => {
          const v = (e.currentTarget as HTMLSelectElement).value;
          setOpen(v === "custom");
          if (v !== "custom") p.onChange({ last: v });
        }}>
        ${RANGES.map((r) => html`<option value=${r.id}>${r.label}</option>`)}
        <option value="custom">From … to …</option>
      </select>
    </label>
    ${
      open
        ? html`<label class="inline">From <input id=${`${id}-from`} type="datetime-local" value=${from}
            onInput=${(e: Event) => setFrom((e.currentTarget as HTMLInputElement).value)} /></label>
          <label class="inline">To <input id=${`${id}-to`} type="datetime-local" value=${to}
            onInput=${(e: Event) => setTo((e.currentTarget as HTMLInputElement).value)} /></label>
          <button id=${`${id}-apply`} class="btn" type="button" onClick=${apply}>Apply</button>
          ${bad ? html`<span class="error" role="alert">${bad}</span>` : null}`
        : null
    }
  </div>`;
}

function ShareDialog(p: {
  open: boolean;
  base: string;
  d: DashboardView;
  onClose: () => void;
  onDone: (d: DashboardView) => void;
}) {
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (p.open) setError(null);
  }, [p.open]);
  async function submit(ev: SubmitEvent) {
    ev.preventDefault();
    const f = ev.currentTarget as HTMLFormElement;
    const members = (f.elements.namedItem("members") as HTMLInputElement).checked;
    const users = (f.elements.namedItem("users") as HTMLInputElement).value.split(/[\s,]+/).filter((u) => u !== "");
    const path = `${p.base}/${encodeURIComponent(p.d.id)}`;
    const was = p.d.shared;
    try {
      let d: DashboardView | null = p.d;
      const gone = was.users.filter((u) => !users.includes(u));
      const added = users.filter((u) => !was.users.includes(u));
      if (gone.length || (was.members && !members))
        d = await gatewayCall("POST", `${path}/unshare`, { members: was.members && !members, users: gone });
      if (added.length || (!was.members && members))
        d = await gatewayCall("POST", `${path}/share`, { members: !was.members && members, users: added });
      if (d) p.onDone(d);
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 401)) setError((e as Error).message);
    }
  }
  return html`<${Dialog} id="share-dialog" open=${p.open} title=${`Share “${p.d.name}”`} onClose=${p.onClose}>
    <form method="dialog" onSubmit=${submit}>
      <label class="check"><input id="share-members" name="members" type="checkbox" checked=${p.d.shared.members} />
        Every member of this domain</label>
      <label>Users <input id="share-users" name="users" value=${p.d.shared.users.join(", ")} autocomplete="off"
        spellcheck="false" aria-describedby="share-users-hint" />
        <small id="share-users-hint" class="muted">User names, separated by commas. Each sees the panels with their own table rights.</small></label>
      ${error ? html`<p id="share-error" class="error" role="alert">${error}</p>` : null}
      <div class="dialog-actions">
        <button class="btn ghost" type="button" onClick=${p.onClose}>Cancel</button>
        <button id="share-save" class="btn primary" type="submit">Save</button>
      </div>
    </form>
  <//>`;
}

export function DashboardBoard(p: {
  base: string;
  id: string;
  onBack: () => void;
  onEdit: (d: DashboardView) => void;
}) {
  const [d, setD] = useState<DashboardView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [range, setRange] = useState<TimeRangeView | null>(null);
  const [refresh, setRefresh] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  const [sharing, setSharing] = useState(false);
  useEffect(() => {
    gatewayCall<DashboardView>("GET", `${p.base}/${encodeURIComponent(p.id)}`)
      .then((r) => setD(r))
      .catch((e) => !(e instanceof ApiError && e.status === 401) && setError((e as Error).message));
  }, [p.base, p.id]);
  const every = REFRESH.find((r) => r.id === (refresh ?? d?.refresh))?.ms ?? 0;
  useEffect(() => {
    if (!every) return;
    const t = setInterval(() => setTick((n) => n + 1), every);
    return () => clearInterval(t);
  }, [every]);
  if (error) return html`<${Note} kind="error" id="dashboard-error">This dashboard cannot be shown: ${error}<//>`;
  if (!d) return html`<${Note} kind="loading">Opening the dashboard…<//>`;
  async function remove() {
    if (
      !d ||
      !(await confirmDialog(`Delete “${d.name}”?`, "Its panels are deleted for everyone it is shared with.", "Delete"))
    )
      return;
    try {
      await gatewayCall("DELETE", `${p.base}/${encodeURIComponent(d.id)}`);
      toast(`Deleted ${d.name}`);
      p.onBack();
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 401)) toast((e as Error).message, true);
    }
  }
  return html`<section aria-labelledby="dashboard-h" id="dashboard" data-id=${d.id}>
    <div class="toolbar">
      <div><h1 id="dashboard-h">${d.name}</h1>
        <p class="muted">${d.description || html`By ${d.owner}`}${d.shared.members ? " · shared with the domain" : d.shared.users.length ? ` · shared with ${d.shared.users.join(", ")}` : ""}</p></div>
      <div class="toolbar-actions">
        <button id="dashboards-back" class="btn ghost" type="button" onClick=${p.onBack}>All dashboards</button>
        ${d.can.update ? html`<button id="dashboard-edit" class="btn" type="button" onClick=${() => p.onEdit(d)}>Edit</button>` : null}
        ${d.can.share ? html`<button id="dashboard-share" class="btn" type="button" onClick=${() => setSharing(true)}>Share</button>` : null}
        ${d.can.delete ? html`<button id="dashboard-delete" class="btn danger" type="button" onClick=${remove}>Delete</button>` : null}
      </div>
    </div>
    <div class="card pad row-actions">
      <${TimeRangePicker} value=${range ?? d.time_range} onChange=${setRange} />
      <label class="inline">Refresh
        <select id="refresh" value=${refresh ?? d.refresh} onChange=${(e: Event) => setRefresh((e.currentTarget as HTMLSelectElement).value)}>
          ${REFRESH.map((r) => html`<option value=${r.id}>${r.label}</option>`)}
        </select>
      </label>
      <button id="refresh-now" class="btn" type="button" onClick=${() => setTick((n) => n + 1)}>Refresh now</button>
    </div>
    ${d.panels.length === 0 ? html`<${Note} kind="empty" id="dashboard-empty">This dashboard has no panels yet.<//>` : null}
    <div class="panels">
      ${d.panels.map(
        (panel, i) =>
          html`<${PanelCard} key=${i} base=${p.base} dashboard=${d.id} index=${i} panel=${panel} range=${range} fallback=${d.time_range} tick=${tick} />`,
      )}
    </div>
    <${ShareDialog} open=${sharing} base=${p.base} d=${d} onClose=${() => setSharing(false)}
      onDone=${(n: DashboardView) => {
        setD(n);
        setSharing(false);
        toast("Sharing saved");
      }} />
  </section>`;
}
