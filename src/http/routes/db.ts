// machbase-neo's /db/* API: GET|POST /db/query, POST /db/write/<table>, GET /db/tables.
// Any API credential (client token or certificate, login access key, PAT; anonymous with
// Auth.AnonymousScopes while token auth is off). The tables a statement reads are decided
// one by one (query-authz in app: tables:read, a missing table answered like a forbidden
// one); a write needs tables:write on the path's table.
import { type Principal, shareKey } from "../../auth/index.ts";
import { badRequest } from "../../lib/errors.ts";
import type { QueryRefusal, QueryService } from "../../query/index.ts";
import type { SeriesStore } from "../../storage/index.ts";
import { API, type RouteContext, type RouteSpec } from "../route.ts";
import { handleQuery } from "./query.ts";
import { handleTables } from "./tables.ts";
import { handleWrite } from "./write.ts";

export interface DbDeps {
  store: SeriesStore;
  /** where /db/query runs (query processes, src/query) */
  queries: QueryService;
  /** may this principal read every table the statement reads? (undefined = yes) */
  readCheck?: (
    principal: Principal,
    sql: string,
    decide?: (table: string, domain?: string) => { allow: boolean; reason?: string; absent?: true },
  ) => QueryRefusal | undefined;
  /** largest request body accepted */
  limit: number;
}

export function dbRoutes(d: DbDeps): RouteSpec[] {
  const query = (req: Request, c: RouteContext) => {
    // Bun closes a request idle for 10 s; a query may run up to Query.Timeout, then answers 504
    c.server?.timeout(req, Math.ceil(d.queries.timeoutMs / 1000) + 30);
    return handleQuery(
      req,
      c.url,
      d.queries,
      d.limit,
      (sql) => (c.principal ? d.readCheck?.(c.principal, sql, (t, dom) => c.check("tables:read", t, dom)) : undefined),
      // the principal's own line in the query pool (fair share)
      shareKey(c.principal, c.address),
    );
  };
  return [
    { method: "GET", path: "/db/query", who: API, handler: query },
    { method: "POST", path: "/db/query", who: API, handler: query },
    {
      method: "POST",
      path: "/db/write/:table",
      who: API,
      scope: { op: "tables:write", target: ":table" },
      handler: (req, c) => handleWrite(req, c.url, c.params.table!, d.store, d.limit),
    },
    { method: "POST", path: "/db/write/", who: API, handler: missingTable },
    {
      method: "GET",
      path: "/db/tables",
      who: API,
      // only the tables the caller may read are listed
      handler: (_req, c) => handleTables(d.store, (t) => c.may("tables:read", t)),
    },
  ];
}

const missingTable = () => {
  throw badRequest("bad_request", "missing table name: POST /db/write/<table>");
};
