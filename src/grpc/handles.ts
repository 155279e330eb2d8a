// The server-side state machbase-neo's protocol keeps between calls: connections (Conn),
// result sets (Query -> RowsFetch) and appenders, each owned by the principal that opened
// it, bounded per owner and in all, dropped when idle, and ended at once when the owner's
// credential stops being usable (the live re-check calls `sweep`).
import { randomHex } from "../lib/secret-bytes.ts";
import type { Identified } from "../auth/index.ts";
import type { QueryCells } from "../query/index.ts";
import type { Gone } from "./types.ts";

interface Owned {
  id: string;
  principal: Identified;
  created: number;
  used: number;
}
export interface ConnHandle extends Owned {
  /** what Conn presented besides the transport's credentials (re-identified on every call) */
  user?: string;
  password?: string;
  latestSql?: string;
  latestSqlTime?: number;
}
export interface RowsHandle extends Owned {
  cells: QueryCells;
  /** estimated memory the unread rows hold (counted against the result budgets) */
  bytes: number;
  pos: number;
  sql: string;
}
export interface AppenderHandle extends Owned {
  table: string;
}
/** a prepared statement (Prepare): its text, run by PreparedQuery / PreparedExec */
export interface StatementHandle extends Owned {
  sql: string;
}
/** an open Append stream: ended when its credential goes ("revoked") or the server stops */
export interface LiveStream {
  principal: Identified;
  end(why: "revoked" | "stopping", reason: string): void;
}

export const MAX_PER_OWNER = 64;
const MAX_TOTAL = 10_000;
export const IDLE_MS = 30 * 60_000;
/** memory result sets waiting for RowsFetch may hold, in all and per principal */
export const RESULT_BUDGET = { total: 64 * 1024 * 1024, perOwner: 32 * 1024 * 1024 };

/** same principal: the same kind and id (a key, or a user) */
export const samePrincipal = (a: Identified, b: Identified) => a.kind === b.kind && a.id === b.id;

function table<T extends Owned & { bytes?: number }>(what: string, budget?: typeof RESULT_BUDGET) {
  const map = new Map<string, T>();
  return {
    map,
    add(item: Omit<T, "id" | "created" | "used">): T | string {
      const owned = [...map.values()].filter((h) => samePrincipal(h.principal, item.principal));
      if (owned.length >= MAX_PER_OWNER) return `too many open ${what}s (${MAX_PER_OWNER}); close some first`;
      if (map.size >= MAX_TOTAL) return `too many open ${what}s on this server; try again later`;
      if (budget && item.bytes !== undefined) {
        const sum = (hs: Iterable<T>) => {
          let n = 0;
          for (const h of hs) n += h.bytes ?? 0;
          return n;
        };
        if (sum(owned) + item.bytes > budget.perOwner)
          return `your unread ${what}s hold too much memory (${budget.perOwner} bytes); fetch or close some first`;
        if (sum(map.values()) + item.bytes > budget.total)
          return `unread ${what}s on this server hold too much memory; try again later`;
      }
      const now = Date.now();
      const h = { ...item, id: randomHex(12), created: now, used: now } as T;
      map.set(h.id, h);
      return h;
    },
    /** the handle if it exists and belongs to this caller */
    get(id: string | undefined, caller: Identified): T | undefined {
      const h = id ? map.get(id) : undefined;
      if (!h || !samePrincipal(h.principal, caller)) return undefined;
      h.used = Date.now();
      return h;
    },
    delete: (id: string) => map.delete(id),
  };
}

export function createHandles() {
  const conns = table<ConnHandle>("connection");
  const rows = table<RowsHandle>("result set", RESULT_BUDGET);
  const appenders = table<AppenderHandle>("appender");
  const stmts = table<StatementHandle>("prepared statement");
  const streams = new Set<LiveStream>();
  const all = () => [...conns.map.values(), ...rows.map.values(), ...appenders.map.values(), ...stmts.map.values()];

  return {
    conns,
    rows,
    appenders,
    stmts,
    streams,
    /** everything a principal holds, for mgmt Sessions */
    list: () => [...conns.map.values()],
    /** close a connection and what was opened on it by its owner */
    closeConn(id: string): boolean {
      return conns.delete(id);
    },
    /**
     * Drop what idled too long, and everything of principals `revoked` names (their
     * streams end with current()'s reason). `revoked` returns the entries whose credential went.
     */
    sweep(revoked: <T extends { principal: Identified }>(live: readonly T[]) => Gone<T>[], now = Date.now()): number {
      let dropped = 0;
      for (const t of [conns.map, rows.map, appenders.map, stmts.map] as Map<string, Owned>[])
        for (const [id, h] of t)
          if (now - h.used > IDLE_MS) {
            t.delete(id);
            dropped++;
          }
      const gone = revoked([...all(), ...streams]);
      for (const { entry: g, reason } of gone) {
        if ("end" in g) {
          streams.delete(g);
          g.end("revoked", reason);
        } else {
          conns.delete((g as Owned).id);
          rows.delete((g as Owned).id);
          appenders.delete((g as Owned).id);
          stmts.delete((g as Owned).id);
        }
        dropped++;
      }
      return dropped;
    },
    stats: () => ({ conns: conns.map.size, rows: rows.map.size, appenders: appenders.map.size, streams: streams.size }),
    clear() {
      for (const s of streams) s.end("stopping", "the gateway is stopping");
      streams.clear();
      conns.map.clear();
      rows.map.clear();
      appenders.map.clear();
      stmts.map.clear();
    },
  };
}

export type Handles = ReturnType<typeof createHandles>;
