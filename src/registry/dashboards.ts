// Dashboards (SuperMQ's dashboards entity) in registry.db: saved views of series data, per
// domain. A dashboard has an owner (the user or key that made it) and is shown to the owner
// and to whom it is shared with: every member of its domain, or named users. What each may
// DO with a dashboard it is shown is decided by authorize() (dashboards:<op>:<id> scopes in
// the dashboard's domain), never here. Panels and the time range are the HTTP layer's JSON
// (validated there, http/routes/dashboard-spec.ts): this store keeps them as given.
import type { Database } from "bun:sqlite";
import { badRequest, conflict, notFound } from "../lib/errors.ts";
import { openRegistryDb } from "./db.ts";

interface DashboardShare {
  /** shown to every member of the dashboard's domain */
  members: boolean;
  /** shown to these users (names) */
  users: string[];
}

export interface Dashboard {
  id: string;
  domainId: string;
  name: string;
  description: string;
  /** who made it: a principal id (`user:<name>` for a user and its PATs, a key's id) */
  owner: string;
  panels: unknown[];
  timeRange: unknown;
  refresh: string;
  share: DashboardShare;
  createdBy: string;
  createdAt: number;
  updatedBy: string;
  updatedAt: number;
}

interface DashboardFields {
  name?: string;
  description?: string;
  panels?: unknown[];
  timeRange?: unknown;
  refresh?: string;
}

export interface Dashboards {
  create(d: DashboardFields & { id?: string; domainId: string; name: string; owner: string }, by: string): Dashboard;
  /** the domain's dashboards shown to `viewer` (owned or shared), oldest first; null: every one (the operator's CLI) */
  list(
    domainId: string,
    viewer: Viewer | null,
    o?: { offset?: number; limit?: number; name?: string },
  ): {
    total: number;
    dashboards: Dashboard[];
  };
  get(id: string): Dashboard | null;
  update(id: string, patch: DashboardFields, by: string): Dashboard;
  /** add to (share) or take from (unshare) whom it is shown; a shared user must exist (400 unknown_user) */
  share(id: string, change: Partial<DashboardShare>, on: boolean, by: string): Dashboard;
  delete(id: string): void;
  close(): void;
}

/**
 * Who looks: its principal id, and for a user (or its PAT) the user's name, which is what
 * sharing names. A key never matches a user's share, even one spelled like the user's name.
 */
export interface Viewer {
  id: string;
  user?: string;
}

/** is `viewer` shown this dashboard (theirs, or shared with every member or with them)? */
export function shownTo(d: Dashboard, viewer: Viewer): boolean {
  return d.owner === viewer.id || d.share.members || (viewer.user !== undefined && d.share.users.includes(viewer.user));
}

interface Row {
  id: string;
  domain_id: string;
  name: string;
  description: string;
  owner: string;
  panels: string;
  time_range: string;
  refresh: string;
  share_members: number | bigint;
  share_users: string;
  created_by: string;
  created_at: number | bigint;
  updated_by: string;
  updated_at: number | bigint;
}

const toDashboard = (r: Row): Dashboard => ({
  id: r.id,
  domainId: r.domain_id,
  name: r.name,
  description: r.description,
  owner: r.owner,
  panels: JSON.parse(r.panels) as unknown[],
  timeRange: JSON.parse(r.time_range) as unknown,
  refresh: r.refresh,
  share: { members: Number(r.share_members) === 1, users: JSON.parse(r.share_users) as string[] },
  createdBy: r.created_by,
  createdAt: Number(r.created_at),
  updatedBy: r.updated_by,
  updatedAt: Number(r.updated_at),
});

const SHOWN =
  "(owner = ? OR share_members = 1 OR (? IS NOT NULL AND EXISTS (SELECT 1 FROM json_each(share_users) WHERE value = ?)))";
const isUnique = (e: unknown) => e instanceof Error && /UNIQUE constraint failed/i.test(e.message);

