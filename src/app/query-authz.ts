// May this principal run this statement? The table finder asks SQLite which tables it
// reads; each must pass authorize(tables:read) before the query is dispatched to a query
// process. HTTP /db/query and the MQTT db/query topic both ask here.
import { authorize, type Principal } from "../auth/index.ts";
import type { QueryRefusal, TableFinder } from "../query/index.ts";

export type ReadCheck = (principal: Principal, sql: string) => QueryRefusal | undefined;

export function createReadCheck(finder: TableFinder): ReadCheck {
  return (principal, sql) => {
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
