// A dashboard's body as the API takes it (name, description, panels, time range, refresh),
// checked field by field with a reason naming what is wrong, and a panel turned into the
// one read-only SQL statement that runs it over a time range. The statement goes through
// the same query path as /db/query with the VIEWER's table rights (routes/dashboards.ts).
import { badRequest } from "../../lib/errors.ts";
import type { Aggregate, ChartKind, PanelQueryView, PanelView, TimeRangeView } from "./console-views.ts";

const CHARTS: readonly ChartKind[] = ["line", "area", "bar", "step", "points"];
const AGGREGATES: readonly Aggregate[] = ["none", "avg", "min", "max", "sum", "count"];
const REFRESH: readonly string[] = ["off", "5s", "10s", "30s", "1m", "5m"];
const MAX_PANELS = 24;
const MAX_TAGS = 16;
const MAX_SQL = 16 * 1024;
/** a table name as storage takes it (the scope grammar's rule) */
const TABLE_RE = /^[A-Za-z][A-Za-z0-9_]{0,62}$/;
const DURATION_RE = /^([1-9][0-9]{0,5})(s|m|h|d)$/;
const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
/** the longest range a panel reads: a bit over a year */
const MAX_RANGE_MS = 400 * 86_400_000;
/** points per series an `auto` interval aims at */
const AUTO_POINTS = 300;
/** rows one panel reads at most (the gateway's Query.MaxRows may cut sooner) */
const PANEL_ROWS = 50_000;

const bad = (what: string) => badRequest("invalid_dashboard", what);

/** `15m`, `1h`, `7d`: ms; undefined when not a duration */
function durationMs(s: string): number | undefined {
  const m = DURATION_RE.exec(s);
  return m ? Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS] : undefined;
}

function text(v: unknown, what: string, max: number, empty = false): string {
  if (typeof v !== "string" || v.length > max || (!empty && v.trim() === ""))
    throw bad(`${what} must be ${empty ? "a" : "a non-empty"} string of at most ${max} characters`);
  return v;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

export function parseTimeRange(v: unknown, what = "time_range"): TimeRangeView {
  if (!isObject(v)) throw bad(`${what} must be {"last":"1h"} or {"from":<ms>,"to":<ms>}`);
  if (v.last !== undefined) {
    const ms = typeof v.last === "string" ? durationMs(v.last) : undefined;
    if (ms === undefined || ms > MAX_RANGE_MS)
      throw bad(`${what}.last must be a duration like 15m, 1h, 24h or 7d (at most 400d)`);
    return { last: v.last as string };
  }
  const { from, to } = v;
  if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || (from as number) < 0)
    throw bad(`${what} needs "last", or "from" and "to" in ms since the epoch`);
  if ((from as number) >= (to as number)) throw bad(`${what}.from must be before ${what}.to`);
  if ((to as number) - (from as number) > MAX_RANGE_MS) throw bad(`${what} may span at most 400 days`);
  return { from: from as number, to: to as number };
}

function parseQuery(v: unknown, what: string): PanelQueryView {
  if (!isObject(v)) throw bad(`${what} must be {"sql":...} or {"table":...,"tags":[...]}`);
  if (v.sql !== undefined) return { sql: text(v.sql, `${what}.sql`, MAX_SQL) };
  if (typeof v.table !== "string" || !TABLE_RE.test(v.table))
    throw bad(`${what}.table must be a table name (a letter, then letters, digits or _)`);
  const tags = v.tags ?? [];
  if (
    !Array.isArray(tags) ||
    tags.length > MAX_TAGS ||
    tags.some((t) => typeof t !== "string" || t === "" || t.length > 256)
  )
    throw bad(`${what}.tags must be at most ${MAX_TAGS} tag names (each a series; none: every tag)`);
  const aggregate = v.aggregate ?? "none";
  if (!AGGREGATES.includes(aggregate as Aggregate))
    throw bad(`${what}.aggregate must be one of ${AGGREGATES.join(", ")}`);
  const interval = v.interval ?? "auto";
  if (interval !== "auto" && (typeof interval !== "string" || durationMs(interval) === undefined))
    throw bad(`${what}.interval must be auto or a duration like 10s, 1m, 1h`);
  return {
    table: v.table.toUpperCase(),
    tags: tags as string[],
    aggregate: aggregate as Aggregate,
    interval: interval as string,
  };
}