export function openDashboards(dataDir: string): Dashboards {
  const db: Database = openRegistryDb(dataDir);
  const q = {
    get: db.prepare<Row, [string]>("SELECT * FROM dashboards WHERE id = ?"),
    insert: db.prepare(
      `INSERT INTO dashboards (id, domain_id, name, description, owner, panels, time_range, refresh,
         share_members, share_users, created_by, created_at, updated_by, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, '[]', ?, ?, '', ?)`,
    ),
    update: db.prepare(
      `UPDATE dashboards SET name = ?, description = ?, panels = ?, time_range = ?, refresh = ?,
         updated_by = ?, updated_at = ? WHERE id = ?`,
    ),
    share: db.prepare(
      "UPDATE dashboards SET share_members = ?, share_users = ?, updated_by = ?, updated_at = ? WHERE id = ?",
    ),
    delete: db.prepare("DELETE FROM dashboards WHERE id = ?"),
  };
  /**
   * Every named user exists NOW, checked in the writing transaction: a user deleted meanwhile
   * (`neo shell user del`, another process: registry/user-leftovers.ts) can never be left as
   * an owner or in a share for a later user of the same name to inherit.
   */
  const mustExist = (names: readonly string[]) => {
    const hasUsers = db.query("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'web_users'").get();
    for (const n of names)
      if (!hasUsers || !db.query("SELECT 1 FROM web_users WHERE name = ?").get(n))
        throw badRequest("unknown_user", `there is no user ${JSON.stringify(n)}`);
  };
  const userOf = (owner: string) => (owner.startsWith("user:") ? [owner.slice(5)] : []);
  const get = (id: string) => {
    const r = q.get.get(id);
    return r ? toDashboard(r) : null;
  };
  const mustGet = (id: string) => {
    const d = get(id);
    if (!d) throw notFound("dashboard_not_found", `dashboard ${JSON.stringify(id)} not found`);
    return d;
  };
  /** a new updated_at that is never the created_at (so "was it updated" is a comparison) */
  const later = (d: Dashboard) => Math.max(Date.now(), d.createdAt + 1);
  return {
    create(d, by) {
      const id = (d.id ?? crypto.randomUUID()).toLowerCase();
      const now = Date.now();
      try {
        db.transaction(() => {
          mustExist(userOf(d.owner));
          q.insert.run(
            id,
            d.domainId,
            d.name,
            d.description ?? "",
            d.owner,
            JSON.stringify(d.panels ?? []),
            JSON.stringify(d.timeRange ?? { last: "1h" }),
            d.refresh ?? "off",
            by,
            now,
            now,
          );
        }).immediate();
      } catch (e) {
        if (isUnique(e)) throw conflict("dashboard_exists", `a dashboard with id ${id} already exists`);
        throw e;
      }
      return mustGet(id);
    },
    list(domainId, viewer, o = {}) {
      const where = viewer ? ["domain_id = ?", SHOWN] : ["domain_id = ?"];
      const args: (string | number | null)[] = viewer
        ? [domainId, viewer.id, viewer.user ?? null, viewer.user ?? null]
        : [domainId];
      if (o.name) where.push("name LIKE ?") && args.push(`%${o.name}%`);
      const w = ` WHERE ${where.join(" AND ")}`;
      const n = db.prepare<{ n: number | bigint }, (string | number | null)[]>(
        `SELECT count(*) AS n FROM dashboards${w}`,
      );
      const total = Number(n.get(...args)?.n ?? 0);
      const rows = db
        .prepare<Row, (string | number | null)[]>(
          `SELECT * FROM dashboards${w} ORDER BY created_at, id LIMIT ? OFFSET ?`,
        )
        .all(...args, o.limit ?? 10, o.offset ?? 0);
      return { total, dashboards: rows.map(toDashboard) };
    },
    get,
    update(id, patch, by) {
      const cur = mustGet(id);
      q.update.run(
        patch.name ?? cur.name,
        patch.description ?? cur.description,
        JSON.stringify(patch.panels ?? cur.panels),
        JSON.stringify(patch.timeRange ?? cur.timeRange),
        patch.refresh ?? cur.refresh,
        by,
        later(cur),
        cur.id,
      );
      return mustGet(cur.id);
    },
    share(id, change, on, by) {
      // read, check and write in one transaction: no share lost to a concurrent one, no name
      // of a user deleted meanwhile
      return db
        .transaction(() => {
          const cur = mustGet(id);
          if (on) mustExist(change.users ?? []);
          // {members: true} shares with (or unshares from) every member; absent or false: unchanged
          const members = change.members ? on : cur.share.members;
          const users = new Set(cur.share.users);
          for (const u of change.users ?? []) on ? users.add(u) : users.delete(u);
          q.share.run(members ? 1 : 0, JSON.stringify([...users].sort()), by, later(cur), cur.id);
          return mustGet(cur.id);
        })
        .immediate();
    },
    delete(id) {
      q.delete.run(mustGet(id).id);
    },
    close: () => db.close(),
  };
}
