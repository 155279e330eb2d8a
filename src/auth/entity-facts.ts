// What authorize() knows about a resource besides its id: the (enabled) SuperMQ groups
// above it, so a scope whose target is a group covers the group's members, and whether a
// channel is disabled. It is authorize()'s second input, installed once by the composition
// root (app) over the registry's groups; answers are cached and the cache is dropped on the
// registry's change signal (this process's writes at once, another process's through the
// 250 ms data_version poll). Nothing installed (unit tests, the CLI): no groups, nothing
// disabled. A lookup that fails answers `null`: authorize() then refuses what depends on it.

import { DEFAULT_DOMAIN_ID } from "../lib/domain-id.ts";
import type { Operation } from "../lib/scopes.ts";

/** what a scope operation's resource is, for the group lookup (a table: for its domain) */
export type EntityKind = "channel" | "client" | "group" | "table";

export interface Facts {
  /** the groups above the entity (its group and that group's ancestors), nearest first */
  readonly groups: readonly string[];
  readonly disabled: boolean;
  /** a table's SuperMQ domain (a channel's table, its side table: the channel's; absent: the default) */
  readonly domain?: string;
}

export type FactsLookup = (kind: EntityKind, id: string) => Facts;

const NONE: Facts = { groups: [], disabled: false };
const MAX_CACHED = 100_000;

let lookup: FactsLookup | null = null;
let cache = new Map<string, Facts>();

/** Install the lookup (app does, once); returns the uninstall. */
export function installEntityFacts(fn: FactsLookup): () => void {
  lookup = fn;
  cache = new Map();
  return () => {
    if (lookup === fn) lookup = null;
    cache = new Map();
  };
}

/** The registry changed (groups, members, a channel's status): ask again. */
export function dropEntityFacts(): void {
  cache = new Map();
}

/** The facts of one resource, cached; null when they cannot be read now. */
export function entityFacts(kind: EntityKind, id: string): Facts | null {
  if (lookup === null || id === "*") return NONE;
  const key = `${kind}\u0000${id}`;
  const hit = cache.get(key);
  if (hit) return hit;
  let f: Facts;
  try {
    f = lookup(kind, id);
  } catch {
    return null;
  }
  if (cache.size >= MAX_CACHED) cache = new Map();
  cache.set(key, f);
  return f;
}

/** the entity's own domain where it decides instead of the one asked (a table: always; a key: when
 * asked in the default domain, as routes naming a domain 404 another's); undefined: the one asked */
export function ownDomain(operation: Operation, resource: string, asked: string): string | undefined | null {
  const table = operation === "tables:read" || operation === "tables:write";
  if (!table && !(operation.startsWith("keys:") && asked === DEFAULT_DOMAIN_ID)) return undefined;
  const f = entityFacts(table ? "table" : "client", table ? resource.toUpperCase() : resource);
  return f === null ? null : f.domain;
}
