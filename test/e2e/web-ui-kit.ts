// What the web UI tests share: Debian's Chromium through playwright-core, signing in with
// the login form, generating a key through its dialog, and answering a confirm dialog.
import { existsSync } from "node:fs";
import { expect } from "bun:test";
import { chromium, type Browser, type Page } from "playwright-core";

const CHROMIUM = "/usr/bin/chromium";

export async function launch(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} missing: apt-get install -y chromium`);
  return chromium.launch({
    executablePath: CHROMIUM,
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
}

export async function signIn(page: Page, base: string, password: string): Promise<void> {
  await page.goto(`${base}/`);
  expect(page.url()).toBe(`${base}/web/`);
  await page.locator("#login-view").waitFor();
  await page.fill("#login-password", password);
  await page.click("#login-submit");
  await page.locator("#main-view").waitFor();
}

/** Generate a key through the dialog; returns the token shown once. */
export async function generateKey(page: Page, id: string): Promise<string> {
  await page.click("#new-key");
  await page.fill("#new-id", id);
  await page.click("#new-submit");
  await page.locator("#result-dialog").waitFor();
  const token = await page.locator('#result-files textarea[aria-label="Token"]').inputValue();
  expect(token).toMatch(new RegExp(`^${id}:b:[0-9a-f]{64}$`));
  return token;
}

export async function confirm(page: Page, action: string): Promise<void> {
  await page.locator("#confirm-dialog").waitFor();
  await page.click(`#confirm-yes:text("${action}")`);
  await page.locator("#confirm-dialog").waitFor({ state: "hidden" });
}
