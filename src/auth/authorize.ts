// The ONE place that decides what a principal may do. Every listener and endpoint asks
// `authorize(principal, operation, resource)`; nothing else matches scopes.
import { entityFacts, type EntityKind, ownDomain } from "./entity-facts.ts";
import { covers, intersect, overlaps } from "./filters.ts";
import { describe } from "./refusal-text.ts";
import { DEFAULT_DOMAIN_ID } from "../lib/domain-id.ts";
import { DOMAIN_ROLE_SCOPES, type DomainRole } from "../lib/domain-roles.ts";
import { parseScopes, type Operation, type Scope } from "../lib/scopes.ts";

/** Who is asking: a client key, a user, or an anonymous MQTT client. */
export interface Principal {
  /** the key's client id (or user name); `%c` in a scope stands for it */
  readonly id: string;
  readonly kind: "client" | "user" | "anonymous";
  readonly scopes: readonly Scope[];
  /**
   * Acting on behalf of another principal (a PAT for its owner): every decision must be
   * allowed for that one too, so a PAT never exceeds its owner's rights.
   */
  readonly within?: Principal;
  /**
   * The SuperMQ domain a client key lives in (absent: the default domain for clients and
   * anonymous callers; users are bound by their scopes only). It acts in that domain alone.
   */
  readonly domain?: string;
  /**
   * A user's role in each SuperMQ domain it is a member of (lib/domain-roles.ts), as the
   * registry held it when identify() or current() made this principal. Present on users
   * from the user store: outside the default domain such a user acts by its role there,
   * or by its own scopes only when they let it read that domain (a global operator).
   */
  readonly roles?: ReadonlyMap<string, DomainRole>;
}

export type Decision =
  | {
      allow: true;
      /** a topic filter only partly allowed: each message must still be checked */
      partial: boolean;
    }
  | {
      allow: false;
      /** e.g. `not allowed to write table X` */
      reason: string;
      /** the deny scope that decided it, when one did */
      scope?: string;
      /** the entity lives in another domain, and one of that name the caller may use where it
       * asked: from there it does not exist, so the surface answers as for a missing one */
      absent?: true;
    };

interface Rule {
  scope: Scope;
  /** topics: the filter's levels with %c filled in; null when %c cannot be filled safely */
  levels: readonly string[] | null;
  /** clients: the glob compiled */
  glob: RegExp | null;
}
/** scoped: some rule holds a domain (PAT scopes with optional_domain_id) */
type Compiled = Map<Operation, { allow: Rule[]; deny: Rule[]; scoped?: boolean }>;

/**
 * Compiled rules by scope list (identify() hands out the same parsed list for the same
 * stored text) and then by id: every CONNECT makes a new principal, but not new rules.
 */
const compiled = new WeakMap<readonly Scope[], Map<string, Compiled>>();
/** ids per scope list kept compiled (a fleet sharing one list); past it the list starts over */
const MAX_IDS_PER_LIST = 4096;

