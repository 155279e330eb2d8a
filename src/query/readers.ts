// Mainflux/SuperMQ's readers API, its query side: the parameters of
// GET /channels/<id>/messages (offset, limit, subtopic, publisher, protocol, name, v, vs,
// vb, vd with comparator, from, to, aggregation + interval, order, dir) checked the way
// SuperMQ checks them, and the read-only SQL that answers them from a channel's
// `<TABLE>_SENML` side table. Values become SQL literals only after they were checked
// (numbers) or quoted (text), and the SQL runs in a read-only query process.
import { badRequest } from "../lib/errors.ts";
import { parseDurationNs } from "../lib/duration.ts";

const COMPARATORS = { eq: "=", lt: "<", le: "<=", gt: ">", ge: ">=" } as const;
type Comparator = keyof typeof COMPARATORS;
const AGGREGATIONS = ["MAX", "MIN", "AVG", "SUM", "COUNT"] as const;
const ORDERS: Record<string, string> = {
  time: "TIME",
  name: "NAME",
  publisher: "PUBLISHER",
  subtopic: "SUBTOPIC",
  protocol: "PROTOCOL",
  value: "VALUE",
};
const MAX_LIMIT = 1000;

export interface ReaderQuery {
  offset: number;
  limit: number;
  order: string;
  dir: "asc" | "desc";
  subtopic?: string;
  publisher?: string;
  protocol?: string;
  name?: string;
  v?: number;
  comparator?: Comparator;
  vb?: boolean;
  vs?: string;
  vd?: string;
  /** nanoseconds (seconds, ms and us are scaled up as SuperMQ's transformer does) */
  from?: bigint;
  to?: bigint;
  aggregation?: (typeof AGGREGATIONS)[number];
  interval?: string;
  intervalNs?: bigint;
}

function whole(p: URLSearchParams, key: string, dflt: number): number {
  const v = p.get(key);
  if (v === null || v === "") return dflt;
  if (!/^\d{1,15}$/.test(v))
    throw badRequest("bad_request", `${key} must be a whole number ≥ 0, not ${JSON.stringify(v)}`);
  return Number(v);
}

function number(p: URLSearchParams, key: string): number | undefined {
  const v = p.get(key);
  if (v === null || v === "") return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw badRequest("bad_request", `${key} must be a number, not ${JSON.stringify(v)}`);
  return n;
}

/** a time as SuperMQ stores it: nanoseconds; smaller numbers are taken as s, ms or us */
function toNanos(t: number): bigint {
  const a = Math.abs(t);
  if (a >= 1e18) return BigInt(Math.trunc(t));
  if (a >= 1e15) return BigInt(Math.trunc(t * 1e3));
  if (a >= 1e12) return BigInt(Math.trunc(t * 1e6));
  return BigInt(Math.round(t * 1e3)) * 1_000_000n;
}

export function parseReaderQuery(p: URLSearchParams): ReaderQuery {
  const q: ReaderQuery = { offset: whole(p, "offset", 0), limit: whole(p, "limit", 10), order: "time", dir: "desc" };
  if (q.limit < 1 || q.limit > MAX_LIMIT) throw badRequest("bad_request", `limit must be from 1 to ${MAX_LIMIT}`);
  const format = p.get("format");
  if (format && format !== "messages")
    throw badRequest(
      "bad_request",
      `format ${JSON.stringify(format)}: only SenML messages are stored (format=messages)`,
    );
  for (const k of ["subtopic", "publisher", "protocol", "name", "vs", "vd"] as const) {
    const v = p.get(k);
    if (v !== null && v !== "") q[k] = v;
  }
  const v = number(p, "v");
  if (v !== undefined) q.v = v;
  const cmp = p.get("comparator");
  if (cmp) {
    if (!(cmp in COMPARATORS))
      throw badRequest("bad_request", `invalid comparator ${JSON.stringify(cmp)} (use eq, lt, le, gt, ge)`);
    q.comparator = cmp as Comparator;
  }
  const vb = p.get("vb");
  if (vb !== null && vb !== "") {
    if (vb !== "true" && vb !== "false") throw badRequest("bad_request", "vb must be true or false");
    q.vb = vb === "true";
  }
  const from = number(p, "from");
  const to = number(p, "to");
  if (from !== undefined && from !== 0) q.from = toNanos(from);
  if (to !== undefined && to !== 0) q.to = toNanos(to);
  const order = p.get("order");
  if (order) {
    if (!(order in ORDERS)) throw badRequest("bad_request", `order by one of ${Object.keys(ORDERS).join(", ")}`);
    q.order = order;
  }
  const dir = p.get("dir");
  if (dir) {
    if (dir !== "asc" && dir !== "desc") throw badRequest("bad_request", "dir must be asc or desc");
    q.dir = dir;
  }
  const agg = p.get("aggregation");
  if (agg) {
    const a = AGGREGATIONS.find((x) => x === agg.toUpperCase());
    if (!a)
      throw badRequest("bad_request", `invalid aggregation ${JSON.stringify(agg)} (use ${AGGREGATIONS.join(", ")})`);
    if (q.from === undefined) throw badRequest("bad_request", "aggregation needs from");
    if (q.to === undefined) throw badRequest("bad_request", "aggregation needs to");
    q.aggregation = a;
    q.interval = p.get("interval") || "1s";
    const d = parseDurationNs(q.interval, "interval");
    if (!d.ok) throw badRequest("bad_request", d.error);
    q.intervalNs = d.ns;
  }
  return q;
}

