// Serves the web UI: `/` -> 302 `/web/`, `/web/` -> index.html, `/web/app.<hash>.js` and
// `/web/style.<hash>.css` (the names index.html links; cached forever, `immutable`), and
// the plain `/web/app.js`, `/web/style.css` (revalidated). Everything else under /web/
// (except /web/api/) is a 404; other paths return undefined so the HTTP server can fall
// through. Every file is sent gzipped when the browser accepts it.
//
// Where the files come from (first match):
//   1. inside a `bun build --compile` binary: the copies embedded via ./embedded.ts
//      (see the comment there; the release build runs `bun ui/build.ts` first);
//   2. from a source checkout (ui/app.ts exists): ui/build.ts bundles them in memory
//      on first use, so `bun src/main.ts serve` needs no build step;
//   3. a prebuilt ui/dist.
// Only these three names are ever served, from an in-memory table: no request path is
// ever joined onto a filesystem path, so traversal (`/web/../../etc/passwd`,
// `%2e%2e`) has nothing to reach and gets a 404.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { NeoError } from "../lib/errors.ts";
import { createLogger, type Logger } from "../lib/log.ts";

type FileName = "index.html" | "app.js" | "style.css";
const NAMES: readonly FileName[] = ["index.html", "app.js", "style.css"];
/** `app.<12 hex>.js`, `style.<12 hex>.css` (ui/build.ts hashedName) */
const HASHED = /^(app|style)\.([0-9a-f]{12})\.(js|css)$/;
type WebSource = "embedded" | "build" | "dist";

const MIME: Record<FileName, string> = {
  "index.html": "text/html; charset=utf-8",
  "app.js": "text/javascript; charset=utf-8",
  "style.css": "text/css; charset=utf-8",
};

// The UI needs nothing from elsewhere: no CDNs, no inline scripts or styles.
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; " +
  "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

interface Asset {
  body: Uint8Array<ArrayBuffer>;
  /** made at the first request that accepts gzip (a start that serves no browser compresses nothing) */
  gzip: Uint8Array<ArrayBuffer> | null;
  etag: string;
  hash: string;
}

export interface WebAssets {
  handle(req: Request, url: URL): Promise<Response | undefined>;
  /** Load (or build) the files now; the server may call this at startup to fail early. */
  load(): Promise<{ source: WebSource; bytes: number }>;
}

const WEB_DIR = join(import.meta.dir, "..", "..", "ui");
const isCompiled = () => import.meta.dir.includes("$bunfs") || import.meta.dir.includes("~BUN");
/** the files are embedded in this binary (they cannot be missing: nothing to check at start) */
export const webFilesEmbedded = isCompiled;

async function readFiles(): Promise<{ source: WebSource; files: Record<FileName, string | Uint8Array> }> {
  if (isCompiled()) {
    const { embeddedFiles } = await import("./embedded.ts");
    const files = {} as Record<FileName, Uint8Array>;
    for (const n of NAMES) files[n] = await Bun.file(embeddedFiles[n]).bytes();
    return { source: "embedded", files };
  }
  if (existsSync(join(WEB_DIR, "app.ts")) && existsSync(join(WEB_DIR, "build.ts"))) {
    // A computed specifier keeps the bundler from pulling the build script into a binary.
    const buildScript = join(WEB_DIR, "build.ts");
    const mod = (await import(buildScript)) as typeof import("../../ui/build.ts");
    return { source: "build", files: await mod.buildWeb() };
  }
  const dist = join(WEB_DIR, "dist");
  if (NAMES.every((n) => existsSync(join(dist, n)))) {
    const files = {} as Record<FileName, Uint8Array>;
    for (const n of NAMES) files[n] = readFileSync(join(dist, n));
    return { source: "dist", files };
  }
  throw new NeoError("web_ui_missing", "web UI files not found (run `bun ui/build.ts`)", 503);
}

const sha = (b: Uint8Array | string) => new Bun.CryptoHasher("sha256").update(b).digest("hex");

export function createWebAssets(opts: { log?: Logger } = {}): WebAssets {
  const log = opts.log ?? createLogger("web");
  let loading: Promise<{ source: WebSource; assets: Map<FileName, Asset> }> | undefined;

  const load = () =>
    (loading ??= (async () => {
      const { source, files } = await readFiles();
      const assets = new Map<FileName, Asset>();
      for (const n of NAMES) {
        const raw = files[n];
        const body = typeof raw === "string" ? new TextEncoder().encode(raw) : new Uint8Array(raw);
        const hash = sha(body);
        assets.set(n, { body, gzip: null, hash: hash.slice(0, 12), etag: `"${hash.slice(0, 32)}"` });
      }
      log.debug(`web UI loaded (${source})`);
      return { source, assets };
    })().catch((err) => {
      loading = undefined; // let a later request try again
      throw err;
    }));

  async function handle(req: Request, url: URL): Promise<Response | undefined> {
    const p = url.pathname;
    if (p === "/") return new Response(null, { status: 302, headers: { location: "/web/" } });
    if (p === "/web") return new Response(null, { status: 301, headers: { location: "/web/" } });
    if (!p.startsWith("/web/") || p.startsWith("/web/api/")) return undefined;
    if (req.method !== "GET" && req.method !== "HEAD") {
      return new Response("method not allowed\n", { status: 405, headers: { allow: "GET, HEAD" } });
    }
    const requested = p === "/web/" || p === "/web/index.html" ? "index.html" : p.slice("/web/".length);
    const hashed = HASHED.exec(requested);
    const name = hashed ? `${hashed[1]}.${hashed[3]}` : requested;
    const notFound = () =>
      new Response("not found\n", { status: 404, headers: { "content-type": "text/plain; charset=utf-8" } });
    if (!(NAMES as readonly string[]).includes(name)) return notFound();
    let assets: Map<FileName, Asset>;
    try {
      ({ assets } = await load());
    } catch (err) {
      log.error("web UI unavailable", err);
      return new Response("web UI unavailable\n", { status: 503 });
    }
    const a = assets.get(name as FileName)!;
    // a hashed name of another build (a page loaded before an upgrade) is gone
    if (hashed && hashed[2] !== a.hash) return notFound();
    const headers: Record<string, string> = {
      "content-type": MIME[name as FileName],
      etag: a.etag,
      vary: "accept-encoding",
      "x-content-type-options": "nosniff",
      // hashed names (what index.html links) never change; anything else revalidates
      "cache-control": hashed ? "public, max-age=31536000, immutable" : "no-cache",
    };
    if (name === "index.html") {
      headers["content-security-policy"] = CSP;
      headers["x-frame-options"] = "DENY";
      headers["referrer-policy"] = "no-referrer";
    }
    if (req.headers.get("if-none-match") === a.etag) return new Response(null, { status: 304, headers });
    const gz = /\bgzip\b/.test(req.headers.get("accept-encoding") ?? "");
    if (gz) headers["content-encoding"] = "gzip";
    const body = gz ? (a.gzip ??= Bun.gzipSync(a.body)) : a.body;
    headers["content-length"] = String(body.length);
    return new Response(req.method === "HEAD" ? null : body, { headers });
  }

  return {
    handle,
    async load() {
      const { source, assets } = await load();
      let bytes = 0;
      for (const a of assets.values()) bytes += a.body.length;
      return { source, bytes };
    },
  };
}
