import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setLogSink } from "../lib/log.ts";
import { createWebAssets } from "./assets.ts";

setLogSink(() => {});

const assets = createWebAssets();
let server: ReturnType<typeof Bun.serve>;
let base: string;

beforeAll(() => {
  server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: async (req) => (await assets.handle(req, new URL(req.url))) ?? new Response("fell through", { status: 418 }),
  });
  base = `http://127.0.0.1:${server.port}`;
});
afterAll(() => server.stop(true));

const get = (path: string, headers: Record<string, string> = {}) =>
  fetch(base + path, { headers, redirect: "manual", decompress: false } as RequestInit);

describe("web assets from a source checkout", () => {
  test("the UI is built in memory from web/ on first use", async () => {
    expect((await assets.load()).source).toBe("build");
  });

  test("/ redirects to /web/ and /web to /web/", async () => {
    const root = await get("/");
    expect(root.status).toBe(302);
    expect(root.headers.get("location")).toBe("/web/");
    const web = await get("/web");
    expect(web.status).toBe(301);
    expect(web.headers.get("location")).toBe("/web/");
  });

  test("/web/ serves index.html with a strict CSP, revalidation and versioned asset links", async () => {
    const res = await get("/web/");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(res.headers.get("cache-control")).toBe("no-cache");
    expect(res.headers.get("content-security-policy")).toContain("default-src 'self'");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    const html = await res.text();
    expect(html).toMatch(/src="app\.[0-9a-f]{12}\.js"/);
    expect(html).toMatch(/href="style\.[0-9a-f]{12}\.css"/);
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/); // no inline script
    expect(res.headers.get("content-security-policy")).not.toContain("unsafe");
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//); // nothing from outside: the gateway is offline
  });

  test("hashed script and style names are cacheable forever with the right MIME types", async () => {
    const html = await (await get("/web/")).text();
    const js = /src="(app\.[0-9a-f]{12}\.js)"/.exec(html)![1]!;
    const css = /href="(style\.[0-9a-f]{12}\.css)"/.exec(html)![1]!;
    const jsRes = await get(`/web/${js}`);
    expect(jsRes.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(jsRes.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect((await jsRes.text()).length).toBeGreaterThan(1000);
    const cssRes = await get(`/web/${css}`);
    expect(cssRes.headers.get("content-type")).toBe("text/css; charset=utf-8");
    // the plain name is revalidated; a hash of another build is gone
    expect((await get("/web/app.js")).headers.get("cache-control")).toBe("no-cache");
    expect((await get("/web/app.000000000000.js")).status).toBe(404);
    const gz = await get(`/web/${js}`, { "accept-encoding": "gzip, br" });
    expect(gz.headers.get("content-encoding")).toBe("gzip");
  });

  test("a matching If-None-Match gets 304 and gzip is used when accepted", async () => {
    const first = await get("/web/style.css");
    const etag = first.headers.get("etag")!;
    const plain = new Uint8Array(await first.arrayBuffer());
    expect((await get("/web/style.css", { "if-none-match": etag })).status).toBe(304);
    const gz = await get("/web/style.css", { "accept-encoding": "gzip" });
    expect(gz.headers.get("content-encoding")).toBe("gzip");
    const packed = new Uint8Array(await gz.arrayBuffer());
    expect(packed.length).toBeLessThan(plain.length);
    expect(Bun.gunzipSync(packed)).toEqual(plain);
  });

  test("unknown files, traversal attempts and non-GET methods never reach the filesystem", async () => {
    for (const p of ["/web/nope.js", "/web/build.ts", "/web/dist/app.js", "/web/..%2f..%2fetc%2fpasswd"]) {
      expect((await get(p)).status).toBe(404);
    }
    // %2e%2e is normalised by the URL parser to "..", which leaves /web/ (fall through)
    const dots = await get("/web/%2e%2e/%2e%2e/etc/passwd");
    expect([404, 418]).toContain(dots.status);
    expect(await dots.text()).not.toContain("root:");
    // curl --path-as-is sends the dots unnormalised
    for (const p of ["/web/../../etc/passwd", "/web/../package.json", "/web/./../src/web/assets.ts"]) {
      // async spawn: a blocking spawnSync would stall this process's own server
      const curl = Bun.spawn(["curl", "-s", "--path-as-is", "-w", "\n%{http_code}", base + p], { stdout: "pipe" });
      const out = await new Response(curl.stdout).text();
      await curl.exited;
      expect(["404", "418"]).toContain(out.split("\n").pop()!);
      expect(out).not.toContain("root:");
      expect(out).not.toContain("createWebAssets");
    }
    const post = await fetch(`${base}/web/`, { method: "POST" });
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET, HEAD");
  });

  test("other paths and the API prefix fall through to the next handler", async () => {
    expect((await get("/db/query")).status).toBe(418);
    expect((await get("/web/api/keys")).status).toBe(418);
    expect((await get("/webx")).status).toBe(418);
  });
});

describe("web assets in a compiled binary", () => {
  test("a bun --compile binary run from an empty directory serves the embedded UI", async () => {
    const { writeWebDist } = await import("../../ui/build.ts");
    await writeWebDist();
    const dir = mkdtempSync(join(tmpdir(), "neo-web-bin-"));
    let proc: ReturnType<typeof Bun.spawn> | undefined;
    try {
      const entry = join(dir, "entry.ts");
      await Bun.write(
        entry,
        `import { createWebAssets } from ${JSON.stringify(join(import.meta.dir, "assets.ts"))};
const a = createWebAssets();
const info = await a.load();
const s = Bun.serve({ hostname: "127.0.0.1", port: 0,
  fetch: async (req) => (await a.handle(req, new URL(req.url))) ?? new Response("nf", { status: 404 }) });
console.log(JSON.stringify({ port: s.port, ...info }));\n`,
      );
      const bin = join(dir, "ui-bin");
      const build = Bun.spawnSync(["bun", "build", "--compile", entry, "--outfile", bin], { stderr: "pipe" });
      expect(build.exitCode).toBe(0);
      const run = mkdtempSync(join(dir, "run-"));
      proc = Bun.spawn([bin], { cwd: run, stdout: "pipe", stderr: "pipe" });
      const reader = (proc.stdout as ReadableStream<Uint8Array>).getReader();
      let text = "";
      while (!text.includes("\n")) {
        const { value, done } = await reader.read();
        if (done) break;
        text += new TextDecoder().decode(value);
      }
      const ready = JSON.parse(text.split("\n")[0]!) as { port: number; source: string };
      expect(ready.source).toBe("embedded");
      const html = await (await fetch(`http://127.0.0.1:${ready.port}/web/`)).text();
      expect(html).toMatch(/src="app\.[0-9a-f]{12}\.js"/);
      const js = await fetch(`http://127.0.0.1:${ready.port}/web/app.js`);
      expect(js.status).toBe(200);
      expect(js.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    } finally {
      proc?.kill();
      await proc?.exited;
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