const text = (s: string) => `'${s.replaceAll("'", "''")}'`;
const ident = (s: string) => `"${s.replaceAll('"', '""')}"`;

function where(channel: string, q: ReaderQuery): string {
  // rows stored before the origin columns existed have no channel: they belong to the table's channels
  const c = [`(CHANNEL = ${text(channel)} OR CHANNEL IS NULL)`];
  for (const [k, col] of [
    ["subtopic", "SUBTOPIC"],
    ["publisher", "PUBLISHER"],
    ["protocol", "PROTOCOL"],
    ["name", "NAME"],
  ] as const) {
    const v = q[k];
    if (v !== undefined) c.push(`${col} = ${text(v)}`);
  }
  const op = COMPARATORS[q.comparator ?? "eq"];
  if (q.v !== undefined) c.push(`VALUE ${op} ${String(q.v)}`);
  if (q.vb !== undefined) c.push(`VB = ${q.vb ? 1 : 0}`);
  if (q.vs !== undefined) {
    // SuperMQ's rule: gt/ge = contains the text, lt/le = is contained in it
    const vs = text(q.vs);
    const contains = `instr(VS, ${vs}) > 0`;
    const within = `instr(${vs}, VS) > 0`;
    c.push(
      op === "="
        ? `VS = ${vs}`
        : op === ">"
          ? `${contains} AND VS <> ${vs}`
          : op === ">="
            ? contains
            : op === "<"
              ? `${within} AND VS <> ${vs}`
              : within,
    );
  }
  if (q.vd !== undefined) c.push(`VD ${op} ${text(q.vd)}`);
  if (q.from !== undefined) c.push(`TIME >= ${q.from}`);
  if (q.to !== undefined) c.push(`TIME < ${q.to}`);
  return c.join(" AND ");
}

/** the page's statement and the total's, over the side table `side`; times come as text (TS), exact */
export function readerSql(side: string, channel: string, q: ReaderQuery): { page: string; total: string } {
  const from = `FROM ${ident(side)} WHERE ${where(channel, q)}`;
  const dir = q.dir.toUpperCase();
  const limit = `LIMIT ${q.limit} OFFSET ${q.offset}`;
  if (q.aggregation && q.intervalNs) {
    const bucket = `((TIME / ${q.intervalNs}) * ${q.intervalNs})`;
    const group = `GROUP BY ${bucket}, PUBLISHER, PROTOCOL, SUBTOPIC, NAME, UNIT`;
    const cols = `CAST(${bucket} AS TEXT) AS TS, CHANNEL, PUBLISHER, PROTOCOL, SUBTOPIC, NAME, UNIT, ${q.aggregation}(VALUE) AS VALUE`;
    const by = q.order === "time" ? bucket : (ORDERS[q.order] ?? "TIME");
    return {
      page: `SELECT ${cols} ${from} ${group} ORDER BY ${by} ${dir}, NAME, UNIT, PUBLISHER, SUBTOPIC ${limit}`,
      total: `SELECT count(*) AS N FROM (SELECT 1 ${from} ${group})`,
    };
  }
  const cols = "CAST(TIME AS TEXT) AS TS, CHANNEL, PUBLISHER, PROTOCOL, SUBTOPIC, NAME, UNIT, VALUE, VS, VB, VD, SUM";
  const by = ORDERS[q.order] ?? "TIME";
  // ties (one SenML pack has many records of one time) in the order they were stored
  const page = `SELECT ${cols} ${from} ORDER BY ${by} ${dir}, rowid ${dir} ${limit}`;
  return { page, total: `SELECT count(*) AS N ${from}` };
}
