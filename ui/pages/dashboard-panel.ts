// One dashboard panel: its data from GET .../dashboards/<id>/panels/<n>/data (the gateway
// runs the panel's statement with the VIEWER's table rights), drawn as a uPlot chart with a
// series per NAME (NAME, TIME, VALUE) or per column (TIME, then numbers). A refusal or a
// failed query shows as the panel's sentence, never as someone else's data.
import { useEffect, useState } from "preact/hooks";
import { ApiError, gatewayCall } from "../api.ts";
import { Chart, Note, type Series } from "../components.ts";
import { html } from "../html.ts";

type PanelView = import("../../src/http/routes/console-views.ts").PanelView;
export type TimeRangeView = import("../../src/http/routes/console-views.ts").TimeRangeView;

interface Reply {
  data: { columns: string[]; types: string[]; rows: unknown[][] };
}

const MAX_SERIES = 24;

/** the chart's x (seconds) and series from a query answer; null when nothing can be drawn */
function seriesOf(d: Reply["data"]): { x: number[]; series: Series[] } | null {
  const cols = d.columns.map((c) => c.toUpperCase());
  const ti = cols.indexOf("TIME");
  if (ti < 0 || d.rows.length === 0) return null;
  const ni = cols.indexOf("NAME");
  const vi = cols.indexOf("VALUE");
  const byName = new Map<string, Map<number, number>>();
  const put = (name: string, t: number, v: unknown) => {
    const n = v === null || v === undefined ? Number.NaN : Number(v);
    if (!Number.isFinite(t) || !Number.isFinite(n)) return;
    let m = byName.get(name);
    if (!m) {
      if (byName.size >= MAX_SERIES) return;
      byName.set(name, (m = new Map()));
    }
    m.set(t, n);
  };
  // one series per column: every numeric column but TIME (and NAME)
  const valueCols =
    ni >= 0 && vi >= 0 ? [] : cols.flatMap((_c, i) => (i !== ti && i !== ni && d.types[i] !== "string" ? [i] : []));
  for (const row of d.rows) {
    const t = Number(row[ti]);
    if (ni >= 0 && vi >= 0) put(String(row[ni]), t, row[vi]);
    else for (const i of valueCols) put(d.columns[i]!, t, row[i]);
  }
  const times = [...new Set([...byName.values()].flatMap((m) => [...m.keys()]))].sort((a, b) => a - b);
  if (times.length === 0) return null;
  return {
    x: times.map((t) => t / 1000),
    series: [...byName].map(([label, m]) => ({ label, values: times.map((t) => m.get(t) ?? null) })),
  };
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
/** the range as [from, to] in seconds, "now" for the relative form */
function spanOf(r: TimeRangeView, now: number): [number, number] {
  if (!("last" in r)) return [r.from / 1000, r.to / 1000];
  const m = /^(\d+)([smhd])$/.exec(r.last);
  const ms = m ? Number(m[1]) * (UNIT_MS[m[2]!] ?? 0) : 3_600_000;
  return [(now - ms) / 1000, now / 1000];
}

/** ?last=1h or ?from=&to= (ms) */
const rangeQuery = (r: TimeRangeView) =>
  "last" in r ? `last=${encodeURIComponent(r.last)}` : `from=${r.from}&to=${r.to}`;

export function PanelCard(p: {
  base: string;
  dashboard: string;
  index: number;
  panel: PanelView;
  /** the picker's range; the panel's own (or the dashboard's) when null */
  range: TimeRangeView | null;
  /** the dashboard's range (what the gateway uses when neither the picker nor the panel says) */
  fallback: TimeRangeView;
  /** bumped by the refresh timer and the refresh button */
  tick: number;
}) {
  const [data, setData] = useState<Reply["data"] | null>(null);
  const [span, setSpan] = useState<[number, number] | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const range = p.range ?? p.panel.time_range ?? null;
  const key = range ? rangeQuery(range) : "";
  useEffect(() => {
    let gone = false;
    setLoading(true);
    const url = `${p.base}/${encodeURIComponent(p.dashboard)}/panels/${p.index}/data${key ? `?${key}` : ""}`;
    const asked = Date.now();
    gatewayCall<Reply>("GET", url)
      .then((r) => {
        if (gone) return;
        setSpan(spanOf(range ?? p.fallback, asked));
        setData(r?.data ?? null);
        setError(null);
      })
      .catch((e) => {
        if (gone || (e instanceof ApiError && e.status === 401)) return;
        setData(null);
        setError((e as Error).message);
      })
      .finally(() => !gone && setLoading(false));
    return () => {
      gone = true;
    };
  }, [p.base, p.dashboard, p.index, key, p.tick, JSON.stringify(p.panel)]);
  const chart = data ? seriesOf(data) : null;
  const title = p.panel.title || `Panel ${p.index + 1}`;
  const id = `panel-${p.index}`;
  return html`<section class="card pad panel" id=${id} aria-labelledby=${`${id}-h`} data-loading=${loading ? "1" : "0"}>
    <h2 id=${`${id}-h`}>${title}</h2>
    ${error ? html`<${Note} kind="error" id=${`${id}-error`}>This panel cannot be shown: ${error}<//>` : null}
    ${!error && loading && !data ? html`<${Note} kind="loading">Reading the data…<//>` : null}
    ${!error && data && !chart ? html`<${Note} kind="empty" id=${`${id}-empty`}>No data in this time range.<//>` : null}
    ${chart ? html`<${Chart} id=${`${id}-chart`} label=${title} x=${chart.x} series=${chart.series} kind=${p.panel.chart} height=${220} xRange=${span} />` : null}
  </section>`;
}
