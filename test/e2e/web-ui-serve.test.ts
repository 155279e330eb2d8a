// The web UI on the real `neo serve`: its ready line, the one-time admin password in a
// 0600 file that never reaches a log, and a key generated in Chromium.
import { describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Browser } from "playwright-core";
import { confirm, generateKey, launch, signIn } from "./web-ui-kit.ts";

const ROOT = resolve(import.meta.dir, "../..");

describe("web UI on the real `neo serve`", () => {
  test("neo serve prints a ready line, leaves the one-time admin password in a 0600 file and serves the UI", async () => {
    const data = mkdtempSync(join(tmpdir(), "neo-web-serve-"));
    const proc = Bun.spawn(
      [process.execPath, join(ROOT, "src/main.ts"), "serve", "--data", data, "--http-port", "0", "--mqtt-port", "0"],
      { cwd: ROOT, env: { ...process.env, NO_COLOR: "1" }, stdin: "ignore", stdout: "pipe", stderr: "pipe" },
    );
    let stderr = "";
    const errDone = (async () => {
      const dec = new TextDecoder();
      for await (const chunk of proc.stderr) stderr += dec.decode(chunk);
    })();
    let browser: Browser | undefined;
    try {
      const reader = proc.stdout.getReader();
      let out = "";
      let ready: { event: string; http: string } | undefined;
      while (!ready) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`neo serve exited before its ready line; stderr:\n${stderr}`);
        out += new TextDecoder().decode(value);
        for (const line of out.split("\n")) {
          if (line.startsWith("{") && line.includes('"ready"')) ready = JSON.parse(line);
        }
      }
      const base = `http://${ready.http}`;
      // The one-time admin password: the app writes it to <data>/web-admin-password (0600)
      // before the ready line, so it never appears in a log.
      const pwFile = join(data, "web-admin-password");
      expect(existsSync(pwFile)).toBe(true);
      expect(statSync(pwFile).mode & 0o777).toBe(0o600);
      const pw = readFileSync(pwFile, "utf8").trim();
      expect(stderr).not.toContain(pw);
      browser = await launch();
      const page = await browser.newPage();
      await signIn(page, base, pw);
      await generateKey(page, "served-01");
      await page.click("#result-close");
      await confirm(page, "I saved them");
      await page.locator('tr[data-id="served-01"]').waitFor();
    } finally {
      await browser?.close();
      proc.kill("SIGTERM");
      await proc.exited;
      await errDone;
      rmSync(data, { recursive: true, force: true });
    }
  }, 60_000);
});
