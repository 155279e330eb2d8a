import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const MAIN = resolve(import.meta.dir, "../main.ts");
const dir = mkdtempSync(join(tmpdir(), "neo-cli-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Run `bun src/main.ts ...args` in the temp dir with a clean NEO_* environment. */
async function neo(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith("NEO_")) env[k] = v;
  const proc = Bun.spawn(["bun", MAIN, ...args], { cwd: dir, env, stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { code, stdout, stderr };
}

describe("neo config", () => {
  test("config check prints the resolved config and exits 0 for a valid file", async () => {
    const f = join(dir, "good.conf");
    writeFileSync(f, 'Data = "store"\nHttp { EnableTokenAuth = true }\nMqtt.Listen = "tcp://127.0.0.1:1883"\n');
    const r = await neo("config", "check", f);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Data = "${join(dir, "store")}"`);
    expect(r.stdout).toContain("  EnableTokenAuth = true");
    expect(r.stdout).toContain('  Listen = "127.0.0.1:1883"');
  });

  test("config check lists every problem with file:line:col and exits 2", async () => {
    writeFileSync(
      join(dir, "bad.conf"),
      'Http {\n  EnableTokenAuht = true\n  Listen = "127.0.0.1:99999"\n}\nMqtt { Tls { Enabled = "yes" } }\n',
    );
    const r = await neo("config", "check", "bad.conf");
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(
      [
        "neo: invalid config, 3 problems:",
        'bad.conf:2:3: unknown key "EnableTokenAuht" in Http; did you mean "EnableTokenAuth"?',
        "bad.conf:3:12: Http.Listen: port 99999 out of range (0-65535)",
        'bad.conf:5:24: Mqtt.Tls.Enabled: expected boolean, got string "yes"',
        "",
      ].join("\n"),
    );
  });

  test("config check on a missing file exits 2 with a clear message", async () => {
    const r = await neo("config", "check", "missing.conf");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("missing.conf: cannot read config file: no such file");
  });

  test("config check without a file is a usage error", async () => {
    const r = await neo("config", "check");
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("neo: config check needs a FILE (or --config / NEO_CONFIG)\n");
  });

  test("config init prints a default config that config check accepts", async () => {
    const init = await neo("config", "init");
    expect(init.code).toBe(0);
    expect(init.stdout).toStartWith("# neo configuration");
    writeFileSync(join(dir, "init.conf"), init.stdout);
    const check = await neo("config", "check", "init.conf");
    expect(check.code).toBe(0);
    expect(check.stdout).toContain(`Data = "${join(dir, "neo-data")}"`);
  });

  test("config init's least-privilege and anonymous examples, uncommented, pass config check", async () => {
    const init = await neo("config", "init");
    const lines = init.stdout.split("\n");
    const intro = lines.findIndex((l) => l.startsWith("  # Least privilege"));
    expect(intro).toBeGreaterThan(0);
    // the example's lines up to the closing bracket, and the AnonymousScopes example
    const start = lines.findIndex((l, i) => i > intro && l.startsWith("  # DefaultScopes = ["));
    let end = start;
    while (!lines[end]!.includes("]")) end++;
    for (let i = start; i <= end; i++) lines[i] = lines[i]!.replace("  # ", "  ");
    const anon = lines.findIndex((l) => l.startsWith("  # AnonymousScopes = ["));
    lines[anon] = lines[anon]!.replace("  # ", "  ");
    writeFileSync(join(dir, "least.conf"), lines.join("\n"));
    const check = await neo("config", "check", "least.conf");
    expect(check.stderr).toBe("");
    expect(check.code).toBe(0);
    expect(check.stdout).toContain('"topics:publish:db/append/SENSORS", "tables:write:SENSORS"]');
    expect(check.stdout).toContain(
      'AnonymousScopes = ["topics:publish:#", "topics:subscribe:#", "!topics:subscribe:test/nosubscribe"]',
    );
  });

  test("config init --output writes the file once and refuses to overwrite it", async () => {
    const out = join(dir, "written.conf");
    const first = await neo("config", "init", "--output", out);
    expect(first.code).toBe(0);
    expect(first.stdout).toBe(`Save config ${out}\n`);
    expect(existsSync(out)).toBe(true);
    expect(statSync(out).mode & 0o777).toBe(0o644 & ~process.umask());
    writeFileSync(out, "# edited by the operator\n");
    const second = await neo("config", "init", "--output", out);
    expect(second.code).toBe(1);
    expect(second.stderr).toBe(`neo: ${out} already exists; not overwriting it\n`);
    expect(readFileSync(out, "utf8")).toBe("# edited by the operator\n");
  });
});
