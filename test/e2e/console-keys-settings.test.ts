// The console's key screen used with the keyboard only (labelled dialogs, distinguishable
// Revoke/Delete names, focus kept), the "Server cert" button refusing to save an error
// reply, and the Settings page (resolved config without secrets, CA download), in
// Chromium against a real `neo serve`.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { openBrowser, type Browser } from "./console-browser.ts";
import { cleanup, eventually, type Server, startServer } from "./harness.ts";

let srv: Server;
let b: Browser;

beforeAll(async () => {
  srv = await startServer(["--http-enable-token-auth", "true"]);
  b = await openBrowser({ width: 390, height: 844 });
});
afterAll(async () => {
  await b?.close();
  await srv.stop();
  cleanup(srv.data);
});

const activeId = () => b.page.evaluate<string>("document.activeElement ? document.activeElement.id : ''");
const activeName = () =>
  b.page.evaluate<string>(
    "document.activeElement ? (document.activeElement.getAttribute('aria-label') || document.activeElement.textContent || '').trim() : ''",
  );

async function tabTo(id: string): Promise<void> {
  for (let i = 0; i < 40; i++) {
    if ((await activeId()) === id) return;
    await b.page.keyboard.press("Tab");
  }
  throw new Error(`Tab never reached #${id}`);
}

describe("key screen with the keyboard only, at phone width", () => {
  test("New key opens a dialog named by its title, Enter generates, Esc asks before closing the one-time secrets", async () => {
    const { page } = b;
    const password = readFileSync(join(srv.data, "web-admin-password"), "utf8").trim();
    await page.goto(`${srv.httpUrl}/web/#/keys`);
    await page.locator("#login-password").waitFor();
    await page.keyboard.type(password); // the password field has focus on arrival
    await page.keyboard.press("Enter");
    await page.locator("#empty").waitFor();
    await tabTo("new-key");
    await page.keyboard.press("Enter");
    await page.getByRole("dialog", { name: "New client key" }).waitFor();
    expect(await activeId()).toBe("new-id");
    await page.keyboard.type("kb-01");
    await page.keyboard.press("Enter");
    const result = page.getByRole("dialog", { name: "Key for kb-01" });
    await result.waitFor();
    await b.shot("keys-result-phone");
    await page.keyboard.press("Escape");
    const confirm = page.getByRole("dialog", { name: "Close without saving?" });
    await confirm.waitFor();
    expect(await activeId()).toBe("confirm-no"); // the safe choice has focus
    await page.keyboard.press("Tab");
    expect(await activeId()).toBe("confirm-yes");
    await page.keyboard.press("Enter");
    await result.waitFor({ state: "hidden" });
    await page.locator('tr[data-id="kb-01"]').waitFor();
  }, 40_000);

  test("Revoke and Delete have names a screen reader tells apart, and focus stays in the table after a revoke", async () => {
    const { page } = b;
    expect(await page.getByRole("button", { name: "Revoke key kb-01" }).count()).toBe(1);
    expect(await page.getByRole("button", { name: "Delete key kb-01" }).count()).toBe(1);
    await page.getByRole("button", { name: "Revoke key kb-01" }).focus();
    await page.keyboard.press("Enter");
    await page.getByRole("dialog", { name: "Revoke kb-01?" }).waitFor();
    await page.keyboard.press("Tab");
    await page.keyboard.press("Enter");
    await page.locator('tr[data-id="kb-01"] .badge.revoked').waitFor();
    // the Revoke button is gone with the revoke; focus went to the row's Delete, not to the page
    // (no waitForFunction: the page's CSP forbids the eval it uses)
    await eventually(() =>
      page.evaluate<boolean>("!!document.activeElement && document.activeElement !== document.body"),
    );
    expect(await activeName()).toBe("Delete key kb-01");
    await b.shot("keys-revoked-phone");
  }, 40_000);

  test("Server cert never saves an error reply as server.pem, and saves the real CA certificate", async () => {
    const { page } = b;
    let downloads = 0;
    page.on("download", () => downloads++);
    await page.route("**/web/api/server-cert", (r) =>
      r.fulfill({ status: 500, contentType: "application/json", body: '{"success":false,"reason":"internal error"}' }),
    );
    await page.click("#server-cert");
    await page.locator("#toast:text('could not send the file')").waitFor();
    expect(await page.locator("#toast").getAttribute("class")).toContain("bad");
    expect(downloads).toBe(0);
    await page.unroute("**/web/api/server-cert");
    const [d] = await Promise.all([page.waitForEvent("download"), page.click("#server-cert")]);
    expect(d.suggestedFilename()).toBe("server.pem");
    expect(readFileSync((await d.path())!, "utf8")).toStartWith("-----BEGIN CERTIFICATE-----");
  }, 40_000);
});

describe("Settings", () => {
  test("shows the resolved config without the admin password and downloads the CA certificate", async () => {
    const { page } = b;
    await page.setViewportSize({ width: 1200, height: 900 });
    await page.click("#nav-settings"); // still signed in from the key tests
    const cfg = page.locator("#config");
    await cfg.waitFor();
    const text = (await cfg.textContent()) ?? "";
    expect(text).toContain("EnableTokenAuth = true");
    expect(text).toContain(`Data = "${srv.data}"`);
    expect(text).not.toContain(readFileSync(join(srv.data, "web-admin-password"), "utf8").trim());
    const [d] = await Promise.all([page.waitForEvent("download"), page.click("#ca-download")]);
    expect(readFileSync((await d.path())!, "utf8")).toStartWith("-----BEGIN CERTIFICATE-----");
    await b.shot("settings");
    expect(b.errors).toEqual([]);
  }, 40_000);
});
