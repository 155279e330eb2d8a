// SuperMQ groups in registry.db: a group lives in one domain, may have a parent group of the
// same domain (no cycles, at most MAX_DEPTH levels), and holds channels and clients (each
// a member of at most one group, SuperMQ's parent_group_id). What authorize() needs of it
// is `facts(kind, id)`: the enabled groups above an entity (its group and that group's
// ancestors) and whether a channel is disabled (auth/entity-facts.ts caches the answer).
import type { Database } from "bun:sqlite";
import { badRequest, conflict, notFound } from "../lib/errors.ts";
import { noteLocalWrite, openRegistryDb } from "./db.ts";
import { checkEntityFields } from "./entity-fields.ts";

export type GroupStatus = "enabled" | "disabled";
type MemberKind = "channel" | "client";

export interface Group {
  id: string;
  domainId: string;
  parentId: string | null;
  name: string;
  description: string;
  tags: string[];
  metadata: Record<string, unknown>;
  status: GroupStatus;
  createdBy: string;
  createdAt: number;
  updatedBy: string;
  updatedAt: number;
}

export interface GroupInput {
  name?: string;
  description?: string;
  tags?: string[];
  metadata?: Record<string, unknown>;
}

/** what authorize() asks about a resource (auth/entity-facts.ts) */
interface EntityFacts {
  /** the enabled groups above it, nearest first */
  groups: string[];
  /** a channel that is disabled (publish and subscribe refused) */
  disabled: boolean;
}

export interface Groups {
  create(g: GroupInput & { domainId: string; parentId?: string; status?: GroupStatus }, by: string): Group;
  get(id: string): Group | null;
  list(domainId: string): Group[];
  update(id: string, patch: GroupInput, by: string): Group;
  setStatus(id: string, status: GroupStatus, by: string): Group;
  /** its members are released and its subgroups become top-level */
  delete(id: string): void;
  /** null: top-level; refused when it would make a cycle or cross domains */
  setParent(id: string, parentId: string | null, by: string): Group;
  /** the entity joins the group; one of another domain (or none) is 404, one in another group 409 */
  assign(kind: MemberKind, entityId: string, groupId: string): void;
  /** the domain a channel or client lives in, or null when there is none */
  domainOf(kind: MemberKind, entityId: string): string | null;
  unassign(kind: MemberKind, entityId: string): boolean;
  groupOf(kind: MemberKind, entityId: string): string | null;
  members(groupId: string): { kind: MemberKind; id: string }[];
  facts(kind: MemberKind | "group", id: string): EntityFacts;
  close(): void;
}

const MAX_DEPTH = 16;

/** the groups from the one `seed` selects up to the top, nearest first */
const ABOVE = (seed: string) => `
  WITH RECURSIVE up(id, depth) AS (
    ${seed.replace("SELECT group_id", "SELECT group_id, 0").replace("SELECT parent_id", "SELECT parent_id, 0")}
    UNION ALL SELECT g.parent_id, up.depth + 1 FROM groups g JOIN up ON g.id = up.id
      WHERE g.parent_id IS NOT NULL AND up.depth < ${MAX_DEPTH})
  SELECT g.id, g.status FROM up JOIN groups g ON g.id = up.id ORDER BY up.depth`;

interface Row {
  id: string;
  domain_id: string;
  parent_id: string | null;
  name: string;
  description: string;
  tags: string;
  metadata: string;
  status: string;
  created_by: string;
  created_at: number | bigint;
  updated_by: string;
  updated_at: number | bigint;
}

const toGroup = (r: Row): Group => ({
  id: r.id,
  domainId: r.domain_id,
  parentId: r.parent_id,
  name: r.name,
  description: r.description,
  tags: JSON.parse(r.tags) as string[],
  metadata: JSON.parse(r.metadata) as Record<string, unknown>,
  status: r.status === "disabled" ? "disabled" : "enabled",
  createdBy: r.created_by,
  createdAt: Number(r.created_at),
  updatedBy: r.updated_by,
  updatedAt: Number(r.updated_at),
});

