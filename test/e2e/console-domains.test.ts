// The console's Domains page and domain switcher in Chromium against a real `neo serve`:
// the operator creates and disables a domain; alice, admin of plant-a (no global rights),
// invites bob as a member (and revokes a mistaken invitation); bob rejects plant-b's
// invitation, accepts plant-a's, switches to plant-a and sees its clients, channels and
// groups read-only with no admin buttons, never plant-b (its API refuses his session too; his
// Data page lists plant-a's channel table, not plant-b's); alice makes bob admin, then
// removes him, and bob's next load has no plant-a left (nor its table).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Page } from "playwright-core";
import { type Browser, openBrowser, signIn, signInAs as signInWith } from "./console-browser.ts";
import { cleanup, neo, type Server, startServer } from "./harness.ts";

let srv: Server;
let b: Browser;
let alice: Page;
let bob: Page;
const ids: Record<string, string> = {};

const signInAs = (page: Page, user: string, hash: string) => signInWith(page, srv, user, `${user}-password-1`, hash);

async function shell(...args: string[]) {
  const r = await neo(
    ["shell", ...args, "--data", srv.data],
    args[0] === "user" ? { stdin: `${args[2]}-password-1\n` } : {},
  );
  if (r.code !== 0) throw new Error(`neo shell ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

/** a session of `user` for the gateway's API (what the console holds) */
async function session(user: string): Promise<string> {
  const r = await fetch(`${srv.httpUrl}/web/api/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ loginName: user, password: `${user}-password-1` }),
  });
  return ((await r.json()) as { accessToken: string }).accessToken;
}

beforeAll(async () => {
  srv = await startServer();
  await shell("user", "add", "alice", "--password-stdin");
  await shell("user", "add", "bob", "--password-stdin");
  await shell("user", "add", "carol", "--password-stdin");
  await shell("domain", "create", "plant-a", "--name", "Plant A");
  await shell("domain", "create", "plant-b", "--name", "Plant B");
  await shell("domain", "member", "add", "plant-a", "alice", "--role", "admin");
  await shell("domain", "member", "add", "plant-b", "carol", "--role", "admin");
  // each domain gets a client and a channel, made by its admin over SuperMQ's API
  for (const [user, d] of [
    ["alice", "plant-a"],
    ["carol", "plant-b"],
  ] as const) {
    const auth = { authorization: `Bearer ${await session(user)}`, "content-type": "application/json" };
    for (const what of ["clients", "channels", "groups"]) {
      const r = await fetch(`${srv.httpUrl}/${d}/${what}`, {
        method: "POST",
        headers: auth,
        body: JSON.stringify({ name: `${d}-${what}-one` }),
      });
      expect(r.status).toBe(201);
      const made = (await r.json()) as { id: string; table?: string; credentials?: { secret: string } };
      ids[`${d}-${what}`] = made.id;
      if (made.table) ids[`${d}-table`] = made.table;
      if (made.credentials) ids[`${d}-secret`] = made.credentials.secret;
    }
    // a reading through SuperMQ's HTTP adapter, so each domain's channel table has a row
    await shell("channel", "connect", ids[`${d}-channels`]!, ids[`${d}-clients`]!);
    const sent = await fetch(`${srv.httpUrl}/m/${d}/c/${ids[`${d}-channels`]}`, {
      method: "POST",
      headers: { authorization: `Client ${ids[`${d}-secret`]}`, "content-type": "application/senml+json" },
      body: JSON.stringify([{ bn: "m1:", n: "temp", v: 21.5 }]),
    });
    expect(sent.status).toBe(202);
  }
  b = await openBrowser({ width: 1280 });
  alice = await b.context.newPage();
  bob = await b.context.newPage();
}, 60_000);
afterAll(async () => {
  await b?.close();
  await srv?.stop();
  if (srv) cleanup(srv.data);
});

