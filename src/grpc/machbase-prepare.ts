// machrpc.Machbase prepared statements (machbase-neo 8.5): Prepare keeps the statement's
// text under a handle of its caller; PreparedQuery and PreparedExec run it with parameters
// exactly as Query and Exec do (the same read check and query pool, the same INSERT rule
// and tables:write), PrepareClose forgets it.
import type { Handles } from "./handles.ts";
import { callerWith } from "./machbase-conn.ts";
import { type CallLike, type Framing, Refusal } from "./rpc.ts";
import type { AnyValue } from "./values.ts";

type Conn = { handle?: string } | null | undefined;
interface StmtRef {
  handle: string;
  conn?: Conn;
}

export function prepareHandlers(
  f: Framing,
  handles: Handles,
  run: {
    openRows(call: CallLike, conn: Conn, sql: string, params: AnyValue[]): Promise<object>;
    insert(call: CallLike, conn: string | undefined, sql: string, params: AnyValue[]): Promise<object>;
  },
) {
  /** the statement behind a handle, if the caller owns it */
  const stmtOf = (call: CallLike, ref: StmtRef | null | undefined) => {
    const { caller } = callerWith(f, handles, call, ref?.conn?.handle || undefined);
    const h = handles.stmts.get(ref?.handle, caller.principal);
    if (!h) throw new Refusal(`statement handle '${ref?.handle ?? ""}' not found`);
    return h;
  };

  return {
    Prepare: f.unary<{ conn?: Conn; sql: string }, object>("Prepare", (call) => {
      const { caller } = callerWith(f, handles, call, call.request.conn?.handle || undefined);
      if (call.request.sql.trim() === "") throw new Refusal("empty sql");
      const h = handles.stmts.add({ principal: caller.principal, sql: call.request.sql });
      if (typeof h === "string") throw new Refusal(h);
      return { stmtHandle: { handle: h.id, conn: call.request.conn ?? null } };
    }),

    PrepareClose: f.unary<StmtRef, object>("PrepareClose", (call) => {
      handles.stmts.delete(stmtOf(call, call.request).id);
      return {};
    }),

    PreparedQuery: f.unary<{ stmt?: StmtRef | null; params?: AnyValue[] }, object>("PreparedQuery", (call) => {
      const st = stmtOf(call, call.request.stmt);
      return run.openRows(call, call.request.stmt?.conn, st.sql, call.request.params ?? []);
    }),

    PreparedExec: f.unary<{ stmt?: StmtRef | null; params?: AnyValue[] }, object>("PreparedExec", (call) => {
      const st = stmtOf(call, call.request.stmt);
      return run.insert(call, call.request.stmt?.conn?.handle || undefined, st.sql, call.request.params ?? []);
    }),
  };
}
