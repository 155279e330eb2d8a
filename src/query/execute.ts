// Runs one read-only statement and writes the /db/query JSON reply, row by row, under
// a row and a byte cap. This is what a query process does (child.ts); it runs on the
// caller's thread, so only a query process should call it with user SQL.
import type { Database, Statement } from "bun:sqlite";
import { assertTimeformat, formatTime } from "../ingest/index.ts";
import { NeoError } from "../lib/errors.ts";
import { checkReadOnlySql } from "../storage/index.ts";
import { formatElapse } from "../lib/http/elapse.ts";
import { toJson } from "../lib/json-text.ts";

export interface QueryRequest {
  sql: string;
  /** "ns" (default), "ms", "s", "rfc3339", a Go layout... */
  timeformat?: string;
  tz?: string;
}

export interface QueryCaps {
  maxRows: number;
  maxBytes: number;
}

/** what a query process answers: the reply body on success, or a status and reason */
export type QueryAnswer = { ok: true; body: string; rows: number; cut?: "rows" | "bytes" } | QueryRefusal;
export interface QueryRefusal {
  ok: false;
  status: number;
  reason: string;
}

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

/** Run `req` on the read-only connection `db`; never throws for bad SQL. */
export function executeQuery(db: Database, req: QueryRequest, caps: QueryCaps): QueryAnswer {
  const t0 = performance.now();
  const timeformat = req.timeformat || "ns";
  let body: string;
  let st: Statement;
  try {
    assertTimeformat(timeformat);
    body = checkReadOnlySql(req.sql);
    st = db.prepare(body);
  } catch (e) {
    return refuse(e instanceof NeoError ? e.status : 400, e instanceof Error ? e.message : String(e));
  }
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
    let types: string[] | null = null;
    let timeCols: number[] = [];
    const parts: string[] = [];
    let bytes = 0;
    let cut: "rows" | "bytes" | undefined;
    for (const row of st.iterate() as IterableIterator<Record<string, unknown>>) {
      const cells = keys.map((k) => row[k]);
      if (types === null) {
        types = columns.map((c, i) => cellType(declared[i], cells[i], c));
        timeCols = types.flatMap((t, i) => (t === "datetime" ? [i] : []));
      }
      if (parts.length >= caps.maxRows) {
        cut = "rows";
        break;
      }
      if (formatTimes)
        for (const i of timeCols) {
          const v = cells[i];
          if (typeof v === "bigint") cells[i] = formatTime(v, timeformat, req.tz);
        }
      const text = toJson(cells);
      if (bytes + text.length + 1 > caps.maxBytes) {
        cut = "bytes";
        break;
      }
      bytes += text.length + 1;
      parts.push(text);
    }
    types ??= columns.map((c, i) => cellType(declared[i], undefined, c));
    const reason =
      cut === "rows"
        ? `success, result cut at ${parts.length} rows (Query.MaxRows)`
        : cut === "bytes"
          ? `success, result cut at ${parts.length} rows: over ${caps.maxBytes} bytes (Query.MaxBytes)`
          : "success";
    const head = `{"data":{"columns":${JSON.stringify(columns)},"types":${JSON.stringify(types)},"rows":[`;
    const tail = `]},"success":true,"reason":${JSON.stringify(reason)}${cut ? `,"truncated":true,"cut":"${cut}"` : ""},"elapse":${JSON.stringify(formatElapse(performance.now() - t0))}}`;
    const answer: QueryAnswer = { ok: true, body: head + parts.join(",") + tail, rows: parts.length };
    if (cut) answer.cut = cut;
    return answer;
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    return refuse(/too big|out of memory/i.test(msg) ? 413 : 400, msg);
  } finally {
    st.finalize();
  }
}