/** A principal from scope texts (parsed and validated: throws NeoError on a bad one). */
export function makePrincipal(id: string, kind: Principal["kind"], scopes: readonly string[] | readonly Scope[]) {
  const parsed = scopes.every((s) => typeof s === "string")
    ? parseScopes(scopes as readonly string[])
    : (scopes as readonly Scope[]);
  return { id, kind, scopes: parsed } satisfies Principal;
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** `%c` may fill a topic level only with an id that cannot widen the filter */
const safeInTopic = (id: string) => id !== "" && !id.includes("/") && !id.includes("+") && !id.includes("#");

function compileRule(scope: Scope, id: string): Rule {
  if (scope.type === "topics") {
    const has = scope.target.includes("%c");
    const levels = has && !safeInTopic(id) ? null : scope.target.replaceAll("%c", id).split("/");
    return { scope, levels, glob: null };
  }
  if (scope.type === "clients") {
    const re = scope.target
      .split("%c")
      .map((part) => part.split("*").map(escapeRe).join(".*"))
      .join(escapeRe(id));
    return { scope, levels: null, glob: new RegExp(`^${re}$`, "s") };
  }
  return { scope, levels: null, glob: null };
}

function compile(p: Principal): Compiled {
  let byId = compiled.get(p.scopes);
  let c = byId?.get(p.id);
  if (c) return c;
  c = new Map();
  for (const s of p.scopes) {
    let e = c.get(s.operation);
    if (!e) c.set(s.operation, (e = { allow: [], deny: [] }));
    (s.deny ? e.deny : e.allow).push(compileRule(s, p.id));
    if (s.domain !== undefined) e.scoped = true;
  }
  if (!byId) compiled.set(p.scopes, (byId = new Map()));
  else if (byId.size >= MAX_IDS_PER_LIST) byId.clear();
  byId.set(p.id, c);
  return c;
}

/** equality targets: `*`, the exact name, or `%c` for the principal's own id */
function targetMatches(r: Rule, resource: string, id: string): boolean {
  const t = r.scope.target;
  if (t === "*") return true;
  if (r.scope.type === "tables") return t === resource.toUpperCase();
  if (t === "%c") return resource === id;
  return t === resource;
}

const ALLOW_ALL: Decision = { allow: true, partial: false };
const ALLOW_PART: Decision = { allow: true, partial: true };

function decideTopics(
  rules: { allow: Rule[]; deny: Rule[]; scoped?: boolean } | undefined,
  op: Operation,
  resource: string,
): Decision {
  const levels = resource.split("/");
  if (op === "topics:publish" && (levels[0] === "$SYS" || resource === "$SYS"))
    return { allow: false, reason: `${describe(op, resource)}: $SYS belongs to the broker` };
  let partial = false;
  for (const r of rules?.deny ?? []) {
    if (!r.levels) continue;
    if (covers(r.levels, levels)) return { allow: false, reason: describe(op, resource), scope: r.scope.text };
    if (!partial && overlaps(r.levels, levels)) partial = true;
  }
  let full = false;
  let some = false;
  for (const r of rules?.allow ?? []) {
    if (!r.levels) continue;
    const common = intersect(r.levels, levels);
    // an allow counts only for the part of the filter no single deny takes back
    if (!common || rules?.deny.some((d) => d.levels && covers(d.levels, common))) continue;
    some = true;
    if (covers(r.levels, levels)) {
      full = true;
      break;
    }
  }
  if (!full && !some) return { allow: false, reason: describe(op, resource) };
  return partial || !full ? ALLOW_PART : ALLOW_ALL;
}

/**
 * May `principal` do `operation` on `resource`? A deny scope that matches always wins;
 * otherwise an allow scope must match; otherwise the answer is no. One exception:
 * `clients:connect` without any allow scope means `clients:connect:*` (any client id).
 *
 * Resources: a table name (tables), a topic name or filter (topics: a filter that is
 * only partly allowed is allowed with `partial: true`, and each message must then be
 * checked by its topic name), a client id (keys, clients:connect), a channel id, `*`.
 */
export function authorize(
  principal: Principal,
  operation: Operation,
  resource: string,
  domain: string = DEFAULT_DOMAIN_ID,
): Decision {
  // a table lives in its channel's domain, whatever domain the caller asked in (/db/write,
  // db/write topics, /db/query, gRPC, a channel made on it), and a key in its own domain when
  // a surface that names no domain asks (/keys, gRPC mgmt): a fact of the entity, not of the
  // surface; refused there, the answer is the one an entity that does not exist gets (it
  // names no other domain: a caller learns nothing of domains it is not in)
  const own = ownDomain(operation, resource, domain);
  if (own === null) return { allow: false, reason: `${describe(operation, resource)}: its domain cannot be read now` };
  if (own === undefined || own === domain) return decideIn(principal, operation, resource, domain);
  const d = decideIn(principal, operation, resource, own);
  if (d.allow) return d;
  const absent = decideIn(principal, operation, resource, domain).allow;
  return { allow: false, reason: describe(operation, resource), ...(absent ? { absent: true as const } : {}) };
}

/** authorize() in the domain the entity lives in */
function decideIn(principal: Principal, operation: Operation, resource: string, domain: string): Decision {
  // a key or anonymous caller lives in one domain: nothing of another, whatever its scopes say
  const home = principal.domain ?? (principal.kind === "user" ? undefined : DEFAULT_DOMAIN_ID);
  if (home !== undefined && home !== domain)
    return { allow: false, reason: `${describe(operation, resource)}: it belongs to another domain` };
  // a disabled channel takes no message and gives none, whatever the scopes say
  if (operation === "channels:publish" || operation === "channels:subscribe") {
    const f = entityFacts("channel", resource);
    if (f === null) return { allow: false, reason: `${describe(operation, resource)}: its state cannot be read now` };
    if (f.disabled) return { allow: false, reason: `${describe(operation, resource)}: the channel is disabled` };
  }
  const d = principal.roles
    ? decideMember(principal, principal.roles, operation, resource, domain)
    : decide(principal, operation, resource, domain);
  if (!d.allow || !principal.within) return d;
  const owner = decideIn(principal.within, operation, resource, domain);
  if (!owner.allow) return owner;
  return d.partial || owner.partial ? ALLOW_PART : ALLOW_ALL;
}

/** each domain role's rules, parsed once (compile() caches per scope list) */
const ROLE_SCOPES = new Map(
  Object.entries(DOMAIN_ROLE_SCOPES).map(([role, texts]) => [role, parseScopes(texts)] as const),
);

/**
 * A user in `domain`: its own scopes, where they count (the default domain, or a domain
 * its own scopes let it read: a global operator), or else its role there. An own deny
 * scope always wins; someone neither global there nor a member is refused everything.
 */
function decideMember(
  p: Principal,
  roles: ReadonlyMap<string, DomainRole>,
  operation: Operation,
  resource: string,
  domain: string,
): Decision {
  const own = decide(p, operation, resource, domain);
  if (!own.allow && own.scope) return own;
  const global = domain === DEFAULT_DOMAIN_ID || decide(p, "domains:read", domain, domain).allow;
  if (own.allow && global) return own;
  const role = roles.get(domain);
  if (!role) {
    if (global) return own;
    return { allow: false, reason: `${describe(operation, resource)}: not a member of domain ${domain}` };
  }
  const scopes = ROLE_SCOPES.get(role) ?? [];
  const byRole = decide({ id: p.id, kind: p.kind, scopes }, operation, resource, domain);
  if (byRole.allow) return byRole;
  return { allow: false, reason: `${describe(operation, resource)}: role ${role} in domain ${domain}` };
}

/** `T_SENML`, a SenML channel's side table, holds T's data: the T it belongs to, else null */
const SENML_SIDE = /^([A-Z][A-Z0-9_]*)_SENML$/;

function decide(principal: Principal, operation: Operation, resource: string, domain: string): Decision {
  const base = operation === "tables:read" ? SENML_SIDE.exec(resource.toUpperCase())?.[1] : undefined;
  if (!base) return decideOne(principal, operation, resource, domain);
  // readable under its own name or its table's; a deny of either wins
  const own = decideOne(principal, operation, resource, domain);
  if (!own.allow && own.scope) return own;
  const of = decideOne(principal, operation, base, domain);
  if (!of.allow && of.scope) return { ...of, reason: `${describe(operation, resource)} (the SenML table of ${base})` };
  return own.allow || of.allow ? ALLOW_ALL : own;
}

/** only the rules whose scope counts in `domain` (a PAT scope's optional_domain_id) */
function inDomain(rules: { allow: Rule[]; deny: Rule[]; scoped?: boolean } | undefined, domain: string) {
  if (!rules?.scoped) return rules;
  const here = (r: Rule) => r.scope.domain === undefined || r.scope.domain === domain;
  return { allow: rules.allow.filter(here), deny: rules.deny.filter(here), scoped: true };
}

/** the entity a scope operation's resource names, for the groups above it */
function kindOf(op: Operation): EntityKind | undefined {
  if (op.startsWith("channels:")) return "channel";
  if (op.startsWith("keys:")) return "client";
  if (op.startsWith("groups:")) return "group";
  return undefined;
}

/** a rule that may name a group: one exact id (not *, %c or a glob) */
const namesOne = (r: Rule) => !r.glob && r.scope.target !== "*" && r.scope.target !== "%c";

function decideOne(principal: Principal, operation: Operation, resource: string, domain: string): Decision {
  const rules = inDomain(compile(principal).get(operation), domain);
  if (operation.startsWith("topics:")) return decideTopics(rules, operation, resource);
  const id = principal.id;
  const hit = (r: Rule) => (r.glob ? r.glob.test(resource) : targetMatches(r, resource, id));
  const deny = rules?.deny.find(hit);
  if (deny) return { allow: false, reason: describe(operation, resource), scope: deny.scope.text };
  // a scope whose target is a group covers the group's members (and its subgroups)
  const kind = kindOf(operation);
  let above: readonly string[] | null | undefined;
  const inGroup = (r: Rule) => {
    if (!namesOne(r)) return false;
    if (above === undefined) above = kind && resource !== "*" ? (entityFacts(kind, resource)?.groups ?? null) : [];
    return above?.includes(r.scope.target) === true;
  };
  const groupDeny = rules?.deny.find(inGroup);
  if (groupDeny) return { allow: false, reason: describe(operation, resource), scope: groupDeny.scope.text };
  if (above === null)
    return { allow: false, reason: `${describe(operation, resource)}: its groups cannot be read now` };
  if (rules?.allow.some(hit)) return ALLOW_ALL;
  if (rules?.allow.some(inGroup)) return ALLOW_ALL;
  // a key that says nothing about client ids may use any (only denies narrow it)
  if (operation === "clients:connect" && !rules?.allow.length) return ALLOW_ALL;
  return { allow: false, reason: describe(operation, resource) };
}
