// Shared by the console's browser tests: Debian's Chromium driven by playwright-core with
// a fresh profile per launch, signing in to a real `neo serve`, and screenshots into
// test/artifacts/ (git-ignored) for a person to look at.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import type { Server } from "./harness.ts";

const CHROMIUM = "/usr/bin/chromium";
export const ARTIFACTS = resolve(import.meta.dir, "../artifacts");

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
