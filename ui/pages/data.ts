// Data: the tables (row counts, time range), a query box (Ctrl+Enter runs it) whose
// result shows as a table AND, when it has NAME, TIME and VALUE columns, as a line chart
// of VALUE over TIME with one series per NAME; a time range; the whole result as CSV or
// NDJSON, written by the gateway (/db/query's formats). Queries go
// through the same read-only path as /db/query.
import { useEffect, useRef, useState } from "preact/hooks";
import { api, ApiError, type ApiReply, type QueryReply, queryFile, runQuery } from "../api.ts";
import { Chart, Note, type Series } from "../components.ts";
import { bytes, download, fmtDate, fmtTime, num } from "../format.ts";
import { html } from "../html.ts";
import { SaveToDashboard } from "./data-save.ts";

type TableView = import("../../src/http/routes/console-views.ts").TableView;

const RANGES = [
  { id: "15m", label: "Last 15 minutes", ms: 15 * 60_000 },
  { id: "1h", label: "Last hour", ms: 3_600_000 },
  { id: "24h", label: "Last 24 hours", ms: 86_400_000 },
  { id: "7d", label: "Last 7 days", ms: 7 * 86_400_000 },
  { id: "all", label: "All time", ms: 0 },
] as const;
const SHOW_ROWS = 500;
const MAX_SERIES = 24;

function tableQuery(t: string, rangeMs: number): string {
  const where = rangeMs > 0 ? ` WHERE TIME >= ${BigInt(Date.now() - rangeMs) * 1_000_000n}` : "";
  return `SELECT NAME, TIME, VALUE FROM ${t}${where} ORDER BY TIME LIMIT 10000`;
}

/** one series per NAME, VALUE over TIME; null when the result has no such columns */
function seriesOf(r: QueryReply["data"]): { x: number[]; series: Series[] } | null {
  const cols = r.columns.map((c) => c.toUpperCase());
  const ni = cols.indexOf("NAME");
  const ti = cols.indexOf("TIME");
  const vi = cols.indexOf("VALUE");
  if (ni < 0 || ti < 0 || vi < 0 || r.rows.length === 0) return null;
  const times = new Set<number>();
  const byName = new Map<string, Map<number, number>>();
  for (const row of r.rows) {
    const t = Number(row[ti]);
    const v = row[vi] === null ? Number.NaN : Number(row[vi]);
    if (!Number.isFinite(t) || !Number.isFinite(v)) continue;
    const name = String(row[ni]);
    let m = byName.get(name);
    if (!m) {
      if (byName.size >= MAX_SERIES) continue;
      byName.set(name, (m = new Map()));
    }
    m.set(t, v);
    times.add(t);
  }
  if (times.size === 0) return null;
  const sorted = [...times].sort((a, b) => a - b);
  return {
    x: sorted.map((t) => t / 1000),
    series: [...byName].map(([label, m]) => ({ label, values: sorted.map((t) => m.get(t) ?? null) })),
  };
}

/** a cell as text; TIME (ms since the epoch) as local date and time */
function cell(v: unknown, isTime: boolean): string {
  if (v === null || v === undefined) return "NULL";
  if (isTime && typeof v === "number") return `${fmtDate(v)}:${fmtTime(v).slice(6)}`;
  return String(v);
}

