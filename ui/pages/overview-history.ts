// The Overview's memory: what the gateway recorded of itself every 10 s (NEO_SYSTEM), the
// last hour and the last day side by side, so the page shows the past the moment it opens
// (not only what this tab saw). Hour: 10 s readings, refreshed every 10 s; day: 1-minute
// rollups, refreshed every minute.
import { useEffect, useState } from "preact/hooks";
import { api, ApiError, type ApiReply } from "../api.ts";
import { Chart, Note } from "../components.ts";
import { html } from "../html.ts";

type History = import("../../src/http/routes/console-views.ts").HistoryView;
const LISTENERS = ["tcp", "tls", "ws", "wss"];

function useHistory(range: "1h" | "24h", everyMs: number): { h: History | null; error: string | null } {
  const [h, setH] = useState<History | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let stopped = false;
    const load = async () => {
      try {
        const r = await api<ApiReply & { data: History }>("GET", `/console/history?range=${range}`);
        if (stopped) return;
        setH(r.data);
        setError(null);
      } catch (e) {
        if (!stopped && !(e instanceof ApiError && e.status === 401))
          setError(`The gateway's recorded figures could not be read: ${(e as Error).message}`);
      }
    };
    void load();
    const timer = setInterval(load, everyMs);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [range]);
  return { h, error };
}

/** a live reading of the page (every 2 s), appended to the hour after the last recorded one */
export interface LivePoint {
  t: number;
  connections: number;
  byListener: Record<string, number>;
  inPerS: number | null;
  outPerS: number | null;
  rowsPerS: number | null;
  failPerS: number | null;
  rss: number;
  disk: number;
}

function withLive(h: History, live: LivePoint[]): History {
  const last = h.x[h.x.length - 1] ?? 0;
  const more = live.filter((p) => p.t > last);
  if (more.length === 0) return h;
  const series: History["series"] = {};
  const add = (key: string, f: (p: LivePoint) => number | null) => {
    series[key] = [...(h.series[key] ?? h.x.map(() => null)), ...more.map(f)];
  };
  add("connections", (p) => p.connections);
  for (const l of LISTENERS) add(`connections.${l}`, (p) => p.byListener[l] ?? 0);
  add("messages_in_per_s", (p) => p.inPerS);
  add("messages_out_per_s", (p) => p.outPerS);
  add("rows_written_per_s", (p) => p.rowsPerS);
  add("auth_failures_per_s", (p) => p.failPerS);
  add("rss_bytes", (p) => p.rss);
  add("disk_bytes", (p) => p.disk);
  return { range: h.range, x: [...h.x, ...more.map((p) => p.t)], series };
}

const perMin = (v: (number | null)[] | undefined) => (v ?? []).map((x) => (x === null ? null : x * 60));
const mb = (v: (number | null)[] | undefined) => (v ?? []).map((x) => (x === null ? null : x / 1048576));

function Charts(p: { h: History; span: "hour" | "day" }) {
  const { h } = p;
  const s = h.series;
  const id = (what: string) => `${p.span}-${what}`;
  const labels = p.span === "hour" ? "hm" : "day";
  // the whole hour (day) up to the newest reading, however little was recorded yet
  const window = p.span === "hour" ? 3600 : 86_400;
  // listeners that had a connection in this span, beside the total
  const used = LISTENERS.filter((l) => (s[`connections.${l}`] ?? []).some((v) => v !== null && v > 0));
  return html`<div class="charts" id=${id("charts")} data-points=${h.x.length}>
    <${Chart} id=${id("connections")} label="Connections" windowSeconds=${window} timeLabels=${labels} x=${h.x} series=${[
      { label: "all", values: s.connections ?? [] },
      ...used.map((l) => ({ label: l, values: s[`connections.${l}`] ?? [] })),
    ]} />
    <${Chart} id=${id("messages")} label="Messages per second" windowSeconds=${window} timeLabels=${labels} x=${h.x} series=${[
      { label: "in", values: s.messages_in_per_s ?? [] },
      { label: "out", values: s.messages_out_per_s ?? [] },
    ]} />
    <${Chart} id=${id("rows")} label="Rows written per second" windowSeconds=${window} timeLabels=${labels} x=${h.x} series=${[{ label: "rows/s", values: s.rows_written_per_s ?? [] }]} />
    <${Chart} id=${id("auth")} label="Auth failures per minute" windowSeconds=${window} timeLabels=${labels} x=${h.x} series=${[{ label: "failures/min", values: perMin(s.auth_failures_per_s) }]} />
    <${Chart} id=${id("memory")} label="Memory and disk (MiB)" windowSeconds=${window} timeLabels=${labels} x=${h.x} series=${[
      { label: "resident memory", values: mb(s.rss_bytes) },
      { label: "data directory", values: mb(s.disk_bytes) },
    ]} />
  </div>`;
}

export function OverviewHistory(p: { live: LivePoint[] }) {
  const recorded = useHistory("1h", 10_000);
  const hour = { ...recorded, h: recorded.h ? withLive(recorded.h, p.live) : null };
  const day = useHistory("24h", 60_000);
  const section = (title: string, span: "hour" | "day", r: { h: History | null; error: string | null }) =>
    html`<section class="history" aria-label=${title} id=${`history-${span}`}>
      <h2>${title}</h2>
      ${r.error ? html`<${Note} kind="error">${r.error}<//>` : null}
      ${!r.h && !r.error ? html`<${Note} kind="loading">Reading what the gateway recorded…<//>` : null}
      ${r.h && r.h.x.length < 2 ? html`<p class="muted">The gateway records its figures every 10 seconds; the chart fills as it does.</p>` : null}
      ${r.h && r.h.x.length >= 2 ? html`<${Charts} h=${r.h} span=${span} />` : null}
    </section>`;
  return html`${section("Last hour", "hour", hour)}${section("Last day", "day", day)}`;
}