function checkInput(g: GroupInput): void {
  checkEntityFields(g, "invalid_group");
  if (g.description !== undefined && (typeof g.description !== "string" || g.description.length > 4096))
    throw badRequest("invalid_group", "description must be a string (at most 4096 characters)");
}

const iso = (ms: number) => new Date(ms).toISOString();

/** SuperMQ's Group JSON (the HTTP API and `neo shell group show`) */
export function groupJson(g: Group) {
  return {
    id: g.id,
    name: g.name,
    domain_id: g.domainId,
    ...(g.parentId ? { parent_id: g.parentId } : {}),
    description: g.description,
    tags: g.tags,
    metadata: g.metadata,
    status: g.status,
    created_by: g.createdBy,
    created_at: iso(g.createdAt),
    updated_by: g.updatedBy,
    ...(g.updatedAt !== g.createdAt ? { updated_at: iso(g.updatedAt) } : {}),
  };
}

export function openGroups(dataDir: string): Groups {
  const db: Database = openRegistryDb(dataDir);
  const q = {
    get: db.prepare<Row, [string]>("SELECT * FROM groups WHERE id = ?"),
    list: db.prepare<Row, [string]>("SELECT * FROM groups WHERE domain_id = ? ORDER BY created_at, rowid"),
    groupOf: db.prepare<{ group_id: string }, [string, string]>(
      "SELECT group_id FROM group_members WHERE kind = ? AND entity_id = ?",
    ),
    members: db.prepare<{ kind: string; entity_id: string }, [string]>(
      "SELECT kind, entity_id FROM group_members WHERE group_id = ? ORDER BY kind, entity_id",
    ),
    channelStatus: db.prepare<{ status: string }, [string]>("SELECT status FROM channels WHERE id = ?"),
    // the groups above an entity, nearest first, in one statement (bounded: a damaged chain cannot loop)
    aboveMember: db.prepare<{ id: string; status: string }, [string, string]>(
      `${ABOVE("SELECT group_id FROM group_members WHERE kind = ? AND entity_id = ?")}`,
    ),
    aboveGroup: db.prepare<{ id: string; status: string }, [string]>(
      `${ABOVE("SELECT parent_id FROM groups WHERE id = ? AND parent_id IS NOT NULL")}`,
    ),
    channelDomain: db.prepare<{ domain_id: string }, [string]>("SELECT domain_id FROM channels WHERE id = ?"),
    clientDomain: db.prepare<{ domain_id: string }, [string]>("SELECT domain_id FROM clients WHERE id = ?"),
  };
  const get = (id: string) => {
    const r = q.get.get(id);
    return r ? toGroup(r) : null;
  };
  const mustGet = (id: string) => {
    const g = get(id);
    if (!g) throw notFound("group_not_found", `group ${JSON.stringify(id)} not found`);
    return g;
  };
  /** the group and its ancestors, nearest first (bounded: a damaged chain cannot loop) */
  const chain = (id: string | null): Group[] => {
    const out: Group[] = [];
    for (
      let cur = id ? get(id) : null;
      cur && out.length < MAX_DEPTH + 1;
      cur = cur.parentId ? get(cur.parentId) : null
    )
      out.push(cur);
    return out;
  };
  const touch = (id: string, by: string) =>
    db.prepare("UPDATE groups SET updated_by = ?, updated_at = ? WHERE id = ?").run(by, Date.now(), id);
  const checkParent = (id: string | null, parentId: string, domainId: string) => {
    const parent = mustGet(parentId);
    if (parent.domainId !== domainId) throw notFound("group_not_found", `group ${JSON.stringify(parentId)} not found`);
    const up = chain(parentId);
    if (id !== null && up.some((g) => g.id === id))
      throw conflict("group_cycle", `group ${parentId} is ${id} or one of its subgroups: no group may contain itself`);
    if (up.length >= MAX_DEPTH) throw badRequest("group_too_deep", `groups nest at most ${MAX_DEPTH} levels`);
  };
  const domainOf = (kind: MemberKind, id: string) =>
    (kind === "channel" ? q.channelDomain.get(id) : q.clientDomain.get(id))?.domain_id ?? null;
  return {
    create(g, by) {
      if (!g.name) throw badRequest("missing_name", "missing name");
      checkInput(g);
      if (g.status !== undefined && g.status !== "enabled" && g.status !== "disabled")
        throw badRequest("invalid_group", 'status must be "enabled" or "disabled"');
      if (g.parentId) checkParent(null, g.parentId, g.domainId);
      const id = crypto.randomUUID();
      const now = Date.now();
      db.prepare(
        `INSERT INTO groups (id, domain_id, parent_id, name, description, tags, metadata, status, created_by, created_at, updated_by, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', ?)`,
      ).run(
        id,
        g.domainId,
        g.parentId ?? null,
        g.name,
        g.description ?? "",
        JSON.stringify(g.tags ?? []),
        JSON.stringify(g.metadata ?? {}),
        g.status ?? "enabled",
        by,
        now,
        now,
      );
      return mustGet(id);
    },
    get,
    list: (domainId) => q.list.all(domainId).map(toGroup),
    update(id, patch, by) {
      checkInput(patch);
      const cur = mustGet(id);
      db.prepare(
        "UPDATE groups SET name = ?, description = ?, tags = ?, metadata = ?, updated_by = ?, updated_at = ? WHERE id = ?",
      ).run(
        patch.name ?? cur.name,
        patch.description ?? cur.description,
        JSON.stringify(patch.tags ?? cur.tags),
        JSON.stringify(patch.metadata ?? cur.metadata),
        by,
        Date.now(),
        cur.id,
      );
      return mustGet(cur.id);
    },
    setStatus(id, status, by) {
      const cur = mustGet(id);
      db.prepare("UPDATE groups SET status = ? WHERE id = ?").run(status, cur.id);
      touch(cur.id, by);
      noteLocalWrite(); // rights move: the registry's version moves at once
      return mustGet(cur.id);
    },
    delete(id) {
      const cur = mustGet(id);
      db.transaction(() => {
        db.prepare("DELETE FROM group_members WHERE group_id = ?").run(cur.id);
        db.prepare("UPDATE groups SET parent_id = NULL WHERE parent_id = ?").run(cur.id);
        db.prepare("DELETE FROM groups WHERE id = ?").run(cur.id);
      }).immediate();
      noteLocalWrite();
    },
    setParent(id, parentId, by) {
      const cur = mustGet(id);
      if (parentId !== null) {
        if (parentId === cur.id) throw badRequest("group_cycle", "a group cannot be its own parent");
        checkParent(cur.id, parentId, cur.domainId);
      }
      db.prepare("UPDATE groups SET parent_id = ? WHERE id = ?").run(parentId, cur.id);
      touch(cur.id, by);
      noteLocalWrite();
      return mustGet(cur.id);
    },
    domainOf,
    assign(kind, entityId, groupId) {
      if (domainOf(kind, entityId) !== mustGet(groupId).domainId)
        throw notFound(`${kind}_not_found`, `${kind} ${JSON.stringify(entityId)} not found in the group's domain`);
      const now = q.groupOf.get(kind, entityId)?.group_id;
      if (now === groupId) return;
      if (now !== undefined)
        throw conflict("group_member", `${kind} ${entityId} is already in group ${now}: remove it from there first`);
      db.prepare("INSERT INTO group_members (kind, entity_id, group_id) VALUES (?, ?, ?)").run(kind, entityId, groupId);
      noteLocalWrite();
    },
    unassign(kind, entityId) {
      const gone =
        db.prepare("DELETE FROM group_members WHERE kind = ? AND entity_id = ?").run(kind, entityId).changes > 0;
      if (gone) noteLocalWrite();
      return gone;
    },
    groupOf: (kind, entityId) => q.groupOf.get(kind, entityId)?.group_id ?? null,
    members: (groupId) => q.members.all(groupId).map((r) => ({ kind: r.kind as MemberKind, id: r.entity_id })),
    facts(kind, id) {
      const rows = kind === "group" ? q.aboveGroup.all(id) : q.aboveMember.all(kind, id);
      const groups = rows.filter((r) => r.status === "enabled").map((r) => r.id);
      const disabled = kind === "channel" && q.channelStatus.get(id)?.status === "disabled";
      return { groups, disabled };
    },
    close: () => db.close(),
  };
}
