// Making or changing a dashboard: name, description, the default time range and refresh,
// and its panels, each a title, a chart kind and a query: a table's tags (each a series,
// optionally aggregated per interval) or SQL. Saved with POST or PATCH; the gateway checks
// every field and says which one is wrong.
import { useEffect, useState } from "preact/hooks";
import { api, ApiError, type ApiReply, gatewayCall } from "../api.ts";
import { Note } from "../components.ts";
import { html } from "../html.ts";
import { REFRESH, TimeRangePicker } from "./dashboard-view.ts";

type DashboardView = import("../../src/http/routes/console-views.ts").DashboardView;
type PanelView = import("../../src/http/routes/console-views.ts").PanelView;
type TimeRangeView = import("../../src/http/routes/console-views.ts").TimeRangeView;
type TableView = import("../../src/http/routes/console-views.ts").TableView;
type ChartKind = PanelView["chart"];

const CHARTS: { id: ChartKind; label: string }[] = [
  { id: "line", label: "Line" },
  { id: "area", label: "Area" },
  { id: "bar", label: "Bars" },
  { id: "step", label: "Steps" },
  { id: "points", label: "Points" },
];
const AGGREGATES = ["none", "avg", "min", "max", "sum", "count"] as const;

const blankPanel = (table = ""): PanelView => ({
  title: "",
  chart: "line",
  query: { table, tags: [], aggregate: "none", interval: "auto" },
});

const value = (e: Event) => (e.currentTarget as HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement).value;

function PanelEditor(p: {
  i: number;
  panel: PanelView;
  count: number;
  tables: string[];
  onChange: (n: PanelView | null, move?: -1 | 1) => void;
}) {
  const { panel, i } = p;
  const q = panel.query;
  const set = (patch: Partial<PanelView>) => p.onChange({ ...panel, ...patch });
  const setQ = (patch: Record<string, unknown>) => set({ query: { ...q, ...patch } as PanelView["query"] });
  const id = (s: string) => `panel-${i}-${s}`;
  return html`<fieldset class="card pad panel-edit" id=${id("edit")}>
    <legend>Panel ${i + 1}</legend>
    <div class="row2">
      <label>Title <input id=${id("title")} value=${panel.title} maxlength="256" onInput=${(e: Event) => set({ title: value(e) })} /></label>
      <label>Chart <select id=${id("type")} value=${panel.chart} onChange=${(e: Event) => set({ chart: value(e) as ChartKind })}>
        ${CHARTS.map((c) => html`<option value=${c.id}>${c.label}</option>`)}</select></label>
    </div>
    <label>Query <select id=${id("mode")} value=${"sql" in q ? "sql" : "table"}
      onChange=${(e: Event) => set({ query: value(e) === "sql" ? { sql: "sql" in q ? q.sql : "SELECT NAME, TIME, VALUE FROM T WHERE TIME >= $from AND TIME < $to" } : blankPanel(p.tables[0]).query })}>
      <option value="table">A table's tags</option><option value="sql">SQL</option></select></label>
    ${
      "sql" in q
        ? html`<label>SQL <textarea id=${id("sql")} rows="3" spellcheck=${false} value=${q.sql} onInput=${(e: Event) => setQ({ sql: value(e) })}
            aria-describedby=${id("sql-hint")}></textarea>
            <small id=${id("sql-hint")} class="muted">NAME, TIME, VALUE (a series per NAME) or TIME and numeric columns (a series per column); <code>$from</code> and <code>$to</code> are the range in ns.</small></label>`
        : html`<div class="row2">
            <label>Table <input id=${id("table")} list="dashboard-tables" value=${q.table} spellcheck=${false} autocomplete="off"
              onInput=${(e: Event) => setQ({ table: value(e).toUpperCase() })} /></label>
            <label>Tags (series) <input id=${id("tags")} value=${q.tags.join(", ")} spellcheck=${false} autocomplete="off"
              placeholder="all tags" onChange=${(e: Event) =>
                setQ({
                  tags: value(e)
                    .split(/\s*,\s*/)
                    .filter((t) => t !== ""),
                })} /></label>
            <label>Aggregate <select id=${id("aggregate")} value=${q.aggregate} onChange=${(e: Event) => setQ({ aggregate: value(e) })}>
              ${AGGREGATES.map((a) => html`<option value=${a}>${a === "none" ? "none (raw rows)" : a}</option>`)}</select></label>
            <label>Interval <input id=${id("interval")} value=${q.interval} spellcheck=${false} autocomplete="off"
              onInput=${(e: Event) => setQ({ interval: value(e) })} /></label>
          </div>`
    }
    <div class="row-actions">
      <button id=${id("up")} class="btn ghost" type="button" disabled=${i === 0} onClick=${() => p.onChange(panel, -1)}>Move up</button>
      <button id=${id("down")} class="btn ghost" type="button" disabled=${i === p.count - 1} onClick=${() => p.onChange(panel, 1)}>Move down</button>
      <button id=${id("remove")} class="btn ghost" type="button" onClick=${() => p.onChange(null)}>Remove panel</button>
    </div>
  </fieldset>`;
}

