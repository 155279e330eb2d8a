// May this principal run this statement? The table finder asks SQLite which tables it
// reads; each must pass authorize(tables:read) before the query is dispatched to a query
// process. A principal with no tables:read scope at all may run no query (not even one
// that reads no table: `with recursive ...` costs a query process all the same).
// HTTP /db/query, the MQTT db/query topic, the console and gRPC all ask here.
import { authorize, type Principal } from "../auth/index.ts";
import type { QueryRefusal, TableFinder } from "../query/index.ts";

export type ReadCheck = (principal: Principal, sql: string) => QueryRefusal | undefined;

export function createReadCheck(finder: TableFinder): ReadCheck {
  return (principal, sql) => {
    if (!readsSomething(principal))
      return { ok: false, status: 403, reason: "not allowed to run queries (needs a tables:read scope)" };
    const found = finder.tablesRead(sql);
    // a statement SQLite cannot compile is refused the same way the query process would
    if (!found.ok) return { ok: false, status: found.status, reason: found.reason };
    for (const t of found.tables) {
      const d = authorize(principal, "tables:read", t);
      if (!d.allow) return { ok: false, status: 403, reason: d.reason };
    }
    return undefined;
  };
}

/** does the principal (and whoever it acts within) hold at least one tables:read allow scope? */
function readsSomething(p: Principal): boolean {
  const own = p.scopes.some((s) => !s.deny && s.operation === "tables:read");
  return own && (p.within === undefined || readsSomething(p.within));
}
