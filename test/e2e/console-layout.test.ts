// Every console page at 390, 1,440 and 1,920 px, with the content that broke it before:
// a channel whose table is a UUID (a long table name), connected clients with long ids,
// audit rows. Each width gets a screenshot (test/artifacts/layout-<page>-<width>.png) and
// an overflow measure: no element wider than its container, no page scrolling sideways.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type Browser, layoutAtWidths, openBrowser, signIn } from "./console-browser.ts";
import { cleanup, eventually, genKey, neo, type Server, startServer } from "./harness.ts";

const PAGES = [
  "overview",
  "data",
  "dashboards",
  "live",
  "connections",
  "channels",
  "keys",
  "groups",
  "tokens",
  "domains",
  "audit",
  "settings",
];
const UUID = "6f1c2a9e-3b7d-4e8f-9a10-2c3d4e5f6a7b";
const CHANNEL_TABLE = `CH_${UUID.toUpperCase().replaceAll("-", "_")}`;

let srv: Server;
let b: Browser;
let dashboard: string;
const subs: ReturnType<typeof Bun.spawn>[] = [];

beforeAll(async () => {
  srv = await startServer(["--mqtt-enable-token-auth", "true"]);
  const key = await genKey(srv.data, "line-7-temperature-sensor-with-a-long-id-0001");
  expect((await neo(["shell", "channel", "create", UUID, "--data", srv.data])).code).toBe(0);
  // a channel named by a UUID stores into a table with a long name
  for (const t of ["PLANT", CHANNEL_TABLE])
    await fetch(`${srv.httpUrl}/db/write/${t}`, {
      method: "POST",
      headers: { "content-type": "text/csv" },
      body: "temp.a,1700000000000000000,21.5\n",
    });
  for (const id of ["line-7-temperature-sensor-with-a-long-id-0001", "b"]) {
    const sub = Bun.spawn(
      ["mosquitto_sub", "-h", srv.mqttHost, "-p", String(srv.mqttPort), "-i", id, "-u", key.token, "-t", "plant/#"],
      { stdout: "ignore", stderr: "ignore" },
    );
    subs.push(sub);
  }
  // a dashboard with a long name and two panels (one of the UUID channel's table)
  const password = readFileSync(join(srv.data, "web-admin-password"), "utf8").trim();
  const issued = await fetch(`${srv.httpUrl}/users/tokens/issue`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: "admin", password }),
  });
  const access = ((await issued.json()) as { access_token: string }).access_token;
  const panel = (table: string) => ({ title: `${table} readings`, query: { table, tags: ["temp.a"] } });
  const made = await fetch(`${srv.httpUrl}/dashboards`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${access}` },
    body: JSON.stringify({
      name: "Line 7 temperatures of the north building, every sensor",
      time_range: { from: 1_699_999_000_000, to: 1_700_001_000_000 },
      panels: [panel("PLANT"), panel(CHANNEL_TABLE)],
    }),
  });
  dashboard = ((await made.json()) as { id: string }).id;
  // a domain with a long name, a member and a pending invitation (the Domains page's tables)
  const domain = [
    "shell",
    "domain",
    "create",
    "north-building-line-7",
    "--name",
    "North building, line 7, every sensor",
  ];
  expect((await neo([...domain, "--data", srv.data])).code).toBe(0);
  for (const u of ["maintenance-contractor-long", "operator-of-the-night-shift"]) {
    const add = await neo(["shell", "user", "add", u, "--password-stdin", "--data", srv.data], {
      stdin: "long-name-password-1\n",
    });
    expect(add.code).toBe(0);
  }
  const member = ["shell", "domain", "member", "add", "north-building-line-7", "operator-of-the-night-shift"];
  expect((await neo([...member, "--role", "member", "--data", srv.data])).code).toBe(0);
  const invited = await fetch(`${srv.httpUrl}/domains/north-building-line-7/invitations`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${access}` },
    body: JSON.stringify({ invitee_user_id: "maintenance-contractor-long", role_id: "admin" }),
  });
  expect(invited.status).toBe(201);
  b = await openBrowser();
  await signIn(b.page, srv, "#/overview");
}, 60_000);
afterAll(async () => {
  for (const s of subs) {
    s.kill();
    await s.exited;
  }
  await b?.close();
  await srv?.stop();
  if (srv) cleanup(srv.data);
});

describe("every console page at 390, 1,440 and 1,920 px", () => {
  for (const name of PAGES)
    test(`${name}: nothing wider than its container`, async () => {
      await b.page.click(`#nav-${name}`);
      await b.page.locator(`#main-view [aria-current="page"], #nav-${name}[aria-current="page"]`).first().waitFor();
      // the page has said something (content, or a sentence while it loads)
      await eventually(async () => ((await b.page.locator("main").textContent()) ?? "").trim().length > 20, 10_000);
      if (name === "connections")
        await b.page.locator("text=line-7-temperature-sensor-with-a-long-id-0001").first().waitFor();
      if (name === "data")
        await b.page
          .locator(`text=${UUID.toUpperCase().replaceAll("-", "_")}`)
          .first()
          .waitFor();
      const found = await layoutAtWidths(b, `layout-${name}`);
      expect(found).toEqual({ 390: [], 1440: [], 1920: [] });
    }, 60_000);

  test("an open dashboard: nothing wider than its container", async () => {
    await b.page.goto(`${srv.httpUrl}/web/#/dashboards?id=${dashboard}`);
    await b.page.locator("#panel-1-chart").waitFor();
    const found = await layoutAtWidths(b, "layout-dashboard");
    expect(found).toEqual({ 390: [], 1440: [], 1920: [] });
  }, 60_000);

  test("the Domains page with a domain's members and invitations open: nothing wider than its container", async () => {
    await b.page.goto(`${srv.httpUrl}/web/#/domains`);
    await b.page.locator('#domains tr[data-route="north-building-line-7"] [data-action="members"]').click();
    await b.page.locator("#domain-invitations").waitFor();
    await b.page.locator("#domain-members").waitFor();
    const found = await layoutAtWidths(b, "layout-domains-members");
    expect(found).toEqual({ 390: [], 1440: [], 1920: [] });
  }, 60_000);

  test("a dashboard being made (two panels, one SQL): nothing wider than its container", async () => {
    await b.page.goto(`${srv.httpUrl}/web/#/dashboards?new`);
    await b.page.locator("#panel-0-table").waitFor();
    await b.page.click("#panel-add");
    await b.page.selectOption("#panel-1-mode", "sql");
    await b.page.locator("#panel-1-sql").waitFor();
    const found = await layoutAtWidths(b, "layout-dashboard-edit");
    expect(found).toEqual({ 390: [], 1440: [], 1920: [] });
  }, 60_000);
});
