// The shipped artefact: dist/neo (host) and dist/neo-linux-arm64 (under qemu-aarch64).
// Builds them with build.ts unless dist/ already holds binaries newer than every source
// file. Each binary runs copied alone into an empty directory, next to a stray .env and
// bunfig.toml that must change nothing. Every process is stopped by PID.
import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { HOST_BIN, neoWritesUnder, ROOT, runCmd, serve, strayDir, tempDir, useDist } from "./appliance-kit.ts";

useDist();

describe("dist/neo (host build)", () => {
  test("version prints version, commit, build date, Bun version and target, one per line", async () => {
    const r = await runCmd([HOST_BIN, "version"]);
    expect(r.code).toBe(0);
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string };
    const lines = r.stdout.trim().split("\n");
    expect(lines).toHaveLength(5);
    expect(lines[0]).toBe(`version    ${pkg.version}`);
    expect(lines[1]).toMatch(/^commit {5}([0-9a-f]{4,40}|unknown)$/);
    expect(lines[2]).toMatch(/^built {6}\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    expect(lines[3]).toBe(`bun        ${Bun.version}`);
    expect(lines[4]).toBe(`target     bun-linux-${process.arch}`);
    const json = JSON.parse((await runCmd([HOST_BIN, "version", "--json"])).stdout) as Record<string, string>;
    expect(json.target).toBe(`bun-linux-${process.arch}`);
  });

  test("copied alone next to a stray .env and bunfig.toml, version ignores both", async () => {
    const { dir, exe, marker } = strayDir(HOST_BIN);
    const r = await runCmd([exe, "version"], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain("EVIL");
    expect(existsSync(marker)).toBe(false);
  });

  test("copied alone, serve ignores the stray .env and bunfig.toml and writes nothing into the source tree or its own directory", async () => {
    const since = Date.now() - 1000;
    const { dir, exe, marker } = strayDir(HOST_BIN);
    const data = tempDir("neo-bin-data-");
    // ports come from the config file; a leaked .env would turn HTTP into port 1 and the log level invalid
    const conf = join(tempDir("neo-bin-conf-"), "neo.conf");
    writeFileSync(conf, 'Http { Listen = "127.0.0.1:0" }\nMqtt { Listen = "127.0.0.1:0" }\n');
    const before = readdirSync(dir).sort();
    const s = await serve([exe, "serve", "--config", conf, "--data", data], { cwd: dir, timeoutMs: 20_000 });
    try {
      expect(s.ready.http).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(s.ready.http.endsWith(":1")).toBe(false);
      const health = await fetch(`http://${s.ready.http}/health`);
      expect(health.status).toBe(200);
      // the web UI comes from inside the binary: no ui/ folder exists next to it
      const page = await fetch(`http://${s.ready.http}/web/`);
      expect(page.status).toBe(200);
      expect((await page.text()).toLowerCase()).toContain("<html");
      for (const asset of ["app.js", "style.css"])
        expect((await fetch(`http://${s.ready.http}/web/${asset}`)).status).toBe(200);
    } finally {
      expect(await s.stop()).toBe(0);
    }
    expect(existsSync(marker)).toBe(false);
    expect(readdirSync(dir).sort()).toEqual(before);
    expect(readdirSync(data).length).toBeGreaterThan(0);
    expect(neoWritesUnder(ROOT, since)).toEqual([]);
    expect(existsSync("/$bunfs")).toBe(false);
  }, 40_000);
});
