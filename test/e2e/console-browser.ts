// Shared by the console's browser tests: Debian's Chromium driven by playwright-core with
// a fresh profile per launch, signing in to a real `neo serve`, and screenshots into
// test/artifacts/ (git-ignored) for a person to look at.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import type { Server } from "./harness.ts";

const CHROMIUM = "/usr/bin/chromium";
const ARTIFACTS = resolve(import.meta.dir, "../artifacts");

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** page errors and console errors seen so far */
  errors: string[];
  shot(name: string): Promise<void>;
  close(): Promise<void>;
}

export async function openBrowser(opts: { width?: number; height?: number } = {}): Promise<Browser> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const profile = mkdtempSync(join(tmpdir(), "neo-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    acceptDownloads: true,
    viewport: { width: opts.width ?? 1200, height: opts.height ?? 900 },
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => {
    // a refused request (400, 403) is logged by Chromium itself; the page shows those as sentences
    if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) errors.push(m.text());
  });
  return {
    context,
    page,
    errors,
    shot: async (name) => {
      await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** sign in as admin with the first start's one-time password and wait for the console */
export async function signIn(page: Page, srv: Server, hash = "#/overview"): Promise<void> {
  const password = readFileSync(join(srv.data, "web-admin-password"), "utf8").trim();
  await page.goto(`${srv.httpUrl}/web/${hash}`);
  await page.locator("#login-password").waitFor();
  await page.fill("#login-password", password);
  await page.click("#login-submit");
  await page.locator("#main-view").waitFor();
}

/** sign in as `user` with `password` and wait for the console */
export async function signInAs(page: Page, srv: Server, user: string, password: string, hash: string): Promise<void> {
  await page.goto(`${srv.httpUrl}/web/${hash}`);
  await page.locator("#login-password").waitFor();
  await page.fill("#login-name", user);
  await page.fill("#login-password", password);
  await page.click("#login-submit");
  await page.locator("#main-view").waitFor();
}

/** the widths every console page is looked at: a phone, a laptop, a desktop */
const WIDTHS = [390, 1440, 1920] as const;

/**
 * Elements wider than their container: the page itself scrolling sideways, or any element
 * whose right or left edge passes its nearest clipping/scrolling ancestor's content box
 * (or the viewport), or a scroll container whose content is wider than it. Returns a line
 * per offender (at most 10), empty when everything fits.
 */
async function overflowAt(page: Page): Promise<string[]> {
  return page.evaluate<string[]>(`(() => {
    const out = [];
    const doc = document.documentElement;
    if (doc.scrollWidth > window.innerWidth + 1) out.push("page scrolls sideways: " + doc.scrollWidth + " > " + window.innerWidth);
    const name = (e) => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + (typeof e.className === "string" && e.className ? "." + e.className.trim().split(/\\s+/).join(".") : "");
    const clips = (e) => { const s = getComputedStyle(e); return s.overflowX !== "visible"; };
    for (const e of document.querySelectorAll("body *")) {
      if (out.length >= 10) break;
      const r = e.getBoundingClientRect();
      const pos = getComputedStyle(e).position;
      if (r.width === 0 || r.height === 0 || pos === "fixed") continue;
      // a skip link or screen-reader text parked off screen on purpose
      if (pos === "absolute" && (r.right <= 0 || r.left >= window.innerWidth || (r.width <= 1 && r.height <= 1))) continue;
      let box = e.parentElement;
      while (box && box !== document.body && !clips(box)) box = box.parentElement;
      let left = 0, right = window.innerWidth;
      if (box && box !== document.body) {
        const b = box.getBoundingClientRect();
        const s = getComputedStyle(box);
        left = b.left + box.clientLeft + parseFloat(s.paddingLeft) - 1;
        right = b.left + box.clientLeft + box.clientWidth - parseFloat(s.paddingRight) + 1;
        if (s.overflowX !== "hidden" && s.overflowX !== "clip") { left = b.left - 1; right = b.left + box.clientWidth + 1; }
      }
      if (r.right > right + 1 || r.left < left - 1)
        out.push(name(e) + " (" + Math.round(r.left) + ".." + Math.round(r.right) + ") outside " + (box && box !== document.body ? name(box) : "the window") + " (" + Math.round(left) + ".." + Math.round(right) + ")");
      const s = getComputedStyle(e);
      if ((s.overflowX === "auto" || s.overflowX === "scroll") && e.scrollWidth > e.clientWidth + 1)
        out.push(name(e) + " scrolls sideways: content " + e.scrollWidth + " > " + e.clientWidth);
    }
    return out;
  })()`);
}

/** look at the page at every width: a screenshot `<name>-<width>.png` each, and what overflows */
export async function layoutAtWidths(
  b: Browser,
  name: string,
  settle?: () => Promise<void>,
): Promise<Record<number, string[]>> {
  const out: Record<number, string[]> = {};
  for (const w of WIDTHS) {
    await b.page.setViewportSize({ width: w, height: 900 });
    await b.page.evaluate("new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))");
    await settle?.();
    await b.shot(`${name}-${w}`);
    out[w] = await overflowAt(b.page);
  }
  await b.page.setViewportSize({ width: 1200, height: 900 });
  return out;
}
