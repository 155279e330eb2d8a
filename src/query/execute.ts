// Runs one read-only statement and writes its answer in the requested format, row by
// row, under a row and a byte cap. This is what a query process does (child.ts); it runs
// on the caller's thread, so only a query process should call it with user SQL.
// queryChunks() hands the answer out in pieces of about CHUNK_BYTES as it is written (a
// large answer is streamed, never built whole); executeQuery() joins them.
import type { Database, SQLQueryBindings, Statement } from "bun:sqlite";
import { assertTimeformat, formatTime } from "../ingest/index.ts";
import { NeoError } from "../lib/errors.ts";
import { formatElapse } from "../lib/http/elapse.ts";
import { checkReadOnlySql } from "../storage/index.ts";
import { createEncoder, DEFAULT_OUTPUT, type OutputOptions } from "./format/index.ts";

export interface QueryRequest {
  sql: string;
  /** "ns" (default), "ms", "s", "rfc3339", a Go layout... */
  timeformat?: string;
  tz?: string;
  /** format and its options (machbase-neo's); json by default */
  output?: OutputOptions;
  /** values for the statement's `?` placeholders, in order */
  params?: QueryParam[];
  /** answer the cells themselves (exact int64 as bigint, blobs as bytes) instead of a body: gRPC sends typed values */
  cells?: boolean;
}

/** a value bound to a `?` of the statement (gRPC clients send parameters) */
export type QueryParam = string | number | bigint | boolean | Uint8Array | null;

/** the result as values, for callers that send typed cells (gRPC) */
export interface QueryCells {
  columns: string[];
  types: string[];
  rows: unknown[][];
}

export interface QueryCaps {
  maxRows: number;
  maxBytes: number;
}

/**
 * what a query process answers: on success the (rest of the) reply body, after any
 * chunks sent before it; or a status and reason
 */
export type QueryAnswer =
  | { ok: true; body: string; rows: number; cut?: "rows" | "bytes"; contentType: string; cells?: QueryCells }
  | QueryRefusal;

export interface QueryRefusal {
  ok: false;
  status: number;
  reason: string;
  /** 429: when the caller's own share of the pool has room again (Retry-After) */
  retryAfterSec?: number;
}

/** an answer is handed out in pieces of at least this size; a smaller one comes whole */
export const CHUNK_BYTES = 64 * 1024;

function cellType(declared: string | null | undefined, sample: unknown, column: string): string {
  const d = (declared ?? "").toUpperCase();
  if (d.includes("INT") || (!d && typeof sample === "bigint")) return column === "TIME" ? "datetime" : "int64";
  if (d.includes("CHAR") || d.includes("TEXT") || d.includes("CLOB")) return "string";
  if (d.includes("REAL") || d.includes("FLOA") || d.includes("DOUB") || (!d && typeof sample === "number"))
    return "double";
  if (d.includes("BLOB") || (!d && sample instanceof Uint8Array)) return "binary";
  // a tag table's VALUE is an expression of its view (no declared type): a double even when NULL or absent
  if (column === "VALUE" && (sample === null || sample === undefined)) return "double";
  return "string";
}

const refuse = (status: number, reason: string): QueryRefusal => ({ ok: false, status, reason });

/** Run `req` on the read-only connection `db`, yielding the answer's pieces; never throws for bad SQL. */
export function* queryChunks(db: Database, req: QueryRequest, caps: QueryCaps): Generator<string, QueryAnswer> {
  const t0 = performance.now();
  const timeformat = req.timeformat || "ns";
  const enc = createEncoder(req.output ?? DEFAULT_OUTPUT, timeformat, req.tz);
  let body: string;
  let st: Statement;
  try {
    assertTimeformat(timeformat);
    body = checkReadOnlySql(req.sql);
    st = db.prepare(body);
  } catch (e) {
    return refuse(e instanceof NeoError ? e.status : 400, e instanceof Error ? e.message : String(e));
  }
  let sent = false;
  try {
    if (!st.readonly) return refuse(400, "only read-only statements are allowed");
    const names = st.columnNames;
    const columns = names.map((c) => c.toUpperCase());
    const declared = st.declaredTypes;
    // iterate() yields one object per row, keyed by column name: with two columns of
    // one name (or a name an object cannot hold) run it under positional names instead
    let keys = names;
    if (new Set(names).size !== names.length || names.includes("__proto__")) {
      keys = names.map((_, i) => `c${i}`);
      const wrapped = db.prepare(`WITH _neo_q(${keys.join(",")}) AS (${body}) SELECT * FROM _neo_q`);
      st.finalize();
      st = wrapped;
    }
    const formatTimes = timeformat.toLowerCase() !== "ns";
    let typed = false;
    let types: string[] = [];
    let timeCols: number[] = [];
    const cellRows: unknown[][] | null = req.cells ? [] : null;
    let out = "";
    let rows = 0;
    let bytes = 0;
    let cut: "rows" | "bytes" | undefined;
    const params = (req.params ?? []) as SQLQueryBindings[];
    for (const row of st.iterate(...params) as IterableIterator<Record<string, unknown>>) {
      const cells = keys.map((k) => row[k]);
      if (!typed) {
        types = columns.map((c, i) => cellType(declared[i], cells[i], c));
        timeCols = types.flatMap((t, i) => (t === "datetime" ? [i] : []));
        out += enc.head(columns, types);
        typed = true;
      }
      if (rows >= caps.maxRows) {
        cut = "rows";
        break;
      }
      const raw = cellRows ? cells.slice() : null;
      if (formatTimes)
        for (const i of timeCols) {
          const v = cells[i];
          if (typeof v === "bigint") cells[i] = formatTime(v, timeformat, req.tz);
        }
      const text = enc.encode(cells);
      if (bytes + text.length + 1 > caps.maxBytes) {
        cut = "bytes";
        break;
      }
      bytes += text.length + 1;
      rows++;
      // typed cells replace the body's rows (the caps count the same bytes either way)
      if (raw && cellRows) {
        cellRows.push(raw);
        continue;
      }
      out += enc.push(text);
      if (out.length >= CHUNK_BYTES) {
        sent = true;
        yield out;
        out = "";
      }
    }
    if (!typed) {
      types = columns.map((c, i) => cellType(declared[i], undefined, c));
      out += enc.head(columns, types);
    }
    const reason =
      cut === "rows"
        ? `success, result cut at ${rows} rows (Query.MaxRows)`
        : cut === "bytes"
          ? `success, result cut at ${rows} rows: over ${caps.maxBytes} bytes (Query.MaxBytes)`
          : "success";
    out += enc.end({ reason, cut, rows, elapse: formatElapse(performance.now() - t0) });
    const answer: QueryAnswer = { ok: true, body: out, rows, contentType: enc.contentType };
    if (cut) answer.cut = cut;
    if (cellRows) answer.cells = { columns, types, rows: cellRows };
    return answer;
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    // after a piece went out the status is sent already: the caller ends the stream as failed
    return refuse(/too big|out of memory/i.test(msg) ? 413 : sent ? 500 : 400, msg);
  } finally {
    st.finalize();
  }
}

/** Run `req` and return the whole answer (tests, small callers). */
export function executeQuery(db: Database, req: QueryRequest, caps: QueryCaps): QueryAnswer {
  const gen = queryChunks(db, req, caps);
  let head = "";
  for (;;) {
    const step = gen.next();
    if (step.done) return step.value.ok ? { ...step.value, body: head + step.value.body } : step.value;
    head += step.value;
  }
}
