// Scopes: what a principal may do, written `<type>:<operation>:<target>`; a leading `!`
// makes a deny, and a deny always wins over an allow. This module only parses and
// validates (it lives in lib so config can check scopes at load); matching and the
// decision live in auth/authorize.ts.
import { NeoError } from "./errors.ts";

/** Every scope type and the operations it knows. Add a type here and nowhere else. */
export const SCOPE_TYPES = {
  tables: ["read", "write"],
  topics: ["publish", "subscribe"],
  keys: ["list", "create", "delete", "revoke", "rotate"],
  metrics: ["read"],
  clients: ["connect"],
  /** publish/subscribe: a channel's messages; the rest: managing channels (issue 11) */
  channels: ["publish", "subscribe", "list", "create", "update", "delete", "connect", "disconnect"],
  /** the operator's actions (the ADMIN role holds them all; target `*` only) */
  audit: ["read"],
  bans: ["list", "clear"],
  settings: ["read"],
  users: ["list", "create", "update", "delete"],
  /** other users' PATs: an operator's revoke, and reviving a PAT an operator revoked */
  pats: ["list", "revoke", "reset"],
  /** SuperMQ domains (tenants): managing them; target a domain id or *. `members`: its
   *  members, their roles and invitations (docs/supermq.md#members-roles-and-invitations) */
  domains: ["list", "read", "create", "update", "enable", "disable", "freeze", "delete", "members"],
  /** SuperMQ's dashboards (accepted and kept; asked where dashboards exist) */
  dashboards: ["list", "read", "create", "update", "delete", "share", "unshare"],
  /** SuperMQ's groups (target a group id or *); a scope naming a group also covers its members */
  groups: ["list", "read", "create", "update", "delete", "share", "unshare"],
} as const;

type ScopeType = keyof typeof SCOPE_TYPES;
/** `tables:read`, `topics:subscribe`, ...: what `authorize` is asked about */
export type Operation = { [T in ScopeType]: `${T}:${(typeof SCOPE_TYPES)[T][number]}` }[ScopeType];

export interface Scope {
  /** canonical text (`!` prefix for a deny, table names upper-cased) */
  readonly text: string;
  readonly deny: boolean;
  readonly type: ScopeType;
  readonly operation: Operation;
  readonly target: string;
  /**
   * A SuperMQ PAT scope's optional_domain_id: the scope counts only for resources of that
   * domain (authorize's `domain`). Absent: every domain the principal may act in.
   */
  readonly domain?: string;
}

/**
 * What every principal could do before scopes existed: read and write every table,
 * publish and subscribe every topic (`#` never reaches `$SYS`, so reading the broker's
 * statistics is written out), connect with any client id. The shipped default for new
 * keys and anonymous clients, and what the migration gives keys made before scopes.
 */
export const ALL_ACCESS_SCOPES: readonly string[] = [
  "tables:read:*",
  "tables:write:*",
  "topics:publish:#",
  "topics:subscribe:#",
  "topics:subscribe:$SYS/#",
  "clients:connect:*",
];

const TABLE_RE = /^[A-Za-z][A-Za-z0-9_]{0,62}$/;
const KEY_ID_RE = /^[a-z0-9][a-z0-9_.@-]{0,63}$/;
const CHANNEL_ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
const MAX_SCOPE_LENGTH = 1024;

const scopeError = (message: string) => new NeoError("invalid_scope", message, 400);

const isType = (t: string): t is ScopeType => Object.hasOwn(SCOPE_TYPES, t);

/** `%c` is the only substitution; any other `%` is a typo (Mosquitto's `%u` has no meaning here) */
function checkPercent(target: string, what: string): string | null {
  const stray = target.replaceAll("%c", "").indexOf("%");
  return stray >= 0 ? `${what}: "%" may only start "%c" (the principal's own client id)` : null;
}

function hasSpaceOrControl(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f || c === 0xa0 || c === 0x2028 || c === 0x2029) return true;
  }
  return false;
}

/** MQTT 4.7.1: `+` and `#` each fill a whole level, `#` only as the last one */
function isFilter(f: string): boolean {
  const levels = f.split("/");
  return levels.every(
    (l, i) => (!l.includes("#") || (l === "#" && i === levels.length - 1)) && (!l.includes("+") || l === "+"),
  );
}

