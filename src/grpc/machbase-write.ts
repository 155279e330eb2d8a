// machrpc.Machbase writes: Appender + Append (the client stream machbase-neo's fast ingest
// uses) and Exec (INSERT ... VALUES). Both are decided by authorize(tables:write:<table>)
// and go through the write batcher: records of many streams share commits, and AppendDone
// / the Exec reply leave only after every row they count is committed (acked = on disk
// with Storage.Sync "full", as for MQTT db/append).
import { type ServerReadableStream, type sendUnaryData, status } from "@grpc/grpc-js";
import { authorize } from "../auth/index.ts";
import type { Row } from "../ingest/index.ts";
import { normalizeTableName } from "../storage/index.ts";
import { formatElapse } from "../lib/http/elapse.ts";
import type { Handles, LiveStream } from "./handles.ts";
import { bind, parseInsert, timeOf } from "./insert-sql.ts";
import { callerWith } from "./machbase-conn.ts";
import { type CallLike, type Framing, Refusal, RpcError } from "./rpc.ts";
import type { Caller, GrpcDeps } from "./types.ts";
import { type AnyValue, anyToParam, datumToCell, TABLE_TYPE_TAG, TAG_COLUMNS } from "./values.ts";

/** how often an open Append stream asks identify() and authorize() again (a narrowed scope stops it) */
const RECHECK_MS = 250;
/** rows read from a stream but not yet committed, before the stream is paused (HTTP/2 flow control pushes back) */
const MAX_PENDING_ROWS = 100_000;

interface AppendData {
  handle?: { handle?: string; conn?: { handle?: string } | null } | null;
  records?: { tuple?: Record<string, unknown>[] }[];
}

/** one tuple -> a row; machbase-neo's column order NAME, TIME, VALUE */
function rowOf(cells: unknown[], order: readonly [number, number, number]): Row {
  const name = cells[order[0]];
  if (typeof name !== "string" || name === "") throw new Error("NAME must be a non-empty string");
  const value = cells[order[2]];
  let v: number | null;
  if (value === null || value === undefined) v = null;
  else {
    v = typeof value === "object" && value !== null && "raw" in value ? Number(value.raw) : Number(value);
    if (!Number.isFinite(v)) throw new Error(`VALUE must be a number or NULL, got ${String(value)}`);
  }
  return { name, time: timeOf(cells[order[1]]), value: v };
}

const ORDER = [0, 1, 2] as const;

