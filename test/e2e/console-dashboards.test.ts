// The console's Dashboards page in Chromium against a real `neo serve`: a dashboard made in
// the page with a panel of two series (two tags of a table) is saved, survives a reload
// and draws its uPlot chart; the time range picker and refresh change what is read; the
// header's domain switcher scopes the page to another domain.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type Browser, openBrowser, signIn } from "./console-browser.ts";
import { cleanup, neo, type Server, startServer } from "./harness.ts";

let srv: Server;
let b: Browser;

/** how many pixels uPlot drew on the panel's canvas */
const drawn = (sel: string) => `(() => {
  const c = document.querySelector(${JSON.stringify(`${sel} canvas`)});
  if (!c) return 0;
  const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
  let n = 0;
  for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
  return n;
})()`;

beforeAll(async () => {
  srv = await startServer();
  // two sensors, a point a minute over the last 20 minutes; one older point (3 h ago)
  const now = Date.now();
  const rows: [string, number, number][] = [];
  for (let i = 0; i < 20; i++)
    for (const [k, name] of ["temp.a", "temp.b"].entries())
      rows.push([name, (now - i * 60_000) * 1_000_000, 20 + k * 5 + (i % 4)]);
  rows.push(["temp.old", (now - 3 * 3_600_000) * 1_000_000, 1]);
  const w = await fetch(`${srv.httpUrl}/db/write/PLANT`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(rows),
  });
  expect(w.status).toBe(200);
  expect((await neo(["shell", "domain", "create", "north", "--name", "North", "--data", srv.data])).code).toBe(0);
  b = await openBrowser({ width: 1280 });
}, 60_000);
afterAll(async () => {
  await b?.close();
  await srv?.stop();
  if (srv) cleanup(srv.data);
});

