// The console's Channels and Tokens pages in Chromium against a real `neo serve` with
// token auth: a channel made and a key connected in the page lets mosquitto_pub publish
// SenML there (Mainflux's -u id -P token); a PAT made in the page reads /db/query with
// curl-like fetches until the page revokes it.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { openBrowser, signIn, type Browser } from "./console-browser.ts";
import { cleanup, genKey, run, type Server, startServer } from "./harness.ts";

let srv: Server;
let b: Browser;
let token: string;
let pat = "";

beforeAll(async () => {
  srv = await startServer(["--mqtt-enable-token-auth", "true", "--http-enable-token-auth", "true"]);
  token = (await genKey(srv.data, "sensor-9")).token;
  b = await openBrowser();
});
afterAll(async () => {
  await b?.close();
  await srv.stop();
  cleanup(srv.data);
});

const query = (sql: string, bearer: string) =>
  fetch(`${srv.httpUrl}/db/query?q=${encodeURIComponent(sql)}`, { headers: { authorization: `Bearer ${bearer}` } });

describe("Tokens page", () => {
  test("creates a PAT whose secret is shown once, lists it with its scopes, and the PAT reads /db/query", async () => {
    const { page } = b;
    await signIn(page, srv, "#/tokens");
    await page.locator("#pats-empty").waitFor();
    await page.click("#pat-new");
    await page.getByRole("dialog", { name: "New personal access token" }).waitFor();
    await page.fill("#pat-name", "ci-reader");
    // nothing is granted by default (no tables:read:* behind a quick token's back)
    expect(await page.getByLabel("Scope 1 type").inputValue()).toBe("");
    await page.click("#pat-create");
    await page.locator("#pat-error").waitFor();
    await page.getByLabel("Scope 1 type").selectOption("tables");
    await page.getByLabel("Scope 1 operation").fill("read");
    await page.getByLabel("Scope 1 target").fill("*");
    await page.click("#pat-create");
    await page.getByRole("dialog", { name: "Token ci-reader" }).waitFor();
    pat = await page.locator("#pat-secret").inputValue();
    expect(pat).toStartWith("pat_");
    await b.shot("tokens-secret");
    await page.click("#pat-secret-done");
    const row = page.locator('#pats tr[data-pat="ci-reader"]');
    await row.waitFor();
    expect(await row.locator("code.scope").allTextContents()).toEqual(["tables:read:*"]);
    expect((await query("select count(*) from EXAMPLE", pat)).status).toBe(200);
  }, 40_000);
});

describe("Channels page", () => {
  test("creates a channel, connects a key, mosquitto_pub publishes SenML to it, and disconnect takes the right away", async () => {
    const { page } = b;
    await page.click("#nav-channels");
    await page.locator("#channels-empty").waitFor();
    await page.click("#channel-new");
    await page.getByRole("dialog", { name: "New channel" }).waitFor();
    await page.fill("#channel-id", "plant1");
    await page.fill("#channel-name", "Plant one");
    await page.click("#channel-create");
    const card = page.locator('article[data-channel="plant1"]');
    await card.waitFor();
    await card.locator(".connect-client").fill("sensor-9");
    await card.locator("button", { hasText: "Connect" }).click();
    await card.locator('li[data-client="sensor-9"]').waitFor();
    await b.shot("channels");

    const pub = await run([
      "mosquitto_pub",
      "-h",
      srv.mqttHost,
      "-p",
      String(srv.mqttPort),
      "-i",
      "sensor-9",
      "-u",
      "sensor-9",
      "-P",
      token,
      "-q",
      "1",
      "-t",
      "channels/plant1/messages",
      "-m",
      '[{"bn":"line1:","n":"temp","u":"Cel","v":21.5}]',
    ]);
    expect(pub.code).toBe(0);
    const table = (
      ((await page.evaluate<string>(
        "document.querySelector('article[data-channel=plant1] p.muted code:nth-of-type(2)').textContent",
      )) ?? "") as string
    ).trim();
    expect(table).not.toBe("");
    const rows = await query(`select NAME, VALUE from ${table}`, pat);
    expect(((await rows.json()) as { data: { rows: unknown[][] } }).data.rows).toEqual([["line1:temp", 21.5]]);

    await page.getByRole("button", { name: "Disconnect sensor-9 from channel plant1" }).click();
    await card.locator('li[data-client="sensor-9"]').waitFor({ state: "detached" });
  }, 40_000);
});

describe("Tokens page, afterwards", () => {
  test("revoking the PAT in the page stops it at once", async () => {
    const { page } = b;
    await page.click("#nav-tokens");
    await page.getByRole("button", { name: "Revoke token ci-reader" }).click();
    await page.getByRole("dialog", { name: "Revoke ci-reader?" }).waitFor();
    await page.click("#confirm-yes");
    await page.locator('#pats tr[data-pat="ci-reader"] .badge.revoked').waitFor();
    expect((await query("select count(*) from EXAMPLE", pat)).status).toBe(401);
    await b.shot("tokens-revoked");
    expect(b.errors).toEqual([]);
  }, 40_000);
});
