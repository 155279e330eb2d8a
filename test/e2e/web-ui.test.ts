// The web UI in headless Chromium (Debian `chromium`, driven by playwright-core):
// sign in, generate a key, download its zip, see it listed, revoke it, delete it.
// The UI is served in-process (the real `neo serve` is in web-ui-serve.test.ts).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { ALL_ACCESS_SCOPES, createAuth, createGuard, createPeople, personIdentify } from "../../src/auth/index.ts";
import { createLogger, setLogSink } from "../../src/lib/log.ts";
import { loadOrCreatePki } from "../../src/pki/index.ts";
import { openDomains, openRegistry, openUserKeys, pendingJson, type Registry } from "../../src/registry/index.ts";
import { createWebAssets } from "../../src/web/index.ts";
import { openUsers, type Users } from "../../src/registry/index.ts";
import { defaultConfig } from "../../src/config/index.ts";
import {
  consoleAssetRoutes,
  createPasswordLogin,
  domainRoutes,
  keyRoutes,
  pendingKeyRoutes,
  sessionRoutes,
} from "../../src/http/index.ts";
import { createRunner } from "../../src/http/runner.ts";
import { tempDir } from "./harness.ts";
import { confirm, generateKey, launch, signIn } from "./web-ui-kit.ts";

setLogSink(() => {});

// Screenshots land here (set NEO_WEB_SHOTS to keep them somewhere you can look at; else a
// temp dir removed when the tests end).
const SHOTS = process.env.NEO_WEB_SHOTS ?? tempDir("neo-web-shots-");
mkdirSync(SHOTS, { recursive: true });

