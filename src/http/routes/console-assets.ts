// The operator console's static files: / -> /web/, /web -> /web/, /web/<file> (the
// embedded index.html, app.<hash>.js, style.<hash>.css; src/web/assets.ts serves them
// with their caching and CSP headers). Public: the page itself holds no data.
import type { RouteSpec } from "../route.ts";

export interface ConsoleAssets {
  /** undefined: not one of its paths */
  handle(req: Request, url: URL): Promise<Response | undefined>;
}

export function consoleAssetRoutes(assets: ConsoleAssets): RouteSpec[] {
  const serve = async (req: Request, c: { url: URL }) =>
    (await assets.handle(req, c.url)) ?? new Response("not found\n", { status: 404 });
  return [
    { method: "GET", path: "/", who: "public", handler: serve },
    { method: "GET", path: "/web", who: "public", handler: serve },
    { method: "GET", path: "/web/", who: "public", handler: serve },
    { method: "GET", path: "/web/*file", who: "public", handler: serve },
  ];
}
