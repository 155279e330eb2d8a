// May this principal run this statement? The table finder asks SQLite which tables it
// reads; each must pass authorize(tables:read) before the query is dispatched to a query
// process. A principal with no tables:read scope at all may run no query (not even one
// that reads no table: `with recursive ...` costs a query process all the same).
// HTTP /db/query, the MQTT db/query topic, the console and gRPC all ask here.
// A table that does not exist is answered like one the caller may not read (403 naming it),
// so a scoped key cannot learn which tables exist; a caller that may read it hears "no such table",
// and so does such a caller of another domain's table (authorize()'s `absent`: none in its domain).
import { authorize, type Principal } from "../auth/index.ts";
import { DOMAIN_ROLE_SCOPES } from "../lib/domain-roles.ts";
import type { QueryRefusal, TableFinder } from "../query/index.ts";

/** the decision for one table of a domain (HTTP passes its runner's, which audits a refusal) */
type TableDecision = (table: string, domain?: string) => { allow: boolean; reason?: string; absent?: true };

export type ReadCheck = (principal: Principal, sql: string, decide?: TableDecision) => QueryRefusal | undefined;

const MISSING = /^no such table: (?:main\.)?([A-Za-z_][A-Za-z0-9_]*)$/;

/**
 * The SuperMQ domain a table belongs to (a channel's table: its channel's domain) is
 * authorize()'s own fact (auth/entity-facts.ts), so a key of one domain reads no table of
 * another whatever its scopes say, and the refusal does not tell that other domain.
 */
export function createReadCheck(finder: TableFinder): ReadCheck {
  return (principal, sql, decide) => {
    if (!readsSomething(principal))
      return { ok: false, status: 403, reason: "not allowed to run queries (needs a tables:read scope)" };
    const may: TableDecision =
      decide ??
      ((t, domain) => {
        const d = authorize(principal, "tables:read", t, domain);
        return d.allow ? d : { allow: false, reason: d.reason, ...(d.absent ? { absent: d.absent } : {}) };
      });
    const refused = (t: string) => {
      const d = may(t);
      if (d.allow) return undefined;
      // another domain's table, where a table of that name would be the caller's: none here
      if (d.absent) return { ok: false as const, status: 400, reason: `no such table: ${t}` };
      return { ok: false as const, status: 403, reason: d.reason ?? `not allowed to read table ${t}` };
    };
    const found = finder.tablesRead(sql);
    if (!found.ok) {
      const missing = MISSING.exec(found.reason)?.[1];
      const hidden = missing === undefined ? undefined : refused(missing.toUpperCase());
      // a statement SQLite cannot compile is refused the same way the query process would
      return hidden ?? { ok: false, status: found.status, reason: found.reason };
    }
    for (const t of found.tables) {
      const r = refused(t);
      if (r) return r;
    }
    return undefined;
  };
}

/**
 * does the principal (and whoever it acts within) hold at least one tables:read allow scope,
 * its own or by its role in a domain (a member reads its domain's tables)?
 */
function readsSomething(p: Principal): boolean {
  const byRole = [...(p.roles?.values() ?? [])].some((r) =>
    DOMAIN_ROLE_SCOPES[r].some((s) => s.startsWith("tables:read:")),
  );
  const own = byRole || p.scopes.some((s) => !s.deny && s.operation === "tables:read");
  return own && (p.within === undefined || readsSomething(p.within));
}