export function DataPage() {
  const [tables, setTables] = useState<TableView[] | null>(null);
  const [tablesError, setTablesError] = useState<string | null>(null);
  const [range, setRange] = useState<string>("all");
  const [sql, setSql] = useState("");
  const [result, setResult] = useState<QueryReply | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [running, setRunning] = useState(false);
  /** the statement behind the result shown: what a download runs again, whole */
  const [ran, setRan] = useState("");
  const [saving, setSaving] = useState(false);
  /** the table picked (and its range): saved as a table panel while its query is the one shown */
  const [picked, setPicked] = useState<{ table: string; range: string; sql: string } | null>(null);
  const [saveOpen, setSaveOpen] = useState(false);
  const box = useRef<HTMLTextAreaElement>(null);

  useEffect(() => {
    api<ApiReply & { data: TableView[] }>("GET", "/console/tables")
      .then((r) => setTables(r.data))
      .catch((e) => {
        if (!(e instanceof ApiError && e.status === 401))
          setTablesError(`The tables could not be listed: ${e.message}`);
      });
  }, []);

  async function run(q = sql) {
    if (q.trim() === "") {
      setError("Write a query first, for example: SELECT NAME, TIME, VALUE FROM EXAMPLE LIMIT 100");
      return;
    }
    setRunning(true);
    setError(null);
    try {
      setResult(await runQuery(q));
      setRan(q);
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 401)) {
        setResult(null);
        setError(`The query failed: ${(e as Error).message}`);
      }
    } finally {
      setRunning(false);
    }
  }

  function pick(t: string) {
    const q = tableQuery(t, RANGES.find((r) => r.id === range)?.ms ?? 0);
    setPicked({ table: t, range, sql: q });
    setSql(q);
    void run(q);
    box.current?.focus();
  }

  /** the whole result (not only the rows shown), written by the gateway in the format asked */
  async function save(format: "csv" | "ndjson") {
    if (!ran) return;
    setSaving(true);
    try {
      const file = await queryFile(ran, format);
      download(`query.${format}`, file, format === "csv" ? "text/csv" : "application/x-ndjson");
    } catch (e) {
      setError(`The download failed: ${(e as Error).message}`);
    } finally {
      setSaving(false);
    }
  }

  const asTable = picked && picked.sql === ran ? picked : null;
  const panel = asTable
    ? {
        title: asTable.table,
        chart: "line" as const,
        query: { table: asTable.table, tags: [], aggregate: "none" as const, interval: "auto" },
      }
    : { title: "Query", chart: "line" as const, query: { sql: ran } };
  const chart = result ? seriesOf(result.data) : null;
  const timeCol = result ? result.data.columns.findIndex((c) => c.toUpperCase() === "TIME") : -1;
  const rows = result?.data.rows ?? [];
  return html`<section aria-labelledby="data-h">
    <div class="toolbar"><div><h1 id="data-h">Data</h1>
      <p class="muted">Read-only SQL over the series tables, with the same limits as <code>/db/query</code>.</p></div></div>
    <div class="card pad">
      <h2>Tables</h2>
      ${tablesError ? html`<${Note} kind="error">${tablesError}<//>` : null}
      ${!tables && !tablesError ? html`<${Note} kind="loading">Listing the tables…<//>` : null}
      ${tables && tables.length === 0 ? html`<${Note} kind="empty">There are no tables yet. Write rows with <code>db/write/${"<table>"}</code> or <code>POST /db/write/${"<table>"}</code>.<//>` : null}
      ${
        tables && tables.length > 0
          ? html`<table class="cards" id="tables">
          <thead><tr><th scope="col">Table</th><th scope="col">Rows</th><th scope="col">Size</th><th scope="col">From</th><th scope="col">To</th></tr></thead>
          <tbody>${tables.map(
            (t) => html`<tr key=${t.name} data-table=${t.name}>
              <td data-label="Table"><button class="btn link" type="button" onClick=${() => pick(t.name)}
                aria-label=${`Query table ${t.name}`}>${t.name}</button></td>
              <td data-label="Rows" class="count">${num(t.rows)}</td>
              <td data-label="Size">${bytes(t.bytes)}</td>
              <td data-label="From">${t.from === null ? "—" : fmtDate(t.from)}</td>
              <td data-label="To">${t.to === null ? "—" : fmtDate(t.to)}</td></tr>`,
          )}</tbody></table>`
          : null
      }
    </div>
    <div class="card pad">
      <label for="sql">Query <small class="muted">(Ctrl+Enter runs it)</small></label>
      <textarea id="sql" ref=${box} rows="4" spellcheck=${false} value=${sql}
        placeholder="SELECT NAME, TIME, VALUE FROM EXAMPLE ORDER BY TIME LIMIT 100"
        onInput=${(e: Event) => setSql((e.currentTarget as HTMLTextAreaElement).value)}
        onKeyDown=${(e: KeyboardEvent) => {
          if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
            e.preventDefault();
            void run((e.currentTarget as HTMLTextAreaElement).value);
          }
        }}></textarea>
      <div class="row-actions">
        <label class="inline">Time range (used when you pick a table)
          <select id="range" value=${range} onChange=${(e: Event) => setRange((e.currentTarget as HTMLSelectElement).value)}>
            ${RANGES.map((r) => html`<option value=${r.id}>${r.label}</option>`)}
          </select>
        </label>
        <button id="run" class="btn primary" type="button" disabled=${running} onClick=${() => run()}>${running ? "Running…" : "Run"}</button>
        <button id="csv" class="btn" type="button" disabled=${!result || rows.length === 0 || saving}
          onClick=${() => save("csv")}>Download CSV</button>
        <button id="ndjson" class="btn" type="button" disabled=${!result || rows.length === 0 || saving}
          onClick=${() => save("ndjson")}>Download NDJSON</button>
        <button id="save-panel" class="btn" type="button" disabled=${!ran} onClick=${() => setSaveOpen(true)}>Save as dashboard panel</button>
      </div>
      <${SaveToDashboard} open=${saveOpen} panel=${panel} onClose=${() => setSaveOpen(false)}
        range=${asTable && asTable.range !== "all" ? { last: asTable.range } : undefined} />
    </div>
    <div aria-live="polite">
      ${error ? html`<${Note} kind="error" id="query-error">${error}<//>` : null}
      ${running ? html`<${Note} kind="loading">Running the query…<//>` : null}
      ${result && rows.length === 0 ? html`<${Note} kind="empty" id="query-empty">The query returned no rows.<//>` : null}
      ${
        result && rows.length > 0
          ? html`<p class="muted" id="query-summary">${num(rows.length)} row${rows.length === 1 ? "" : "s"}${
              result.truncated ? " (cut by the gateway's limits)" : ""
            }${rows.length > SHOW_ROWS ? `; the table shows the first ${SHOW_ROWS}` : ""}.</p>`
          : null
      }
    </div>
    ${chart ? html`<${Chart} id="query-chart" label="VALUE over TIME, one line per NAME" x=${chart.x} series=${chart.series} height=${240} />` : null}
    ${
      result && rows.length > 0
        ? html`<div class="card table-card scroll"><table id="result" class="result">
          <thead><tr>${result.data.columns.map((c) => html`<th scope="col">${c}</th>`)}</tr></thead>
          <tbody>${rows
            .slice(0, SHOW_ROWS)
            .map(
              (r) =>
                html`<tr>${r.map((v, i) => html`<td data-label=${result.data.columns[i]}>${cell(v, i === timeCol)}</td>`)}</tr>`,
            )}</tbody></table></div>`
        : null
    }
  </section>`;
}
