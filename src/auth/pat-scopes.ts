// SuperMQ's PAT scopes ({"entity_type","operation","entity_id","optional_domain_id"})
// onto neo's scope model (lib/scopes.ts). SuperMQ's entity types that neo has:
//   channels publish|subscribe      -> channels:publish|subscribe:<id>
//   channels create|read|list|delete|update -> channels:create, channels:list, channels:list,
//                                      channels:delete, channels:update + connect + disconnect
//                                      (and neo's own connect|disconnect)
//   clients create|read|list|update|delete|connect -> keys:create, keys:list, keys:list,
//                                      keys:rotate + keys:revoke, keys:delete, clients:connect
//   messages read|publish|subscribe -> tables:read:<table>, channels:publish|subscribe:<id>
//   users create|read|list|update|delete -> users:create, users:list, users:list, users:update, users:delete
//   domains create|read|list|update|enable|disable|freeze|delete|members -> domains:<op>:<domain id>
//   dashboards, groups list|read|create|update|delete|share|unshare -> dashboards:<op>:<id>,
//                                      groups:<op>:<id> (an entity_id naming a group, in any
//                                      type, covers the group's members: auth/authorize.ts)
// and neo's own: tables read|write, topics publish|subscribe, metrics read, keys <op>.
// SuperMQ's stored spellings (create_clients, list_channels, dashboard_share,
// message_publish, ...) are read as the plain operation.
// entity_id "*" is every entity (for topics: "#"); entity_type "*" with operation "*" is
// everything. Anything else is a 400 that names it.
import { badRequest } from "../lib/errors.ts";
import { parseScope, type Scope } from "../lib/scopes.ts";

const MAP: Record<string, Record<string, readonly string[]>> = {
  channels: {
    publish: ["channels:publish"],
    subscribe: ["channels:subscribe"],
    create: ["channels:create"],
    read: ["channels:list"],
    list: ["channels:list"],
    update: ["channels:update", "channels:connect", "channels:disconnect"],
    delete: ["channels:delete"],
    connect: ["channels:connect"],
    disconnect: ["channels:disconnect"],
  },
  clients: {
    create: ["keys:create"],
    read: ["keys:list"],
    list: ["keys:list"],
    update: ["keys:rotate", "keys:revoke"],
    delete: ["keys:delete"],
    connect: ["clients:connect"],
  },
  users: {
    create: ["users:create"],
    read: ["users:list"],
    list: ["users:list"],
    update: ["users:update"],
    delete: ["users:delete"],
  },
  domains: Object.fromEntries(
    ["list", "read", "create", "update", "enable", "disable", "freeze", "delete", "members"].map((op) => [
      op,
      [`domains:${op}`],
    ]),
  ),
  dashboards: Object.fromEntries(
    ["list", "read", "create", "update", "delete", "share", "unshare"].map((op) => [op, [`dashboards:${op}`]]),
  ),
  groups: Object.fromEntries(
    ["list", "read", "create", "update", "delete", "share", "unshare"].map((op) => [op, [`groups:${op}`]]),
  ),
  messages: { read: ["tables:read"], publish: ["channels:publish"], subscribe: ["channels:subscribe"] },
  tables: { read: ["tables:read"], write: ["tables:write"] },
  topics: { publish: ["topics:publish"], subscribe: ["topics:subscribe"] },
  metrics: { read: ["metrics:read"] },
  keys: {
    list: ["keys:list"],
    create: ["keys:create"],
    delete: ["keys:delete"],
    revoke: ["keys:revoke"],
    rotate: ["keys:rotate"],
  },
};

const PAT_ENTITY_TYPES = Object.keys(MAP);

export interface PatScope {
  entity_type: string;
  operation: string;
  entity_id: string;
  optional_domain_id?: string;
}

const target = (op: string, entity: string) =>
  entity === "*" ? (op.startsWith("topics:") ? "#" : "*") : op === "metrics:read" ? "*" : entity;

/** SuperMQ stores some operations per type (create_clients, dashboard_share, message_publish) */
function plainOperation(op: string): string {
  const m = /^(create|list)_(clients|channels|groups)$/.exec(op) ?? /^(?:dashboard|message)_(\w+)$/.exec(op);
  return m?.[1] ?? op;
}

/** neo scope texts for one PAT scope; throws a 400 naming what neo does not have */
export function neoScopesOf(s: PatScope): string[] {
  if (s.entity_type === "*") {
    if (s.operation !== "*") throw badRequest("invalid_scope", 'entity_type "*" needs operation "*" (everything)');
    return Object.values(MAP).flatMap((ops) =>
      Object.values(ops).flatMap((l) => l.map((op) => `${op}:${target(op, "*")}`)),
    );
  }
  const ops = MAP[s.entity_type];
  if (!ops)
    throw badRequest(
      "invalid_scope",
      `unknown entity_type ${JSON.stringify(s.entity_type)}: neo has ${PAT_ENTITY_TYPES.join(", ")}`,
    );
  const list = s.operation === "*" ? [...new Set(Object.values(ops).flat())] : ops[plainOperation(s.operation)];
  if (!list)
    throw badRequest(
      "invalid_scope",
      `unknown operation ${JSON.stringify(s.operation)} for entity_type ${s.entity_type}: use ${Object.keys(ops).join(", ")}`,
    );
  return list.map((op) => {
    const text = `${op}:${target(op, s.entity_id)}`;
    try {
      return parseScope(text).text;
    } catch (e) {
      throw badRequest("invalid_scope", `entity_id ${JSON.stringify(s.entity_id)}: ${(e as Error).message}`);
    }
  });
}

/** A request's `scopes` array checked into PAT scopes (each with entity_type, operation, entity_id). */
export function parsePatScopes(v: unknown): PatScope[] {
  if (!Array.isArray(v) || v.length === 0) throw badRequest("invalid_scopes", "scopes must be a non-empty array");
  if (v.length > 256) throw badRequest("invalid_scopes", "at most 256 scopes at once");
  return v.map((x, i) => {
    if (typeof x !== "object" || x === null) throw badRequest("invalid_scope", `scopes[${i}] must be an object`);
    const o = x as Record<string, unknown>;
    const str = (k: string, required: boolean) => {
      const val = o[k];
      if (val === undefined || val === null || val === "") {
        if (required) throw badRequest("invalid_scope", `scopes[${i}].${k} is required`);
        return undefined;
      }
      if (typeof val !== "string" || val.length > 256)
        throw badRequest("invalid_scope", `scopes[${i}].${k} must be a string`);
      return val;
    };
    const s: PatScope = {
      entity_type: str("entity_type", true)!,
      operation: str("operation", true)!,
      entity_id: str("entity_id", false) ?? "*",
    };
    const domain = str("optional_domain_id", false) ?? str("domain_id", false);
    if (domain !== undefined) s.optional_domain_id = domain;
    neoScopesOf(s); // throws naming the problem
    return s;
  });
}

/**
 * A PAT's scopes as neo scopes for its principal: one with an optional_domain_id counts
 * only in that domain (authorize's `domain`), one without in every domain.
 */
export function patScopes(list: readonly PatScope[]): Scope[] {
  const seen = new Set<string>();
  const out: Scope[] = [];
  for (const s of list)
    for (const text of neoScopesOf(s)) {
      const key = `${s.optional_domain_id ?? ""} ${text}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const scope = parseScope(text);
      out.push(s.optional_domain_id ? { ...scope, domain: s.optional_domain_id.toLowerCase() } : scope);
    }
  return out;
}
