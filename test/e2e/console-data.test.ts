// The console's Data page in Chromium against a real `neo serve`: rows written over HTTP
// show in the table list; picking the table (or Ctrl+Enter in the query box) runs the
// query through the /db/query path; the result is a table and a uPlot chart with one
// series per NAME; CSV download; phone width.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { openBrowser, signIn, type Browser } from "./console-browser.ts";
import { cleanup, neo, type Server, startServer } from "./harness.ts";

let srv: Server;
let b: Browser;
const T0 = 1_700_000_000_000; // ms

beforeAll(async () => {
  srv = await startServer();
  // three sensors, four points each, a second apart
  const rows: [string, number, number][] = [];
  ["temp.a", "temp.b", "temp.c"].forEach((name, k) => {
    for (let i = 0; i < 4; i++) rows.push([name, (T0 + i * 1000) * 1_000_000, 10 * k + i * (k + 1)]);
  });
  const w = await fetch(`${srv.httpUrl}/db/write/PLANT`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(rows),
  });
  expect(w.status).toBe(200);
  b = await openBrowser();
});
afterAll(async () => {
  await b?.close();
  await srv.stop();
  cleanup(srv.data);
});

describe("Data page", () => {
  test("lists the tables with row counts and time range, and charts a query as one series per NAME", async () => {
    const { page } = b;
    await signIn(page, srv, "#/data");
    const row = page.locator('#tables tr[data-table="PLANT"]');
    await row.waitFor();
    expect(await row.locator("td").nth(1).textContent()).toBe("12");
    expect(await row.locator("td").nth(3).textContent()).not.toBe("—");

    await row.locator("button").click();
    await page.locator("#result").waitFor();
    expect(await page.locator("#result tbody tr").count()).toBe(12);
    expect(await page.locator("#query-summary").textContent()).toContain("12 rows");
    const chart = page.locator("#query-chart");
    await chart.waitFor();
    expect(await chart.getAttribute("data-series")).toBe("3");
    // uPlot drew on its canvas: some pixels are not blank
    const drawn = await page.evaluate<number>(`(() => {
      const c = document.querySelector("#query-chart canvas");
      if (!c) return 0;
      const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
      return n;
    })()`);
    expect(drawn).toBeGreaterThan(100);
    expect(await page.locator("#query-chart .u-legend .u-series").count()).toBe(4); // x + 3 names
    await b.shot("data-chart");
  }, 30_000);

  test("Ctrl+Enter runs what is typed; a failing query says why in a sentence; CSV and NDJSON have every row", async () => {
    const { page } = b;
    await page.fill("#sql", "SELECT NAME, VALUE FROM PLANT WHERE NAME = 'temp.b' ORDER BY VALUE");
    await page.press("#sql", "Control+Enter");
    await page.locator("#query-summary:text('4 rows')").waitFor();
    expect(await page.locator("#query-chart").count()).toBe(0); // no TIME column: no chart

    const [download] = await Promise.all([page.waitForEvent("download"), page.click("#csv")]);
    expect(download.suggestedFilename()).toBe("query.csv");
    const csv = readFileSync((await download.path())!, "utf8")
      .trim()
      .split("\n");
    expect(csv[0]).toBe("NAME,VALUE");
    expect(csv.length).toBe(5);
    // NDJSON too, written by the gateway: one object a row
    const [nd] = await Promise.all([page.waitForEvent("download"), page.click("#ndjson")]);
    expect(nd.suggestedFilename()).toBe("query.ndjson");
    const lines = readFileSync((await nd.path())!, "utf8")
      .trim()
      .split("\n");
    expect(lines.length).toBe(4);
    expect(Object.keys(JSON.parse(lines[0]!))).toEqual(["NAME", "VALUE"]);

    await page.fill("#sql", "DELETE FROM PLANT");
    await page.press("#sql", "Control+Enter");
    const err = page.locator("#query-error");
    await err.waitFor();
    expect(await err.textContent()).toMatch(/^The query failed: /);
    expect(await err.getAttribute("role")).toBe("alert");
    // nothing was deleted
    const n = await fetch(`${srv.httpUrl}/db/query?q=${encodeURIComponent("select count(*) from PLANT")}`);
    expect(((await n.json()) as { data: { rows: number[][] } }).data.rows[0]?.[0]).toBe(12);
    await b.shot("data-error");
  }, 30_000);

  test("at phone width (390 px) the page fits without sideways scrolling", async () => {
    const { page } = b;
    await page.setViewportSize({ width: 390, height: 844 });
    await page.fill("#sql", "SELECT NAME, TIME, VALUE FROM PLANT ORDER BY TIME");
    await page.press("#sql", "Control+Enter");
    await page.locator("#query-chart canvas").waitFor();
    const overflow = await page.evaluate<number>("document.documentElement.scrollWidth - window.innerWidth");
    expect(overflow).toBeLessThanOrEqual(0);
    await b.shot("data-phone");
    expect(b.errors).toEqual([]);
  }, 30_000);

  test("a user with tables:read:PLANT sees only PLANT and its query of another table is refused with the reason", async () => {
    const w = await fetch(`${srv.httpUrl}/db/write/SECRET`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify([["s", Date.now() * 1_000_000, 1]]),
    });
    expect(w.status).toBe(200);
    const add = await neo(
      [
        "shell",
        "user",
        "add",
        "viewer",
        "--role",
        "user",
        "--scope",
        "tables:read:PLANT",
        "--password-stdin",
        "--data",
        srv.data,
      ],
      { stdin: "viewer-password-1\n" },
    );
    expect(add.code).toBe(0);
    const login = await fetch(`${srv.httpUrl}/web/api/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ loginName: "viewer", password: "viewer-password-1" }),
    });
    const session = ((await login.json()) as { accessToken: string }).accessToken;
    const as = { authorization: `Bearer ${session}`, "content-type": "application/json" };
    const tables = await fetch(`${srv.httpUrl}/web/api/console/tables`, { headers: as });
    expect(((await tables.json()) as { data: { name: string }[] }).data.map((t) => t.name)).toEqual(["PLANT"]);
    const okq = await fetch(`${srv.httpUrl}/web/api/console/query`, {
      method: "POST",
      headers: as,
      body: JSON.stringify({ q: "select count(*) from PLANT" }),
    });
    expect(okq.status).toBe(200);
    const no = await fetch(`${srv.httpUrl}/web/api/console/query`, {
      method: "POST",
      headers: as,
      body: JSON.stringify({ q: "select * from SECRET" }),
    });
    expect(no.status).toBe(403);
    expect(((await no.json()) as { reason: string }).reason).toContain("SECRET");
    // and the pages that are an admin's say so
    expect((await fetch(`${srv.httpUrl}/web/api/console/settings`, { headers: as })).status).toBe(403);
  }, 30_000);
});
