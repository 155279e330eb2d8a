// SuperMQ domains (tenants) in registry.db: id (UUID), name, unique route (used in topics
// in place of the id), tags, metadata, status (enabled | disabled | frozen), created/updated
// by/at. The default domain (lib/domain-id.ts) holds everything made without one. A key
// (client) names its domain; the registry joins the domain's status to every key lookup, so
// a disabled domain stops its keys on the next identify() and current() (the same file's
// data_version moves, so live sessions are re-checked within a second).
import type { Database } from "bun:sqlite";
import { DEFAULT_DOMAIN_ID } from "../lib/domain-id.ts";
import { badRequest, conflict, notFound } from "../lib/errors.ts";
import { noteLocalWrite, openRegistryDb } from "./db.ts";
import { checkEntityFields } from "./entity-fields.ts";

export type DomainState = "enabled" | "disabled" | "frozen";

export interface Domain {
  id: string;
  name: string;
  route: string;
  tags: string[];
  metadata: Record<string, unknown>;
  status: DomainState;
  createdBy: string;
  createdAt: number;
  updatedBy: string;
  updatedAt: number;
}

export interface DomainInput {
  name?: string;
  route?: string;
  tags?: string[];
  metadata?: Record<string, unknown>;
}

export interface Domains {
  create(d: DomainInput & { id?: string }, by: string): Domain;
  list(o?: { offset?: number; limit?: number; status?: DomainState; name?: string }): {
    total: number;
    domains: Domain[];
  };
  get(id: string): Domain | null;
  /** by id or by route (topics and paths may use either) */
  resolve(idOrRoute: string): Domain | null;
  update(id: string, patch: DomainInput, by: string): Domain;
  setStatus(id: string, status: DomainState, by: string): Domain;
  /** the domain whose channel stores its SenML in `table` (or `<table>_SENML`); undefined: the default domain's */
  ofTable(table: string): string | undefined;
  /** refused while keys live in it; the default domain is never deleted */
  delete(id: string): void;
  close(): void;
}

/** SuperMQ's route rule (api/http/common.go ValidateRoute), or a UUID */
const ROUTE_RE = /^[a-zA-Z][a-zA-Z0-9_-]{0,35}$/;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface Row {
  id: string;
  name: string;
  route: string;
  tags: string;
  metadata: string;
  status: string;
  created_by: string;
  created_at: number | bigint;
  updated_by: string;
  updated_at: number | bigint;
}

const toDomain = (r: Row): Domain => ({
  id: r.id,
  name: r.name,
  route: r.route,
  tags: JSON.parse(r.tags) as string[],
  metadata: JSON.parse(r.metadata) as Record<string, unknown>,
  status: r.status === "disabled" || r.status === "frozen" ? r.status : "enabled",
  createdBy: r.created_by,
  createdAt: Number(r.created_at),
  updatedBy: r.updated_by,
  updatedAt: Number(r.updated_at),
});

function checkInput(d: DomainInput): void {
  checkEntityFields(d, "invalid_domain");
  if (d.route !== undefined) {
    const r = d.route;
    if (typeof r !== "string" || !(UUID_RE.test(r) || (ROUTE_RE.test(r) && !r.includes("__") && !r.includes("--"))))
      throw badRequest(
        "invalid_route",
        "route must start with a letter, then letters, digits, _ or - (at most 36), or be a UUID",
      );
  }
}

const iso = (ms: number) => new Date(ms).toISOString();

/** SuperMQ's Domain JSON (the HTTP API and `neo shell domain show`) */
export function domainJson(d: Domain) {
  return {
    id: d.id,
    name: d.name,
    route: d.route,
    tags: d.tags,
    metadata: d.metadata,
    status: d.status,
    created_by: d.createdBy,
    created_at: iso(d.createdAt),
    updated_by: d.updatedBy,
    ...(d.updatedAt !== d.createdAt ? { updated_at: iso(d.updatedAt) } : {}),
  };
}

const isUnique = (e: unknown) => e instanceof Error && /UNIQUE constraint failed/i.test(e.message);