function parsePanel(v: unknown, i: number): PanelView {
  const what = `panels[${i}]`;
  if (!isObject(v)) throw bad(`${what} must be an object`);
  const chart = v.chart ?? "line";
  if (!CHARTS.includes(chart as ChartKind)) throw bad(`${what}.chart must be one of ${CHARTS.join(", ")}`);
  return {
    title: v.title === undefined ? "" : text(v.title, `${what}.title`, 256, true),
    chart: chart as ChartKind,
    query: parseQuery(v.query, `${what}.query`),
    ...(v.time_range === undefined || v.time_range === null
      ? {}
      : { time_range: parseTimeRange(v.time_range, `${what}.time_range`) }),
  };
}

export interface DashboardBody {
  name?: string;
  description?: string;
  panels?: PanelView[];
  timeRange?: TimeRangeView;
  refresh?: string;
}

/** the fields given (create needs a name; an update changes only what it names) */
export function parseDashboardBody(b: Record<string, unknown>, create: boolean): DashboardBody {
  const out: DashboardBody = {};
  if (create || b.name !== undefined) out.name = text(b.name, "name", 256);
  if (b.description !== undefined) out.description = text(b.description, "description", 4096, true);
  if (b.panels !== undefined) {
    if (!Array.isArray(b.panels) || b.panels.length > MAX_PANELS)
      throw bad(`panels must be an array of at most ${MAX_PANELS} panels`);
    out.panels = b.panels.map(parsePanel);
  }
  if (b.time_range !== undefined) out.timeRange = parseTimeRange(b.time_range);
  if (b.refresh !== undefined) {
    if (typeof b.refresh !== "string" || !REFRESH.includes(b.refresh))
      throw bad(`refresh must be one of ${REFRESH.join(", ")}`);
    out.refresh = b.refresh;
  }
  return out;
}

/** a range as [from, to) in ms; `now` for the relative form */
export function resolveRange(r: TimeRangeView, now: number): { from: number; to: number } {
  return "last" in r ? { from: now - (durationMs(r.last) ?? 3_600_000), to: now } : { from: r.from, to: r.to };
}

const sqlString = (s: string) => `'${s.replaceAll("'", "''")}'`;
const NS = 1_000_000n;

/** a round interval near range/AUTO_POINTS, in ms */
function autoInterval(rangeMs: number): number {
  const steps = [1, 5, 10, 30, 60, 300, 600, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86_400].map((s) => s * 1000);
  const want = rangeMs / AUTO_POINTS;
  return steps.find((s) => s >= want) ?? 86_400_000;
}

/** the statement that reads a panel's series over [from, to) ms */
export function panelSql(q: PanelQueryView, range: { from: number; to: number }): string {
  const from = BigInt(range.from) * NS;
  const to = BigInt(range.to) * NS;
  if ("sql" in q) return q.sql.replace(/\$(from|to)\b/g, (_, w: string) => String(w === "from" ? from : to));
  const where = [`TIME >= ${from}`, `TIME < ${to}`];
  if (q.tags.length > 0) where.push(`NAME IN (${q.tags.map(sqlString).join(", ")})`);
  const w = where.join(" AND ");
  if (q.aggregate === "none")
    return `SELECT NAME, TIME, VALUE FROM ${q.table} WHERE ${w} ORDER BY TIME LIMIT ${PANEL_ROWS}`;
  const step =
    BigInt(q.interval === "auto" ? autoInterval(range.to - range.from) : (durationMs(q.interval) ?? 60_000)) * NS;
  const bucket = `(TIME / ${step}) * ${step}`;
  return `SELECT NAME, ${bucket} AS TIME, ${q.aggregate.toUpperCase()}(VALUE) AS VALUE FROM ${q.table} WHERE ${w} GROUP BY NAME, ${bucket} ORDER BY 2 LIMIT ${PANEL_ROWS}`;
}
