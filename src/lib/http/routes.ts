// A small route matcher: routes are objects with a method and a path (and whatever the
// server that owns the table declares beside them: its requirements, its handler). The
// table answers 404 (no route has the path) and 405 with an Allow header (the path
// exists, not with this method).
//
//   const table = routeTable([
//     { method: "GET", path: "/health", who: "public", handler: health },
//     { method: "POST", path: "/db/write/:table", who: API, handler: write },
//   ]);
//
// Paths: literal segments, and `:name` for one non-empty segment, handed to the handler
// percent-decoded in `params.name` (a segment that does not decode is a 400); a last part
// `*name` takes one or more non-empty segments, each decoded, joined with "/". A GET
// route answers HEAD too.
import { failure, methodNotAllowed } from "./respond.ts";

export type Method = "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE" | "OPTIONS";
export type Params = Record<string, string>;

/** what the table needs of a route */
export interface RouteKey {
  method: Method;
  path: string;
}

type Lookup<R> = { route: R; params: Params } | { response: Response };

export interface RouteTable<R extends RouteKey> {
  readonly routes: readonly R[];
  /** the route for this request, or the 404/405/400 reply the table gives */
  match(method: string, path: string): Lookup<R>;
}

interface Compiled<R> {
  route: R;
  /** literal text, or a parameter name prefixed with ":" */
  parts: string[];
}

export function routeTable<R extends RouteKey>(routes: R[]): RouteTable<R> {
  const compiled: Compiled<R>[] = routes.map((route) => {
    if (!route.path.startsWith("/")) throw new Error(`route path must start with /: ${route.path}`);
    return { route, parts: route.path.split("/").slice(1) };
  });
  // one pass with a set (a pairwise search over ~200 routes ran ~20,000 comparisons at every
  // start, enough for JSC to compile it with its optimizing tiers: bench/RESULTS.md "Session 7: start")
  const seen = new Set<string>();
  for (const { route } of compiled) {
    const key = `${route.method} ${route.path}`;
    if (seen.has(key)) throw new Error(`route ${route.method} ${route.path} is declared twice`);
    seen.add(key);
  }

  return {
    routes,
    match(method, path) {
      const segments = path.split("/").slice(1);
      const allow = new Set<string>();
      for (const c of compiled) {
        const params = matchPath(c.parts, segments);
        if (params === undefined) continue;
        const m = c.route.method;
        if (m === method || (m === "GET" && method === "HEAD")) {
          if (params instanceof Response) return { response: params };
          return { route: c.route, params };
        }
        allow.add(m);
        if (m === "GET") allow.add("HEAD");
      }
      if (allow.size === 0) return { response: failure(404, `not found: ${path}`) };
      return { response: methodNotAllowed([...allow].join(", ")) };
    },
  };
}

function matchPath(parts: string[], segments: string[]): Params | Response | undefined {
  const rest = parts[parts.length - 1]?.startsWith("*") === true;
  if (rest ? segments.length < parts.length : parts.length !== segments.length) return undefined;
  let params: Params | undefined;
  let bad: string | undefined;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    const seg = segments[i]!;
    if (rest && i === parts.length - 1) {
      const tail = segments.slice(i);
      if (tail.some((t) => t === "")) return undefined;
      params ??= {};
      try {
        params[part.slice(1)] = tail.map((t) => decodeURIComponent(t)).join("/");
      } catch {
        bad = part.slice(1);
      }
    } else if (part.startsWith(":")) {
      if (seg === "") return undefined;
      params ??= {};
      try {
        params[part.slice(1)] = decodeURIComponent(seg);
      } catch {
        bad = part.slice(1);
      }
    } else if (part !== seg) return undefined;
  }
  if (bad !== undefined) return failure(400, `invalid ${bad} in path: not valid percent-encoding`);
  return params ?? {};
}