describe("Dashboards page", () => {
  test("a new dashboard with two series is saved, survives a reload and draws its chart", async () => {
    const { page } = b;
    await signIn(page, srv, "#/dashboards");
    await page.locator("#dashboards-empty").waitFor();
    await page.click("#dashboard-new");
    await page.fill("#dashboard-name", "Plant temperatures");
    await page.fill("#dashboard-description", "two sensors");
    await page.locator("#panel-0-table").waitFor();
    await page.fill("#panel-0-title", "Temperatures");
    await page.fill("#panel-0-table", "PLANT");
    await page.fill("#panel-0-tags", "temp.a, temp.b");
    await page.locator("#panel-0-tags").dispatchEvent("change");
    await page.selectOption("#panel-0-type", "line");
    await page.selectOption("#edit-refresh", "10s");
    await page.click("#dashboard-save");
    await page.locator("#dashboard #panel-0-chart").waitFor();
    expect(await page.locator("#panel-0-chart").getAttribute("data-series")).toBe("2");
    expect(await page.locator("#panel-0-chart .u-legend .u-series").count()).toBe(3); // x + 2 tags
    expect(await page.evaluate<number>(drawn("#panel-0-chart"))).toBeGreaterThan(100);
    const url = page.url();
    expect(url).toContain("#/dashboards?id=");

    await page.reload();
    await page.locator("#dashboard #panel-0-chart").waitFor();
    expect(await page.locator("#dashboard-h").textContent()).toBe("Plant temperatures");
    expect(await page.locator("#panel-0-chart").getAttribute("data-series")).toBe("2");
    expect(await page.evaluate<number>(drawn("#panel-0-chart"))).toBeGreaterThan(100);
    expect(await page.locator("#refresh").inputValue()).toBe("10s");
    await b.shot("dashboards-view");

    // the list shows it
    await page.click("#dashboards-back");
    await page.locator('#dashboards tr:has-text("Plant temperatures")').waitFor();
    expect(b.errors).toEqual([]);
  }, 60_000);

  test("editing adds a bar panel of every tag; the picker's 6 hours reach the older point", async () => {
    const { page } = b;
    await page.click('#dashboards a:has-text("Plant temperatures")');
    await page.click("#dashboard-edit");
    await page.waitForURL(/&edit$/);
    // the editor survives a reload (it reads the dashboard again)
    await page.reload();
    await page.locator("#panel-0-title").waitFor();
    expect(await page.locator("#panel-0-title").inputValue()).toBe("Temperatures");
    await page.click("#panel-add");
    await page.fill("#panel-1-title", "All tags");
    await page.fill("#panel-1-table", "PLANT");
    await page.selectOption("#panel-1-type", "bar");
    await page.selectOption("#panel-1-aggregate", "avg");
    await page.click("#dashboard-save");
    await page.locator("#dashboard #panel-1-chart").waitFor();
    expect(await page.locator("#panel-1-chart").getAttribute("data-kind")).toBe("bar");
    expect(await page.locator("#panel-1-chart").getAttribute("data-series")).toBe("2"); // the last hour: no temp.old
    await page.selectOption("#range", "6h");
    await page.locator('#panel-1-chart[data-series="3"]').waitFor();
    // an absolute range with nothing in it
    await page.selectOption("#range", "custom");
    await page.fill("#range-from", "2001-01-01T00:00");
    await page.fill("#range-to", "2001-01-02T00:00");
    await page.click("#range-apply");
    await page.locator("#panel-0-empty").waitFor();
    expect(b.errors).toEqual([]);
  }, 60_000);

  test("the domain switcher scopes the page: another domain has its own dashboards", async () => {
    const { page } = b;
    await page.goto(`${srv.httpUrl}/web/#/dashboards`);
    await page.locator("#domain-switch").waitFor();
    await page.locator('#dashboards tr:has-text("Plant temperatures")').waitFor();
    const north = await page.locator('#domain-switch option:has-text("North")').getAttribute("value");
    await page.selectOption("#domain-switch", north!);
    await page.locator("#dashboards-empty").waitFor();
    await page.click("#dashboard-new");
    await page.fill("#dashboard-name", "North board");
    await page.locator("#panel-0-table").waitFor();
    await page.fill("#panel-0-table", "PLANT");
    await page.click("#dashboard-save");
    await page.locator("#dashboard-h:has-text('North board')").waitFor();
    const listed = (await (
      await fetch(`${srv.httpUrl}/north/dashboards`, {
        headers: { authorization: `Bearer ${await page.evaluate<string>("sessionStorage.getItem('neo.session')")}` },
      })
    ).json()) as { dashboards: { name: string }[] };
    expect(listed.dashboards.map((d: { name: string }) => d.name)).toEqual(["North board"]);
    await page.click("#dashboards-back");
    await page.locator('#dashboards tr:has-text("North board")').waitFor();
    expect(await page.locator('#dashboards tr:has-text("Plant temperatures")').count()).toBe(0);
    expect(b.errors).toEqual([]);
  }, 60_000);

  test("in another domain the Keys and Channels pages list that domain's clients and channels", async () => {
    const { page } = b;
    // the switcher still says North (kept for the tab)
    await page.click("#nav-keys");
    await page.locator("#domain-clients-name").waitFor();
    await b.shot("dashboards-domain-keys");
    await page.locator("#domain-clients-empty").waitFor();
    await page.fill("#domain-clients-name", "north sensor");
    await page.click("#domain-clients-new button[type=submit]");
    await page.locator("#domain-client-secret").waitFor();
    expect(await page.locator("#domain-client-secret .payload").textContent()).toMatch(/:b:[0-9a-f]{64}$/);
    await page.locator('#domain-clients tr:has-text("north sensor")').waitFor();
    await page.click("#nav-channels");
    await page.fill("#domain-channels-name", "north line");
    await page.click("#domain-channels-new button[type=submit]");
    await page.locator('#domain-channels tr:has-text("north line")').waitFor();
    // the default domain: machbase-neo's key page again, without north's client
    await page.selectOption("#domain-switch", "00000000-0000-4000-8000-000000000000");
    await page.click("#nav-keys");
    await page.locator("#keys-h").waitFor();
    expect(await page.locator("text=north sensor").count()).toBe(0);
    expect(b.errors).toEqual([]);
  }, 60_000);

  test("the Data page's view is saved as a panel of a new dashboard", async () => {
    const { page } = b;
    await page.selectOption("#domain-switch", "00000000-0000-4000-8000-000000000000");
    await page.click("#nav-data");
    await page.click('#tables tr[data-table="PLANT"] button');
    await page.locator("#query-chart").waitFor();
    await page.click("#save-panel");
    await page.locator("#save-target").waitFor();
    await page.selectOption("#save-target", "");
    await page.fill("#save-name", "From the Data page");
    await page.click("#save-dashboard");
    await page.locator("#dashboard-h:has-text('From the Data page')").waitFor();
    // every tag of PLANT over the dashboard's last hour: temp.a and temp.b
    await page.locator('#panel-0-chart[data-series="2"]').waitFor();
    expect(await page.locator("#panel-0 h2").textContent()).toBe("PLANT");
    expect(b.errors).toEqual([]);
  }, 60_000);

  test("bob, shown the dashboard without tables:read on PLANT, sees each panel's refusal and no Edit/Share/Delete", async () => {
    const { page } = b;
    const add = await neo(
      [
        "shell",
        "user",
        "add",
        "bob",
        "--scope",
        "dashboards:read:*",
        "--scope",
        "tables:read:OTHER",
        "--password-stdin",
        "--data",
        srv.data,
      ],
      { stdin: "bob-password-1\n" },
    );
    expect(add.code).toBe(0);
    const session = await page.evaluate<string>("sessionStorage.getItem('neo.session')");
    const auth = { authorization: `Bearer ${session}`, "content-type": "application/json" };
    const list = (await (await fetch(`${srv.httpUrl}/dashboards`, { headers: auth })).json()) as {
      dashboards: { id: string; name: string }[];
    };
    const d = list.dashboards.find((x) => x.name === "Plant temperatures")!;
    const share = await fetch(`${srv.httpUrl}/dashboards/${d.id}/share`, {
      method: "POST",
      headers: auth,
      body: JSON.stringify({ users: ["bob"] }),
    });
    expect(share.status).toBe(200);
    await page.click("#logout");
    await page.locator("#login-password").waitFor();
    await page.fill("#login-name", "bob");
    await page.fill("#login-password", "bob-password-1");
    await page.click("#login-submit");
    await page.locator("#main-view").waitFor();
    await page.goto(`${srv.httpUrl}/web/#/dashboards?id=${d.id}`);
    await page.locator("#panel-0-error").waitFor();
    expect(await page.locator("#panel-0-error").textContent()).toContain("not allowed to read table PLANT");
    await page.locator("#panel-1-error").waitFor();
    expect(await page.locator("#dashboard canvas").count()).toBe(0);
    for (const button of ["#dashboard-edit", "#dashboard-share", "#dashboard-delete"])
      expect(await page.locator(button).count()).toBe(0);
    await b.shot("dashboards-viewer-refused");
  }, 60_000);
});
