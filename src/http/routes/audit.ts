// The audit trail: GET /audit (SuperMQ-shaped, for scripts: any credential neo knows) and
// the console's GET /web/api/audit (a web session), both `audit:read:*` (ADMIN holds it).
// Filters: client, user, result=ok|fail, kind=auth|change|ban|deny, since=1h|<date>,
// limit; newest first. A valid credential without the scope gets 403, never 401.
import { ok } from "../../lib/http/respond.ts";
import { ANY, CONSOLE, type RouteSpec } from "../route.ts";

export interface AuditDeps {
  /** the events matching these filters, as JSON for scripts (a bad filter throws a 400) */
  query(filters: Record<string, string>): unknown[];
}

export function auditRoutes(d: AuditDeps): RouteSpec[] {
  const read = (_: Request, c: { url: URL; started: number }) =>
    ok(c.started, { data: d.query(Object.fromEntries(c.url.searchParams)) });
  return [
    { method: "GET", path: "/audit", who: ANY, scope: { op: "audit:read", target: "*" }, handler: read },
    { method: "GET", path: "/web/api/audit", who: CONSOLE, scope: { op: "audit:read", target: "*" }, handler: read },
  ];
}