/** null when the target is fine for this type, else why not */
function targetProblem(type: ScopeType, target: string): string | null {
  if (target === "") return "missing target after the operation (use * for every one)";
  if (hasSpaceOrControl(target)) return "target contains whitespace or a control character";
  switch (type) {
    case "tables":
      if (target === "*") return null;
      if (!TABLE_RE.test(target) || /^sqlite_/i.test(target))
        return `invalid table "${target}": a letter then letters, digits or _ (at most 63), or *`;
      return null;
    case "topics": {
      if (target.startsWith("$share/") || target === "$share")
        return "a scope names topics, not a shared subscription: drop the $share/<group>/ prefix";
      const p = checkPercent(target, `invalid topic filter "${target}"`);
      if (p) return p;
      if (!isFilter(target))
        return `invalid topic filter "${target}": + and # must each fill a whole level, # only last`;
      return null;
    }
    case "keys":
      if (target === "*" || target === "%c" || KEY_ID_RE.test(target)) return null;
      return `invalid client id "${target}": a key id (lowercase letters, digits, _ . @ -), %c or *`;
    case "metrics":
    case "audit":
    case "bans":
    case "settings":
    case "users":
    case "pats":
      return target === "*" ? null : `invalid target "${target}": ${type} takes * only`;
    case "clients":
      return checkPercent(target, `invalid client id pattern "${target}"`);
    case "channels":
    case "domains":
    case "dashboards":
    case "groups":
      if (target === "*" || CHANNEL_ID_RE.test(target)) return null;
      return `invalid ${type === "channels" ? "channel" : type.slice(0, -1)} id "${target}": letters, digits, _ . - (at most 128), or *`;
  }
}

/** Parse one scope; throws NeoError("invalid_scope") with a message naming what is wrong. */
export function parseScope(input: string): Scope {
  if (typeof input !== "string") throw scopeError("a scope must be a string");
  const raw = input.trim();
  if (raw.length > MAX_SCOPE_LENGTH) throw scopeError(`scope longer than ${MAX_SCOPE_LENGTH} characters`);
  const deny = raw.startsWith("!");
  const body = deny ? raw.slice(1) : raw;
  const first = body.indexOf(":");
  const second = first < 0 ? -1 : body.indexOf(":", first + 1);
  if (second < 0)
    throw scopeError(`invalid scope "${raw}": write <type>:<operation>:<target>, e.g. topics:publish:devices/%c/#`);
  const type = body.slice(0, first);
  const op = body.slice(first + 1, second);
  let target = body.slice(second + 1); // the rest: topic filters may hold ':'
  if (!isType(type))
    throw scopeError(`invalid scope "${raw}": unknown type "${type}" (known: ${Object.keys(SCOPE_TYPES).join(", ")})`);
  const ops: readonly string[] = SCOPE_TYPES[type];
  if (!ops.includes(op))
    throw scopeError(`invalid scope "${raw}": unknown operation "${op}" for ${type} (known: ${ops.join(", ")})`);
  const problem = targetProblem(type, target);
  if (problem) throw scopeError(`invalid scope "${raw}": ${problem}`);
  if (type === "tables" && target !== "*") target = target.toUpperCase();
  const operation = `${type}:${op}` as Operation;
  return { text: `${deny ? "!" : ""}${operation}:${target}`, deny, type, operation, target };
}

/** Parse a list; every bad entry is named in one error. Duplicates are dropped, order kept. */
export function parseScopes(list: readonly string[]): Scope[] {
  const out: Scope[] = [];
  const seen = new Set<string>();
  const errors: string[] = [];
  for (const text of list) {
    try {
      const s = parseScope(text);
      if (!seen.has(s.text)) {
        seen.add(s.text);
        out.push(s);
      }
    } catch (e) {
      errors.push(e instanceof Error ? e.message : String(e));
    }
  }
  if (errors.length) throw scopeError(errors.join("; "));
  return out;
}

/** The error message for a scope, or null when it parses (for validators that collect problems). */
export function scopeProblem(text: string): string | null {
  try {
    parseScope(text);
    return null;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

/** A short summary for listings: `all access`, or the first few scopes and a count. */
export function summarizeScopes(scopes: readonly string[], max = 3): string {
  if (scopes.length === 0) return "none";
  const all = new Set(ALL_ACCESS_SCOPES);
  if (scopes.length === all.size && scopes.every((s) => all.has(s))) return "all access";
  const shown = scopes.slice(0, max).join(" ");
  return scopes.length > max ? `${shown} (+${scopes.length - max} more)` : shown;
}