const row = (page: Page, table: string, text: string) => page.locator(`${table} tr:has-text(${JSON.stringify(text)})`);

describe("Domains page", () => {
  test("the operator creates a domain, renames and disables it; freeze is offered; Work in sets the switcher", async () => {
    const { page } = b;
    await signIn(page, srv, "#/domains");
    await row(page, "#domains", "Plant A").waitFor();
    await page.fill("#domain-new-name", "Plant C");
    await page.fill("#domain-new-route", "plant-c");
    await page.click('#domain-new button[type="submit"]');
    const c = row(page, "#domains", "Plant C");
    await c.waitFor();
    expect(await c.locator('[data-action="freeze"]').count()).toBe(1);
    await c.locator('[data-action="disable"]').click();
    await page.click("#confirm-yes");
    await page.locator('#domains tr[data-route="plant-c"] td:has-text("disabled")').waitFor();
    await c.locator('[data-action="enable"]').waitFor();
    await c.locator('[data-action="rename"]').click();
    await page.fill("#domain-rename-name", "Plant C, renamed");
    await page.click("#domain-rename-save");
    await row(page, "#domains", "Plant C, renamed").waitFor();
    // "Work in" sets the header's switcher
    const a = page.locator('#domains tr[data-route="plant-a"]');
    await a.locator('[data-action="use"]').click();
    await a.locator("#domain-current").waitFor();
    expect(await page.locator("#domain-switch").inputValue()).toBe((await a.getAttribute("data-id"))!);
    expect(b.errors).toEqual([]);
  }, 60_000);

  test("alice, admin of plant-a, invites bob as a member; she sees no other domain and no operator buttons", async () => {
    await signInAs(alice, "alice", "#/domains");
    const a = row(alice, "#domains", "Plant A");
    await a.waitFor();
    expect(await a.locator("[data-role]").getAttribute("data-role")).toBe("admin");
    expect(await alice.locator('#domains tr[data-route="plant-b"]').count()).toBe(0);
    expect(await alice.locator("#domain-new").count()).toBe(0);
    expect(await a.locator('[data-action="freeze"]').count()).toBe(0);
    expect(await a.locator('[data-action="rename"]').count()).toBe(1);
    await a.locator('[data-action="members"]').click();
    await row(alice, "#domain-members", "alice").waitFor();
    await alice.fill("#domain-invite-user", "bob");
    await alice.selectOption("#domain-invite-role", "member");
    await alice.click('#domain-invite button[type="submit"]');
    await row(alice, "#domain-invitations", "bob").waitFor();
    expect(await row(alice, "#domain-invitations", "bob").textContent()).toContain("member");
    // an invitation sent by mistake is revoked
    await alice.fill("#domain-invite-user", "carol");
    await alice.selectOption("#domain-invite-role", "admin");
    await alice.click('#domain-invite button[type="submit"]');
    const carol = row(alice, "#domain-invitations", "carol");
    await carol.locator('[data-action="revoke"]').click();
    await carol.waitFor({ state: "detached" });
    await row(alice, "#domain-invitations", "bob").waitFor();
  }, 60_000);

  test("alice, in plant-a, makes a client and connects it to a channel: it publishes there until disconnected", async () => {
    const id = (await alice.locator('#domains tr[data-route="plant-a"]').getAttribute("data-id"))!;
    await alice.locator("#domain-switch").waitFor();
    await alice.selectOption("#domain-switch", id);
    await alice.click("#nav-keys");
    await alice.fill("#domain-clients-name", "dev-2");
    await alice.click('#domain-clients-new button[type="submit"]');
    const secret = ((await alice.locator("#domain-client-secret .payload").textContent()) ?? "").trim();
    expect(secret.length).toBeGreaterThan(10);
    await row(alice, "#domain-clients", "dev-2").waitFor();
    const publish = async () =>
      (
        await fetch(`${srv.httpUrl}/m/plant-a/c/${ids["plant-a-channels"]}`, {
          method: "POST",
          headers: { authorization: `Client ${secret}`, "content-type": "application/senml+json" },
          body: JSON.stringify([{ bn: "dev2:", n: "temp", v: 20 }]),
        })
      ).status;
    expect(await publish()).toBe(403);
    await alice.click("#nav-channels");
    const ch = row(alice, "#domain-channels", "plant-a-channels-one");
    for (const to of ["connect", "disconnect"] as const) {
      await ch.locator('[data-action="connect"]').click();
      await alice.locator('#domain-connect-client option:has-text("dev-2")').waitFor({ state: "attached" });
      const value = await alice.locator('#domain-connect-client option:has-text("dev-2")').getAttribute("value");
      await alice.selectOption("#domain-connect-client", value!);
      await alice.selectOption("#domain-connect-types", "publish");
      await alice.click(to === "connect" ? "#domain-connect" : "#domain-disconnect");
      await alice.locator("#domain-connect-dialog").waitFor({ state: "hidden" });
      expect(await publish()).toBe(to === "connect" ? 202 : 403);
    }
    expect(b.errors).toEqual([]);
  }, 60_000);

  test("bob rejects plant-b, accepts plant-a, switches to it and sees its clients, channels and groups read-only, never plant-b", async () => {
    // carol invites him to plant-b too: he rejects that one
    const fromCarol = await fetch(`${srv.httpUrl}/domains/plant-b/invitations`, {
      method: "POST",
      headers: { authorization: `Bearer ${await session("carol")}`, "content-type": "application/json" },
      body: JSON.stringify({ invitee_user_id: "bob", role_id: "member" }),
    });
    expect(fromCarol.status).toBe(201);
    await signInAs(bob, "bob", "#/domains");
    await row(bob, "#my-invitations", "Plant B").locator('[data-action="reject"]').click();
    await row(bob, "#my-invitations", "Plant B").waitFor({ state: "detached" });
    const inv = row(bob, "#my-invitations", "Plant A");
    await inv.locator('[data-action="accept"]').click();
    await bob.locator("#my-invitations-empty").waitFor();
    const a = bob.locator('#domains tr[data-route="plant-a"]');
    await a.locator('[data-role="member"]').waitFor();
    for (const op of ["enable", "disable", "freeze", "rename"])
      expect(await a.locator(`[data-action="${op}"]`).count()).toBe(0);
    await a.locator('[data-action="members"]').click();
    await row(bob, "#domain-members", "alice").waitFor();
    expect(await bob.locator('#domain-members [data-action="remove"], #domain-members select').count()).toBe(0);
    expect(await bob.locator("#domain-invite").count()).toBe(0);

    // the header's switcher: plant-a is there, plant-b is not
    await bob.locator('#domain-switch option:has-text("Plant A")').waitFor({ state: "attached" });
    expect(await bob.locator('#domain-switch option:has-text("Plant B")').count()).toBe(0);
    await bob.selectOption("#domain-switch", await domainId(bob, "plant-a"));
    // Keys, Channels and Groups: plant-a's, read-only; Dashboards: nothing to make
    for (const [nav, what] of [
      ["keys", "clients"],
      ["channels", "channels"],
      ["groups", "groups"],
    ]) {
      await bob.click(`#nav-${nav}`);
      await row(bob, `#domain-${what}`, `plant-a-${what}-one`).waitFor();
      await bob.locator("#domain-read-only").waitFor();
      expect(await bob.locator(`#domain-${what}-new`).count()).toBe(0);
      expect(await bob.locator(`#domain-${what} button`).count()).toBe(0); // no Delete, no Connect
      expect(await bob.locator(`#domain-${what}`).textContent()).not.toContain("plant-b");
    }
    await bob.click("#nav-dashboards");
    await bob.locator("#dashboards-empty").waitFor();
    expect(await bob.locator("#dashboard-new").count()).toBe(0);

    // the Data page: plant-a's channel table, not plant-b's; a query of plant-b's is refused
    await bob.click("#nav-data");
    await bob.locator(`main :text("${ids["plant-a-table"]}")`).first().waitFor();
    expect(await bob.locator("main").textContent()).not.toContain(ids["plant-b-table"]!);

    // what the console holds does not reach plant-b either, nor change plant-a
    const token = await bob.evaluate<string>("sessionStorage.getItem('neo.session')");
    const auth = { authorization: `Bearer ${token}`, "content-type": "application/json" };
    for (const path of [
      "/plant-b/clients",
      "/plant-b/channels",
      "/plant-b/groups",
      `/plant-b/clients/${ids["plant-b-clients"]}`,
    ])
      expect((await fetch(`${srv.httpUrl}${path}`, { headers: auth })).status).toBe(403);
    for (const t of [ids["plant-b-table"], ids["plant-a-table"]]) {
      const q = await fetch(`${srv.httpUrl}/web/api/console/query`, {
        method: "POST",
        headers: auth,
        body: JSON.stringify({ q: `select count(*) from ${t}` }),
      });
      expect(q.status).toBe(t === ids["plant-a-table"] ? 200 : 403);
    }
    const made = await fetch(`${srv.httpUrl}/plant-a/clients`, { method: "POST", headers: auth, body: '{"name":"x"}' });
    expect(made.status).toBe(403);
    expect(b.errors).toEqual([]);
  }, 60_000);

  test("alice makes bob admin, then removes him; bob's next load shows no plant-a", async () => {
    await alice.click("#nav-domains");
    await alice.locator('#domains tr[data-route="plant-a"] [data-action="members"]').click();
    const r = row(alice, "#domain-members", "bob");
    await r.waitFor();
    expect(await r.locator("select").inputValue()).toBe("member");
    // made admin, as the gateway then lists him; then removed
    await r.locator("select").selectOption("admin");
    await alice.locator('#toast:has-text("bob is now admin")').waitFor();
    await alice.reload();
    await alice.locator('#domains tr[data-route="plant-a"] [data-action="members"]').click();
    await r.locator('select[data-action="role"]').waitFor();
    expect(await r.locator("select").inputValue()).toBe("admin");
    await r.locator('[data-action="remove"]').click();
    await alice.click("#confirm-yes");
    await r.waitFor({ state: "detached" });

    await bob.reload();
    await bob.click("#nav-domains");
    await bob.locator("#domains-empty, #domains").first().waitFor();
    await bob.locator("#my-invitations-empty").waitFor();
    expect(await bob.locator('#domains tr[data-route="plant-a"]').count()).toBe(0);
    // the switcher, having listed bob's domains, has left plant-a
    await bob.waitForFunction(`sessionStorage.getItem("neo.domain") !== ${JSON.stringify(ids["plant-a-id"])}`);
    expect(await bob.locator('#domain-switch option:has-text("Plant A")').count()).toBe(0);
    await bob.click("#nav-keys");
    await bob.locator("#main-view h1").first().waitFor();
    expect(await bob.locator("#domain-clients").count()).toBe(0);
    await bob.click("#nav-data");
    await bob.locator("#main-view h1").first().waitFor();
    const token = await bob.evaluate<string>("sessionStorage.getItem('neo.session')");
    const q = await fetch(`${srv.httpUrl}/web/api/console/query`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ q: `select count(*) from ${ids["plant-a-table"]}` }),
    });
    expect(q.status).toBe(403);
    const tables = await fetch(`${srv.httpUrl}/web/api/console/tables`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(await tables.text()).not.toContain(ids["plant-a-table"]!);
    await b.shot("domains-bob-removed");
  }, 60_000);
});

async function domainId(page: Page, route: string): Promise<string> {
  const id = await page.locator(`#domains tr[data-route="${route}"]`).getAttribute("data-id");
  ids[`${route}-id`] = id ?? "";
  return id ?? "";
}