export function DashboardEditor(p: {
  base: string;
  initial: DashboardView | null;
  onSaved: (d: DashboardView) => void;
  onCancel: () => void;
}) {
  const d = p.initial;
  const [name, setName] = useState(d?.name ?? "");
  const [description, setDescription] = useState(d?.description ?? "");
  const [range, setRange] = useState<TimeRangeView>(d?.time_range ?? { last: "1h" });
  const [refresh, setRefresh] = useState(d?.refresh ?? "off");
  const [panels, setPanels] = useState<PanelView[]>(d?.panels ?? []);
  const [tables, setTables] = useState<string[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  useEffect(() => {
    api<ApiReply & { data: TableView[] }>("GET", "/console/tables")
      .then((r) => {
        setTables(r.data.map((t) => t.name));
        if (!d && panels.length === 0) setPanels([blankPanel(r.data[0]?.name ?? "")]);
      })
      .catch(() => !d && panels.length === 0 && setPanels([blankPanel()]));
  }, []);
  function change(i: number, n: PanelView | null, move?: -1 | 1) {
    const next = [...panels];
    if (n === null) next.splice(i, 1);
    else if (move) [next[i], next[i + move]] = [next[i + move]!, n];
    else next[i] = n;
    setPanels(next);
  }
  async function save(ev: SubmitEvent) {
    ev.preventDefault();
    setSaving(true);
    setError(null);
    const body = { name, description, time_range: range, refresh, panels };
    try {
      const saved = d
        ? await gatewayCall<DashboardView>("PATCH", `${p.base}/${encodeURIComponent(d.id)}`, body)
        : await gatewayCall<DashboardView>("POST", p.base, body);
      if (saved) p.onSaved(saved);
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 401)) setError((e as Error).message);
    } finally {
      setSaving(false);
    }
  }
  return html`<section aria-labelledby="edit-h">
    <form id="dashboard-form" onSubmit=${save}>
      <div class="toolbar"><div><h1 id="edit-h">${d ? `Edit “${d.name}”` : "New dashboard"}</h1>
        <p class="muted">Panels read the data with the rights of whoever looks at them.</p></div>
        <div class="toolbar-actions">
          <button id="dashboard-cancel" class="btn ghost" type="button" onClick=${p.onCancel}>Cancel</button>
          <button id="dashboard-save" class="btn primary" type="submit" disabled=${saving}>${saving ? "Saving…" : "Save"}</button>
        </div></div>
      ${error ? html`<${Note} kind="error" id="dashboard-save-error">${error}<//>` : null}
      <div class="card pad">
        <div class="row2">
          <label>Name <input id="dashboard-name" value=${name} required maxlength="256" onInput=${(e: Event) => setName(value(e))} /></label>
          <label>Description <input id="dashboard-description" value=${description} maxlength="4096" onInput=${(e: Event) => setDescription(value(e))} /></label>
        </div>
        <div class="row-actions">
          <${TimeRangePicker} id="edit-range" value=${range} onChange=${setRange} />
          <label class="inline">Refresh <select id="edit-refresh" value=${refresh} onChange=${(e: Event) => setRefresh(value(e))}>
            ${REFRESH.map((r) => html`<option value=${r.id}>${r.label}</option>`)}</select></label>
        </div>
      </div>
      <datalist id="dashboard-tables">${tables.map((t) => html`<option value=${t} />`)}</datalist>
      ${panels.map(
        (panel, i) => html`<${PanelEditor} key=${i} i=${i} panel=${panel} count=${panels.length} tables=${tables}
        onChange=${(n: PanelView | null, move?: -1 | 1) => change(i, n, move)} />`,
      )}
      <button id="panel-add" class="btn" type="button" onClick=${() => setPanels([...panels, blankPanel(tables[0])])}>Add panel</button>
    </form>
  </section>`;
}
