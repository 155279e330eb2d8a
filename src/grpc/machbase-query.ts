// machrpc.Machbase reads: Query / Columns / RowsFetch / RowsClose, QueryRow, Explain.
// Every statement goes the way of /db/query: the table finder and authorize(tables:read)
// first, then the query process pool (timeout, memory, row and byte caps, fairness). The
// result set comes back as typed cells and waits under a handle for RowsFetch.
import { authorize } from "../auth/index.ts";
import type { QueryCells, QueryParam } from "../query/index.ts";
import type { Handles } from "./handles.ts";
import { callerWith } from "./machbase-conn.ts";
import { type CallLike, type Framing, Refusal } from "./rpc.ts";
import type { Caller, GrpcDeps } from "./types.ts";
import { type AnyValue, anyToParam, cellToAny, columnInfo } from "./values.ts";

type Call<Req> = CallLike & { request: Req };
interface SqlRequest {
  conn?: { handle?: string } | null;
  sql: string;
  params?: AnyValue[];
}
interface RowsRef {
  handle: string;
  conn?: { handle?: string } | null;
}

const paramsOf = (ps: AnyValue[] | undefined): QueryParam[] => (ps ?? []).map((p) => anyToParam(p));

export function queryHandlers(deps: GrpcDeps, f: Framing, handles: Handles) {
  /** authorize and run one read-only statement; the reply's reason on refusal */
  async function select(
    call: CallLike,
    connHandle: string | undefined,
    sql: string,
    params: QueryParam[],
    run = sql,
  ): Promise<{ caller: Caller; cells: QueryCells; reason: string }> {
    const { caller, conn } = callerWith(f, handles, call, connHandle);
    if (sql.trim() === "") throw new Refusal("empty sql");
    // each table's decision is authorize()'s; a refused one is a deny event in the audit trail
    let denied = false;
    const refused = deps.readCheck(caller.principal, sql, (t, domain) => {
      const d = authorize(caller.principal, "tables:read", t, domain);
      if (d.allow) return d;
      denied = true;
      f.denied(caller, "tables:read", t, d.reason);
      return { allow: false, reason: d.reason, ...(d.absent ? { absent: d.absent } : {}) };
    });
    if (refused) {
      if (refused.status === 403 && !denied) f.denied(caller, "tables:read", "*", refused.reason);
      throw new Refusal(refused.reason);
    }
    if (conn) {
      conn.latestSql = sql;
      conn.latestSqlTime = Date.now();
    }
    const a = await deps.runQuery({ sql: run, params, cells: true }, caller);
    if (!a.ok) throw new Refusal(a.reason);
    if (!a.cells) throw new Error("the query process answered without cells");
    return { caller, cells: a.cells, reason: a.cut ? `success, result cut at ${a.rows} rows` : "success" };
  }

  const columnsOf = (cells: QueryCells) => cells.columns.map((c, i) => columnInfo(c, cells.types[i] ?? "string"));
  const valuesOf = (cells: QueryCells, row: unknown[]) => row.map((v, i) => cellToAny(v, cells.types[i] ?? ""));

  /** the result set behind a handle, if the caller owns it */
  function rowsOf(call: Call<RowsRef>) {
    const { caller } = callerWith(f, handles, call, call.request.conn?.handle ?? undefined);
    const h = handles.rows.get(call.request.handle, caller.principal);
    if (!h) throw new Refusal(`handle '${call.request.handle}' not found`);
    return h;
  }

  /** Query's reply: the result set kept under a new handle (PreparedQuery answers the same) */
  async function openRows(
    call: CallLike,
    conn: { handle?: string } | null | undefined,
    sql: string,
    params: AnyValue[],
  ) {
    const r = await select(call, conn?.handle || undefined, sql, paramsOf(params));
    const h = handles.rows.add({ principal: r.caller.principal, cells: r.cells, pos: 0, sql, bytes: sizeOf(r.cells) });
    if (typeof h === "string") throw new Refusal(h);
    return { reason: r.reason, rowsHandle: { handle: h.id, conn: conn ?? null }, rowsAffected: "0" };
  }

  return {
    openRows,
    Query: f.unary<SqlRequest, object>("Query", (call) =>
      openRows(call, call.request.conn, call.request.sql, call.request.params ?? []),
    ),

    QueryRow: f.unary<SqlRequest, object>("QueryRow", async (call) => {
      const conn = call.request.conn?.handle || undefined;
      const r = await select(call, conn, call.request.sql, paramsOf(call.request.params));
      const row = r.cells.rows[0];
      // machbase-neo's answer for an empty result (database/sql's ErrNoRows)
      if (!row) throw new Refusal("sql: no rows in result set");
      return { reason: r.reason, values: valuesOf(r.cells, row), rowsAffected: "0", columns: columnsOf(r.cells) };
    }),

    Columns: f.unary<RowsRef, object>("Columns", (call) => ({ columns: columnsOf(rowsOf(call).cells) })),

    RowsFetch: f.unary<RowsRef, object>("RowsFetch", (call) => {
      const h = rowsOf(call);
      const row = h.cells.rows[h.pos];
      if (!row) return { hasNoRows: true, values: [] };
      h.cells.rows[h.pos++] = []; // fetched rows are not kept
      h.bytes = Math.max(0, h.bytes - rowSize(row));
      return { hasNoRows: false, values: valuesOf(h.cells, row) };
    }),

    RowsClose: f.unary<RowsRef, object>("RowsClose", (call) => {
      handles.rows.delete(rowsOf(call).id);
      return {};
    }),

    Explain: f.unary<SqlRequest & { full: boolean }, object>("Explain", async (call) => {
      const { sql, full } = call.request;
      // the plan of a statement the caller could not run is refused the same way
      const conn = call.request.conn?.handle || undefined;
      const plan = `${full ? "EXPLAIN" : "EXPLAIN QUERY PLAN"} ${sql}`;
      const r = await select(call, conn, sql, [], plan);
      return { plan: planText(r.cells, full) };
    }),
  };
}

/** about what one row's cells take in memory (object and value overhead included) */
function rowSize(row: unknown[]): number {
  let n = 32;
  for (const v of row) n += typeof v === "string" ? 24 + v.length * 2 : v instanceof Uint8Array ? 64 + v.length : 16;
  return n;
}
const sizeOf = (cells: QueryCells) => cells.rows.reduce((n: number, r) => n + rowSize(r), 0);

/** SQLite's EXPLAIN QUERY PLAN rows (id, parent, notused, detail) as an indented tree; EXPLAIN as a listing */
function planText(cells: QueryCells, full: boolean): string {
  if (full) return cells.rows.map((r) => r.map((v) => (v === null ? "" : String(v))).join("\t")).join("\n");
  const depth = new Map<number, number>();
  const lines: string[] = [];
  for (const [id, parent, , detail] of cells.rows) {
    const d = (depth.get(Number(parent)) ?? -1) + 1;
    depth.set(Number(id), d);
    lines.push(`${"  ".repeat(d)}${String(detail)}`);
  }
  return lines.join("\n");
}
