// Bundles the web UI into three files with fixed names: index.html, app.js, style.css.
//
//   bun ui/build.ts            -> writes ui/dist/ (git-ignored)
//   import { buildWeb }         -> the same files in memory (src/web/assets.ts uses this
//                                  when running from a source checkout)
//
// Names on disk are fixed so src/web/embedded.ts can import them with { type: "file" } and
// a `bun build --compile` binary carries them. The HTML links them by hashed names,
// `app.<hash>.js` and `style.<hash>.css` (src/web/assets.ts serves those), so they can be
// cached forever (immutable) while index.html is always revalidated.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const WEB_SRC = import.meta.dir;
export const WEB_DIST = join(import.meta.dir, "dist");
export const WEB_FILES = ["index.html", "app.js", "style.css"] as const;
export type WebFileName = (typeof WEB_FILES)[number];

export const contentHash = (data: string | Uint8Array) =>
  new Bun.CryptoHasher("sha256").update(data).digest("hex").slice(0, 12);

/** `app.js` -> `app.<12 hex of its SHA-256>.js`: the name the HTML links and the server serves */
export const hashedName = (name: string, data: string | Uint8Array) =>
  name.replace(/\.(js|css)$/, `.${contentHash(data)}.$1`);

export async function buildWeb(opts: { minify?: boolean } = {}): Promise<Record<WebFileName, string>> {
  const minify = opts.minify ?? true;
  const result = await Bun.build({
    entrypoints: [join(WEB_SRC, "app.ts"), join(WEB_SRC, "style.css")],
    target: "browser",
    format: "esm",
    minify,
    sourcemap: "none",
    naming: "[name].[ext]",
  });
  if (!result.success) {
    throw new Error(`web build failed:\n${result.logs.map((l) => String(l)).join("\n")}`);
  }
  const out: Partial<Record<WebFileName, string>> = {};
  for (const a of result.outputs) {
    const name = a.path.split("/").pop();
    if (name === "app.js" || name === "style.css") out[name] = await a.text();
  }
  const js = out["app.js"];
  const css = out["style.css"];
  if (js === undefined || css === undefined) throw new Error("web build produced no app.js/style.css");

  let html = readFileSync(join(WEB_SRC, "index.html"), "utf8");
  const link = (from: string, to: string) => {
    if (!html.includes(from)) throw new Error(`index.html does not contain ${from}`);
    html = html.replace(from, to);
  };
  link(`href="style.css"`, `href="${hashedName("style.css", css)}"`);
  link(`src="app.js"`, `src="${hashedName("app.js", js)}"`);
  return { "index.html": html, "app.js": js, "style.css": css };
}

export async function writeWebDist(dir = WEB_DIST): Promise<void> {
  const files = await buildWeb();
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const name of WEB_FILES) writeFileSync(join(dir, name), files[name]);
}

if (import.meta.main) {
  const t = performance.now();
  await writeWebDist();
  process.stdout.write(`web UI built into ${WEB_DIST} in ${(performance.now() - t).toFixed(0)} ms\n`);
}
