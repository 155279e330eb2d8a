// The console's Audit page in Chromium against a real `neo serve`: a failed MQTT connect
// (mosquitto_pub with a wrong token) and a key made in the console show in the trail,
// filtered; a ban in registry.db shows under Bans and "Clear" lifts it for the server.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { openBanStore } from "../../src/registry/index.ts";
import { openBrowser, signIn, type Browser } from "./console-browser.ts";
import { cleanup, eventually, run, type Server, startServer } from "./harness.ts";

let srv: Server;
let b: Browser;

beforeAll(async () => {
  srv = await startServer(["--mqtt-enable-token-auth", "true"]);
  b = await openBrowser();
});
afterAll(async () => {
  await b?.close();
  await srv.stop();
  cleanup(srv.data);
});

describe("Audit page", () => {
  test("shows a refused mosquitto_pub connect, and filters the trail by result", async () => {
    const r = await run([
      "mosquitto_pub",
      "-h",
      srv.mqttHost,
      "-p",
      String(srv.mqttPort),
      "-i",
      "intruder",
      "-u",
      "not-a-token",
      "-t",
      "x",
      "-m",
      "1",
    ]);
    expect(r.code).not.toBe(0);
    const { page } = b;
    await signIn(page, srv, "#/audit");
    await page.locator("#audit").waitFor();
    await page.selectOption("#audit-result", "fail");
    await page.click("#audit-apply");
    await eventually(() =>
      page.evaluate<boolean>(
        "document.querySelectorAll('#audit tbody tr').length > 0 && document.querySelectorAll('#audit tbody tr[data-result=ok]').length === 0",
      ),
    );
    expect(await page.locator("#audit tbody").textContent()).toContain("auth · connect");
    await page.selectOption("#audit-result", "");
    await page.fill("#audit-since", "soon");
    await page.click("#audit-apply");
    expect(await page.locator("#audit-error").textContent()).toContain("since must be a duration");
    await b.shot("audit");
  }, 40_000);

  test("a ban shows under Bans; Clear lifts it in registry.db for the running server", async () => {
    const bans = openBanStore(srv.data);
    try {
      const now = Date.now();
      bans.put({ address: "192.0.2.7", since: now, until: now + 600_000, level: 0, failures: 10 });
      const { page } = b;
      // the server picks the ban up from registry.db within its re-check interval
      const session = await page.evaluate<string>("sessionStorage.getItem('neo.session')");
      await eventually(async () => {
        const r = await fetch(`${srv.httpUrl}/web/api/console/bans`, {
          headers: { authorization: `Bearer ${session}` },
        });
        return ((await r.json()) as { data: { address: string }[] }).data.some((x) => x.address === "192.0.2.7");
      });
      await page.click("#nav-keys");
      await page.click("#nav-audit");
      const row = page.locator('#bans tr[data-address="192.0.2.7"]');
      await row.waitFor();
      await page.getByRole("button", { name: "Clear the ban of 192.0.2.7" }).click();
      await page.getByRole("dialog", { name: "Lift the ban of 192.0.2.7?" }).waitFor();
      await page.click("#confirm-yes");
      await page.locator("#bans-empty").waitFor();
      expect(bans.all().map((x) => x.address)).not.toContain("192.0.2.7");
      // and the clear is in the trail
      await page.selectOption("#audit-kind", "change");
      await page.fill("#audit-since", "1h");
      await page.click("#audit-apply");
      await page.locator("#audit tbody tr", { hasText: "ban.clear" }).waitFor();
      await b.shot("audit-bans-cleared");
      expect(b.errors).toEqual([]);
    } finally {
      bans.close();
    }
  }, 40_000);
});