export function writeHandlers(deps: GrpcDeps, f: Framing, handles: Handles) {
  /** may the caller write this table? (the table name as storage names it) */
  function mayWrite(c: Caller, table: string): string {
    // the store's own rule for table names (its NeoError is answered as the reply's reason)
    const t = normalizeTableName(table.trim());
    const d = authorize(c.principal, "tables:write", t);
    if (!d.allow) {
      f.denied(c, "tables:write", t, d.reason);
      throw new Refusal(d.reason);
    }
    return t;
  }

  /** Exec's work (PreparedExec's too): INSERT ... VALUES into rows, committed through the batcher */
  async function insert(call: CallLike, connHandle: string | undefined, sql: string, params: AnyValue[]) {
    const { caller } = callerWith(f, handles, call, connHandle);
    let rows: Row[];
    let table: string;
    try {
      const st = parseInsert(sql);
      table = mayWrite(caller, st.table);
      const values = params.map((p) => anyToParam(p));
      rows = st.tuples.map((t) => rowOf(bind(t, values), st.order));
    } catch (e) {
      if (e instanceof Refusal) throw e;
      throw new Refusal(e instanceof Error ? e.message : String(e));
    }
    const n = await deps.write(table, rows);
    return { reason: `${n} row${n === 1 ? "" : "s"} inserted.`, rowsAffected: String(n) };
  }

  return {
    insert,
    Appender: f.unary<{ conn?: { handle?: string } | null; tableName: string }, object>("Appender", (call) => {
      const { caller } = callerWith(f, handles, call, call.request.conn?.handle ?? undefined);
      const table = mayWrite(caller, call.request.tableName);
      const h = handles.appenders.add({ principal: caller.principal, table });
      if (typeof h === "string") throw new Refusal(h);
      return {
        handle: { handle: h.id, conn: call.request.conn ?? null },
        tableName: table,
        tableType: TABLE_TYPE_TAG,
        columns: TAG_COLUMNS,
      };
    }),

    Exec: f.unary<{ conn?: { handle?: string } | null; sql: string; params?: AnyValue[] }, object>("Exec", (call) =>
      insert(call, call.request.conn?.handle || undefined, call.request.sql, call.request.params ?? []),
    ),

    Append(call: ServerReadableStream<AppendData, object>, cb: sendUnaryData<object>) {
      const t0 = performance.now();
      let caller: Caller | undefined;
      let table: string | undefined;
      let handleId: string | undefined;
      let ok = 0;
      let failed = 0;
      let pending = 0;
      let done = false;
      const inFlight = new Set<Promise<void>>();
      const finish = (e: RpcError | null) => {
        if (done) return;
        done = true;
        if (live) handles.streams.delete(live);
        f.count("Append", e ? e.code : status.OK);
        if (e) {
          cb({ code: e.code, details: e.message });
          call.destroy();
          return;
        }
        const elapse = formatElapse(performance.now() - t0);
        cb(null, { success: true, reason: "success", elapse, successCount: String(ok), failCount: String(failed) });
      };
      let live: LiveStream | undefined;
      let checkedAt = 0;
      /** current(ref) now and then while the stream runs: still usable, and may it still write the table? */
      const recheck = () => {
        if (performance.now() - checkedAt < RECHECK_MS || !table || !caller) return;
        checkedAt = performance.now();
        const cur = deps.current(caller.principal);
        if (!cur.ok) throw new RpcError(status.UNAUTHENTICATED, cur.reason);
        const now = { ...caller, principal: cur.principal };
        const d = authorize(now.principal, "tables:write", table);
        if (!d.allow) {
          f.denied(now, "tables:write", table, d.reason);
          throw new RpcError(status.PERMISSION_DENIED, d.reason);
        }
      };

      call.on("data", (m: AppendData) => {
        if (done) return;
        try {
          if (!caller) {
            handleId = m.handle?.handle ?? "";
            const c = (caller = callerWith(f, handles, call, m.handle?.conn?.handle || undefined).caller);
            checkedAt = performance.now();
            const h = handles.appenders.get(handleId, c.principal);
            if (!h) throw new RpcError(status.NOT_FOUND, `handle '${handleId}' not found`);
            table = h.table;
            live = {
              principal: c.principal,
              end: (why, reason) =>
                finish(new RpcError(why === "revoked" ? status.UNAUTHENTICATED : status.UNAVAILABLE, reason)),
            };
            handles.streams.add(live);
          } else if ((m.handle?.handle ?? handleId) !== handleId) {
            throw new RpcError(status.INVALID_ARGUMENT, "not allowed changing handle in a stream");
          } else recheck();
        } catch (e) {
          if (e instanceof RpcError) return finish(e);
          const msg = e instanceof Error ? e.message : String(e);
          return finish(new RpcError(e instanceof Refusal ? status.NOT_FOUND : status.INTERNAL, msg));
        }
        const rows: Row[] = [];
        for (const rec of m.records ?? []) {
          try {
            rows.push(rowOf((rec.tuple ?? []).map(datumToCell), ORDER));
          } catch {
            failed++;
          }
        }
        if (rows.length === 0) return;
        pending += rows.length;
        if (pending > MAX_PENDING_ROWS) call.pause();
        const p: Promise<void> = deps.write(table as string, rows).then(
          (n) => {
            ok += n;
          },
          (e: unknown) => {
            failed += rows.length;
            const reason = e instanceof Error ? e.message : String(e);
            const full = /storage_full|no space|full/i.test(reason);
            finish(new RpcError(full ? status.RESOURCE_EXHAUSTED : status.INTERNAL, reason));
          },
        );
        inFlight.add(p);
        void p.finally(() => {
          inFlight.delete(p);
          pending -= rows.length;
          if (pending <= MAX_PENDING_ROWS / 2 && call.isPaused()) call.resume();
        });
      });
      call.on("end", () => {
        void Promise.all(inFlight).then(() => {
          if (handleId) handles.appenders.delete(handleId);
          finish(null);
        });
      });
      call.on("error", () => {
        done = true;
        if (live) handles.streams.delete(live);
      });
    },
  };
}