export function openDomains(dataDir: string): Domains {
  const db: Database = openRegistryDb(dataDir);
  const q = {
    get: db.prepare<Row, [string]>("SELECT * FROM domains WHERE id = ?"),
    byRoute: db.prepare<Row, [string]>("SELECT * FROM domains WHERE route = ?"),
    routeNoCase: db.prepare<Row, [string]>("SELECT * FROM domains WHERE route = ? COLLATE NOCASE"),
    tablesOf: db.prepare<{ n: number }, [string]>("SELECT 1 AS n FROM domain_tables WHERE domain_id = ? LIMIT 1"),
    keys: db.prepare<{ n: number }, [string]>("SELECT count(*) AS n FROM clients WHERE domain_id = ?"),
    ofTable: db.prepare<{ domain_id: string }, [string, string, string, string]>(
      "SELECT domain_id FROM (SELECT domain_id, 0 AS o FROM channels WHERE table_name IN (?, ?) UNION ALL SELECT domain_id, 1 FROM domain_tables WHERE table_name IN (?, ?)) ORDER BY o LIMIT 1",
    ),
  };
  const get = (id: string) => {
    const r = q.get.get(id);
    return r ? toDomain(r) : null;
  };
  const mustGet = (id: string) => {
    const d = get(id);
    if (!d) throw notFound("domain_not_found", `domain ${JSON.stringify(id)} not found`);
    return d;
  };
  return {
    create(d, by) {
      if (d.id !== undefined && !UUID_RE.test(d.id)) throw badRequest("invalid_domain", "id must be a UUID");
      if (!d.name) throw badRequest("missing_name", "missing name");
      if (!d.route) throw badRequest("missing_route", "missing route");
      checkInput(d);
      const id = (d.id ?? crypto.randomUUID()).toLowerCase();
      // resolve() reads an id or a route: a UUID route is kept lower case, and neither may be
      // another domain's id or route (else one domain's paths and topics would reach another's)
      const route = UUID_RE.test(d.route) ? d.route.toLowerCase() : d.route;
      // ... nor the id of a deleted domain whose tables are still kept (they would become its)
      if (q.get.get(route.toLowerCase()) ?? q.routeNoCase.get(id) ?? q.tablesOf.get(id))
        throw conflict("domain_exists", `a domain with id or route ${JSON.stringify(route)} or ${id} already exists`);
      const now = Date.now();
      try {
        db.prepare(
          "INSERT INTO domains (id, name, route, tags, metadata, status, created_by, created_at, updated_by, updated_at) VALUES (?, ?, ?, ?, ?, 'enabled', ?, ?, '', ?)",
        ).run(id, d.name, route, JSON.stringify(d.tags ?? []), JSON.stringify(d.metadata ?? {}), by, now, now);
      } catch (e) {
        if (isUnique(e)) throw conflict("domain_exists", `a domain with id ${id} or route "${d.route}" already exists`);
        throw e;
      }
      noteLocalWrite();
      return mustGet(id);
    },
    list(o = {}) {
      const where: string[] = [];
      const args: string[] = [];
      if (o.status) where.push("status = ?") && args.push(o.status);
      if (o.name) where.push("name LIKE ?") && args.push(`%${o.name}%`);
      const w = where.length ? ` WHERE ${where.join(" AND ")}` : "";
      const total = db.prepare<{ n: number }, string[]>(`SELECT count(*) AS n FROM domains${w}`).get(...args)?.n ?? 0;
      const rows = db
        .prepare<Row, (string | number)[]>(`SELECT * FROM domains${w} ORDER BY created_at, id LIMIT ? OFFSET ?`)
        .all(...args, o.limit ?? 10, o.offset ?? 0);
      return { total, domains: rows.map(toDomain) };
    },
    get,
    resolve(s) {
      const r = q.get.get(s.toLowerCase()) ?? q.byRoute.get(s);
      return r ? toDomain(r) : null;
    },
    update(id, patch, by) {
      if (patch.route !== undefined) throw badRequest("invalid_domain", "a domain's route cannot be changed");
      checkInput(patch);
      const cur = mustGet(id);
      db.prepare(
        "UPDATE domains SET name = ?, tags = ?, metadata = ?, updated_by = ?, updated_at = ? WHERE id = ?",
      ).run(
        patch.name ?? cur.name,
        JSON.stringify(patch.tags ?? cur.tags),
        JSON.stringify(patch.metadata ?? cur.metadata),
        by,
        Date.now(),
        cur.id,
      );
      noteLocalWrite();
      return mustGet(cur.id);
    },
    setStatus(id, status, by) {
      const cur = mustGet(id);
      db.prepare("UPDATE domains SET status = ?, updated_by = ?, updated_at = ? WHERE id = ?").run(
        status,
        by,
        Date.now(),
        cur.id,
      );
      noteLocalWrite(); // a disabled domain's keys are refused at once, even a cached token
      return mustGet(cur.id);
    },
    ofTable(table) {
      const t = table.toUpperCase();
      const base = t.endsWith("_SENML") ? t.slice(0, -6) : t;
      const d = q.ofTable.get(t, base, t, base)?.domain_id;
      return d === DEFAULT_DOMAIN_ID ? undefined : d;
    },
    delete(id) {
      const cur = mustGet(id);
      if (cur.id === DEFAULT_DOMAIN_ID) throw conflict("domain_default", "the default domain cannot be deleted");
      const n = q.keys.get(cur.id)?.n ?? 0;
      if (n > 0) throw conflict("domain_not_empty", `domain ${cur.id} still holds ${n} client(s): delete them first`);
      db.transaction(() => {
        db.prepare("DELETE FROM domains WHERE id = ?").run(cur.id);
        // its members and invitations go with it (registry/domain-members.ts)
        db.prepare("DELETE FROM domain_members WHERE domain_id = ?").run(cur.id);
        db.prepare("DELETE FROM domain_invitations WHERE domain_id = ?").run(cur.id);
        // and its dashboards (views of data, not data: registry/dashboards.ts)
        db.prepare("DELETE FROM dashboards WHERE domain_id = ?").run(cur.id);
        // and its groups with their memberships (registry/groups.ts)
        db.prepare("DELETE FROM group_members WHERE group_id IN (SELECT id FROM groups WHERE domain_id = ?)").run(
          cur.id,
        );
        db.prepare("DELETE FROM groups WHERE domain_id = ?").run(cur.id);
      })();
      noteLocalWrite();
    },
    close: () => db.close(),
  };
}
