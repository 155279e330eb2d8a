// The console's Overview, Live and Connections pages in Chromium against a real
// `neo serve` with MQTT token auth, driven by real mosquitto clients: what they do shows
// up in the charts, in the Live stream (over MQTT/WebSocket with the console session),
// and in the connection list, whose "disconnect and revoke" ends the key everywhere.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { openBrowser, signIn, type Browser } from "./console-browser.ts";
import { cleanup, eventually, genKey, run, type Server, startServer } from "./harness.ts";

let srv: Server;
let b: Browser;
let token: string;
const subs: ReturnType<typeof Bun.spawn>[] = [];

const pub = (topic: string, message: string) =>
  run([
    "mosquitto_pub",
    "-h",
    srv.mqttHost,
    "-p",
    String(srv.mqttPort),
    "-i",
    "pub-1",
    "-u",
    token,
    "-t",
    topic,
    "-m",
    message,
  ]);

beforeAll(async () => {
  srv = await startServer(["--mqtt-enable-token-auth", "true"]);
  token = (await genKey(srv.data, "sensor-7")).token;
  b = await openBrowser();
});
afterAll(async () => {
  for (const s of subs) {
    s.kill();
    await s.exited;
  }
  await b?.close();
  await srv.stop();
  cleanup(srv.data);
});

describe("Overview", () => {
  test("shows a mosquitto_sub connection, messages per second and the listeners with their auth mode", async () => {
    const sub = Bun.spawn(
      [
        "mosquitto_sub",
        "-h",
        srv.mqttHost,
        "-p",
        String(srv.mqttPort),
        "-i",
        "watcher-1",
        "-u",
        token,
        "-t",
        "plant/#",
      ],
      { stdout: "ignore", stderr: "ignore" },
    );
    subs.push(sub);
    const { page } = b;
    await signIn(page, srv, "#/overview");
    await page.locator("#ov-connections").waitFor();
    await eventually(async () => (await page.locator("#ov-connections").textContent()) === "1", 10_000);
    for (let i = 0; i < 5; i++) expect((await pub("plant/line1", `${i}`)).code).toBe(0);
    await eventually(async () => Number(await page.locator("#ov-received").textContent()) >= 5, 10_000);
    await eventually(async () => Number(await page.locator("#ov-in").textContent()) > 0, 10_000);
    expect(await page.locator("#hour-messages").getAttribute("data-series")).toBe("2");
    expect(await page.locator("#hour-connections canvas").count()).toBe(1);
    const listeners = await page.locator("#ov-listeners").textContent();
    expect(listeners).toContain(srv.ready.mqtt);
    expect(listeners).toContain("token");
    expect(await page.locator("#ov-version").textContent()).toMatch(/^neo \d+\.\d+\.\d+/);
    expect(await page.locator("#ov-data").textContent()).toContain(srv.data);
    await b.shot("overview");
  }, 40_000);
});

describe("Live", () => {
  test("a message from mosquitto_pub appears over the console's own WS session; paused it waits, resumed it shows", async () => {
    const { page } = b;
    await page.click("#nav-live");
    await page.fill("#live-filter", "plant/#");
    await page.click("#live-subscribe");
    await page.locator("#live-active").waitFor();
    expect((await pub("plant/line2", '{"temp":21.5}')).code).toBe(0);
    const first = page.locator("#live-messages tbody tr").first();
    await first.waitFor();
    expect(await first.locator("td").nth(1).textContent()).toBe("plant/line2");
    expect(await first.locator("td").nth(2).textContent()).toBe('{"temp":21.5}');
    // the browser's MQTT session is the signed-in console user's, over WebSocket
    const session = await page.evaluate<string>("sessionStorage.getItem('neo.session')");
    const conns = await fetch(`${srv.httpUrl}/web/api/console/connections`, {
      headers: { authorization: `Bearer ${session}` },
    });
    const list = ((await conns.json()) as { data: { listener: string; authMethod: string }[] }).data;
    expect(list.some((c) => c.listener === "ws" && c.authMethod === "console session (admin)")).toBe(true);

    await page.click("#live-pause");
    expect(await page.locator("#live-pause").getAttribute("aria-pressed")).toBe("true");
    expect((await pub("plant/line3", "held")).code).toBe(0);
    await page.locator("#live-paused:text('1 message waiting')").waitFor();
    expect(await page.locator("#live-messages tbody tr").count()).toBe(1);
    await b.shot("live-paused");
    await page.click("#live-pause");
    await eventually(async () => (await page.locator("#live-messages tbody tr").count()) === 2);
    expect(await page.locator("#live-messages tbody tr").first().locator("td").nth(1).textContent()).toBe(
      "plant/line3",
    );
    await b.shot("live");
  }, 40_000);
});

describe("Connections", () => {
  test("lists each client with listener, auth method, address and counts; disconnect and revoke ends the key", async () => {
    const { page } = b;
    await page.click("#nav-connections");
    const row = page.locator('#connections tr[data-client="watcher-1"]');
    await row.waitFor();
    const cells = await row.locator("td").allTextContents();
    expect(cells[1]).toBe("TCP");
    expect(cells[2]).toBe("token");
    expect(cells[3]).toContain("127.0.0.1");
    expect(Number(cells[6])).toBeGreaterThanOrEqual(6); // messages out to the subscriber
    expect(Number(cells[7])).toBe(1); // one subscription
    await b.shot("connections");

    await row.locator("button", { hasText: "Disconnect and revoke" }).click();
    const dialog = page.getByRole("dialog", { name: "Disconnect watcher-1 and revoke key sensor-7?" });
    await dialog.waitFor();
    await dialog.getByRole("button", { name: "Disconnect and revoke" }).click();
    await row.waitFor({ state: "detached" });
    await subs[0]!.exited; // mosquitto_sub was thrown out
    // the key is revoked: a new CONNECT with its token is refused
    expect((await pub("plant/x", "1")).code).not.toBe(0);
    await page.click("#nav-keys");
    await page.locator('tr[data-id="sensor-7"] .badge.revoked').waitFor();
    expect(b.errors).toEqual([]);
  }, 40_000);
});

describe("every page at phone width", () => {
  test("at 390 px no page scrolls sideways, and each says something (content or a sentence)", async () => {
    const { page } = b;
    await page.setViewportSize({ width: 390, height: 844 });
    for (const name of ["overview", "data", "live", "connections", "channels", "keys", "tokens", "audit", "settings"]) {
      await page.click(`#nav-${name}`);
      await page.locator(`#nav-${name}[aria-current="page"]`).waitFor();
      // wait for the page's first answer: no "loading" sentence left
      await page.locator(".note.loading").first().waitFor({ state: "detached" });
      const overflow = await page.evaluate<number>("document.documentElement.scrollWidth - window.innerWidth");
      expect({ name, overflow }).toEqual({ name, overflow: 0 });
      expect(((await page.locator("main").textContent()) ?? "").trim().length).toBeGreaterThan(20);
      await b.shot(`phone-${name}`);
    }
    expect(b.errors).toEqual([]);
  }, 60_000);
});
