// The HTTP server's route table: one line per route (method, path, auth requirement,
// handler). The table answers 404 and 405; handler.ts runs the auth requirement before
// the handler. To add a route, add a line here (and its handler under routes/).
import { authorize, shareKey } from "../../auth/index.ts";
import { badRequest, forbidden } from "../../lib/errors.ts";
import type { HttpContext, HttpRoute, RouteDeps } from "../types.ts";
import { handleHealth } from "./health.ts";
import { handleMetrics } from "./metrics.ts";
import { handleQuery } from "./query.ts";
import { handleTables } from "./tables.ts";
import { handleWrite } from "./write.ts";

export function httpRoutes(d: RouteDeps): HttpRoute[] {
  const query = (req: Request, c: HttpContext) => {
    // Bun closes a request idle for 10 s; a query may run up to Query.Timeout, then answers 504
    c.server?.timeout(req, Math.ceil(d.queries.timeoutMs / 1000) + 30);
    return handleQuery(
      req,
      c.url,
      d.queries,
      d.limit,
      (sql) => (c.principal ? d.readCheck?.(c.principal, sql) : undefined),
      shareKey(c.principal, c.clientIp),
    );
  };
  return [
    { method: "GET", path: "/health", auth: "none", handler: () => handleHealth(d.startedAt, d.store.storageState()) },
    {
      method: "GET",
      path: "/db/tables",
      auth: "client",
      // without a principal (Auth off) every table is listed, as every table may be read
      handler: (_req, c) =>
        handleTables(d.store, (t) => !c.principal || authorize(c.principal, "tables:read", t).allow),
    },
    { method: "GET", path: "/db/query", auth: "client", handler: query },
    { method: "POST", path: "/db/query", auth: "client", handler: query },
    {
      method: "POST",
      path: "/db/write/:table",
      auth: "client",
      handler: (req, c) => {
        const table = c.params.table!;
        const p = c.principal;
        const may = p ? authorize(p, "tables:write", table) : undefined;
        if (may && !may.allow) throw forbidden("forbidden", may.reason);
        return handleWrite(req, c.url, table, d.store, d.limit);
      },
    },
    { method: "POST", path: "/db/write/", auth: "client", handler: missingTable },
    ...(d.metrics ? [metricsRoute(d.metrics)] : []),
    ...(d.extra ?? []),
  ];
}

const metricsRoute = (render: () => string): HttpRoute => ({
  method: "GET",
  path: "/metrics",
  auth: "metrics",
  handler: () => handleMetrics(render),
});

const missingTable = () => {
  throw badRequest("bad_request", "missing table name: POST /db/write/<table>");
};