describe("web UI in headless Chromium (in-process server)", () => {
  let dir: string;
  let registry: Registry;
  let users: Users;
  let password: string;
  let server: ReturnType<typeof Bun.serve>;
  let base: string;
  let browser: Browser;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "neo-web-e2e-"));
    registry = openRegistry(dir);
    users = openUsers(dir);
    password = (await users.ensureAdmin())!;
    const pki = await loadOrCreatePki(dir, { hosts: [] });
    await Bun.write(join(dir, "ca.crt"), pki.caCertPem);
    const people = createPeople({
      users,
      keys: openUserKeys(dir),
      accessTtlMs: () => 3_600_000,
      refreshTtlMs: () => 86_400_000,
    });
    const guard = createGuard({ maxFailures: 10, windowMs: 60_000, maxBanMs: 60_000 });
    const log = createLogger("web");
    const assets = createWebAssets({ log });
    await assets.load();
    const login = createPasswordLogin({ users, guard, log });
    const config = defaultConfig(dir);
    config.http.listen = { host: "127.0.0.1", port: 0 };
    // the console's routes through the one runner, as the gateway serves them
    const web = createRunner(
      [
        ...sessionRoutes({ people, login }),
        ...keyRoutes({ registry, pki, log, defaultScopes: () => ALL_ACCESS_SCOPES }),
        // the Keys page lists certificates waiting for approval
        ...pendingKeyRoutes({
          list: () => registry.pending.list().map(pendingJson),
          find: (k) => pendingJson(registry.pending.find(k)),
          approve: (k) => pendingJson(registry.pending.approve(k).pending),
          reject: (k) => pendingJson(registry.pending.reject(k)),
        }),
        // the header's domain switcher lists them
        ...domainRoutes(openDomains(dir)),
        ...consoleAssetRoutes(assets),
      ],
      {
        config,
        log,
        guard,
        auth: createAuth({ registry, person: personIdentify(people) }),
      },
    );
    server = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: async (req, srv) =>
        (await web.fetch(req, { server: srv, clientIp: srv.requestIP(req)?.address ?? "" })) ??
        new Response("upgraded", { status: 101 }),
    });
    base = `http://127.0.0.1:${server.port}`;
    browser = await launch();
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop(true);
    users?.close();
    registry?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("a wrong password shows an error and keeps the login form", async () => {
    const page = await browser.newPage();
    try {
      await page.goto(`${base}/web/`);
      await page.fill("#login-password", "not-the-password");
      await page.click("#login-submit");
      await page.locator("#login-error").waitFor();
      expect(await page.locator("#login-error").textContent()).toBe("invalid username or password");
      expect(await page.locator("#main-view").isHidden()).toBe(true);
    } finally {
      await page.close();
    }
  }, 30_000);

  test("an operator signs in, generates a key, downloads the zip, sees it listed, revokes and deletes it", async () => {
    const ctx = await browser.newContext({ viewport: { width: 1180, height: 760 }, acceptDownloads: true });
    const page = await ctx.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
    try {
      await page.goto(`${base}/web/`);
      await page.screenshot({ path: join(SHOTS, "01-login.png") });
      await signIn(page, base, password);
      await page.locator("#empty").waitFor();
      await page.screenshot({ path: join(SHOTS, "02-empty.png") });

      await page.click("#new-key");
      await page.fill("#new-id", "sensor-01");
      await page.screenshot({ path: join(SHOTS, "03-new-key.png") });
      await page.click("#new-cancel");
      const token = await generateKey(page, "sensor-01");
      await page.screenshot({ path: join(SHOTS, "04-generated.png") });

      const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download-zip")]);
      expect(download.suggestedFilename()).toBe("sensor-01.zip");
      const zipPath = join(dir, "download.zip");
      await download.saveAs(zipPath);
      const names = Bun.spawnSync(["unzip", "-Z1", zipPath]).stdout.toString().trim().split("\n");
      expect(names).toEqual(["server.pem", "sensor-01_cert.pem", "sensor-01_key.pem", "sensor-01_token"]);
      expect(Bun.spawnSync(["unzip", "-p", zipPath, "sensor-01_token"]).stdout.toString()).toBe(token);

      // the zip was downloaded: Done closes without asking "Close without saving?"
      await page.click("#result-close");
      await page.locator("#result-dialog").waitFor({ state: "hidden" });
      expect(await page.getByRole("dialog", { name: "Close without saving?" }).count()).toBe(0);
      // a second key, so the list shows more than one row
      await generateKey(page, "plc.line-2");
      await page.click("#result-close");
      await confirm(page, "I saved them");

      const row = page.locator('tr[data-id="sensor-01"]');
      await row.waitFor();
      expect(await row.locator(".badge").textContent()).toBe("Active");
      expect(await page.locator("#key-count").textContent()).toBe("2 keys");
      await page.screenshot({ path: join(SHOTS, "05-list.png") });

      await row.locator('button:text("Revoke")').click();
      await confirm(page, "Revoke");
      await page.locator('tr[data-id="sensor-01"] .badge.revoked').waitFor();
      expect(registry.list().find((r) => r.id === "sensor-01")?.status).toBe("revoked");
      await page.screenshot({ path: join(SHOTS, "06-revoked.png") });

      await page.locator('tr[data-id="sensor-01"] button:text("Delete")').click();
      await confirm(page, "Delete");
      await page.locator('tr[data-id="sensor-01"]').waitFor({ state: "detached" });
      expect(registry.list().map((r) => r.id)).toEqual(["plc.line-2"]);

      // phone-sized: the table becomes cards
      await page.setViewportSize({ width: 390, height: 760 });
      await page.screenshot({ path: join(SHOTS, "07-phone.png") });

      await page.click("#logout");
      await page.locator("#login-view").waitFor();
      expect(errors).toEqual([]);
    } finally {
      await ctx.close();
    }
  }, 60_000);

  test("a duplicate client id shows the server's reason in the dialog", async () => {
    const page = await browser.newPage();
    try {
      await signIn(page, base, password);
      await page.click("#new-key");
      await page.fill("#new-id", "plc.line-2");
      await page.click("#new-submit");
      await page.locator("#new-error").waitFor();
      expect(await page.locator("#new-error").textContent()).toBe("client id plc.line-2 already exists");
    } finally {
      await page.close();
    }
  }, 30_000);

  test("Sign CSR: a request made with openssl req is uploaded and signed; the certificate chains to the gateway CA", async () => {
    const key = join(dir, "dev.key");
    const csr = join(dir, "dev.csr");
    const made = Bun.spawnSync(
      ["openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"].concat([
        "-keyout",
        key,
        "-out",
        csr,
        "-subj",
        "/CN=csr-dev",
      ]),
    );
    expect(made.exitCode).toBe(0);
    const page = await browser.newPage();
    try {
      await signIn(page, base, password);
      await page.click("#sign-csr-open");
      await page.getByRole("dialog", { name: "Sign a certificate request" }).waitFor();
      await page.fill("#sign-id", "csr-dev");
      await page.setInputFiles("#sign-csr", csr);
      await page.click("#sign-submit");
      await page.locator("#sign-cert").waitFor();
      const pem = await page.locator("#sign-cert").inputValue();
      expect(pem).toStartWith("-----BEGIN CERTIFICATE-----");
      expect(await page.locator("#sign-token").inputValue()).toContain("csr-dev");
      await page.screenshot({ path: join(SHOTS, "08-signed-csr.png") });
      // the certificate is the device key's, issued by the gateway CA, and the client is registered
      const certFile = join(dir, "signed.pem");
      await Bun.write(certFile, pem);
      const verify = Bun.spawnSync(["openssl", "verify", "-CAfile", join(dir, "ca.crt"), certFile]);
      expect(verify.stdout.toString()).toContain(": OK");
      const pub = (args: string[]) => Bun.spawnSync(["openssl", ...args, "-pubkey", "-noout"]).stdout.toString();
      expect(pub(["x509", "-in", certFile])).toBe(pub(["req", "-in", csr]));
      expect(registry.get("csr-dev")?.status).toBe("active");
      await page.click("#sign-close");
      await page.locator('tr[data-id="csr-dev"]').waitFor();
      // a file that is no request: the server's reason in the dialog
      await page.click("#sign-csr-open");
      await page.fill("#sign-id", "csr-dev");
      await page.setInputFiles("#sign-csr", key);
      await page.click("#sign-submit");
      await page.locator("#sign-error").waitFor();
      expect(await page.locator("#sign-error").textContent()).toContain("certificate request");
    } finally {
      await page.close();
    }
  }, 30_000);
});
