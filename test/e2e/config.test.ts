// `neo config` and how serve takes its settings: file, NEO_* environment and flags,
// errors with file:line:col, and file modes under any umask.
import { describe, expect, test } from "bun:test";
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { cleanup, neo, startServer, tempDir } from "./harness.ts";

const mode = (p: string) => (statSync(p).mode & 0o777).toString(8);
const _sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("configuration", () => {
  test("config init prints a commented default that config check accepts", async () => {
    const dir = tempDir();
    const init = await neo(["config", "init"]);
    expect(init.code).toBe(0);
    expect(init.stdout).toContain("# ");
    await Bun.write(join(dir, "neo.conf"), init.stdout);
    const check = await neo(["config", "check", join(dir, "neo.conf")]);
    expect(check.code).toBe(0);
    expect(check.stdout).toContain('Listen = "127.0.0.1:5654"');
    expect(check.stdout).toContain("MaxMessageSizeLimit = 1048576");
    cleanup(dir);
  });

  test("config check reports every problem at once with file:line:col: unknown key, wrong type, range, duplicate, case", async () => {
    const dir = tempDir();
    const f = join(dir, "bad.conf");
    await Bun.write(
      f,
      [
        "// comment",
        'Htpp { Listen = "127.0.0.1:0" }',
        "Http {",
        '  EnableTokenAuth = "yes"',
        "  Listen = 5654",
        "}",
        "Mqtt = { MaxMessageSizeLimit = -5 }",
        'log { Level = "info" }',
        "Http.EnableTokenAuth = true",
        "",
      ].join("\n"),
    );
    const r = await neo(["config", "check", f]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${f}:2:1: unknown key "Htpp"; did you mean "Http"?`);
    expect(r.stderr).toContain(`${f}:4:21: Http.EnableTokenAuth: expected boolean`);
    expect(r.stderr).toContain(`${f}:5:12: Http.Listen: expected string`);
    expect(r.stderr).toContain(`${f}:7:`);
    expect(r.stderr).toContain("out of range");
    expect(r.stderr).toContain(`${f}:8:1: unknown key "log"; did you mean "Log"?`);
    expect(r.stderr).toContain("duplicate key");
    cleanup(dir);
  });

  test("an unterminated block comment and a missing file are reported, and the server does not start", async () => {
    const dir = tempDir();
    await Bun.write(join(dir, "c.conf"), "/* never closed\n");
    const r = await neo([
      "serve",
      "--config",
      join(dir, "c.conf"),
      "--data",
      join(dir, "data"),
      "--http-port",
      "0",
      "--mqtt-port",
      "0",
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unterminated /* comment");
    expect(existsSync(join(dir, "data"))).toBe(false);
    const missing = await neo(["config", "check", join(dir, "nope.conf")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("cannot read config file");
    cleanup(dir);
  });

  test("NEO_* environment beats the file and is shown by config check; bad env values are refused", async () => {
    const dir = tempDir();
    const f = join(dir, "p.conf");
    await Bun.write(f, 'Http { Listen = "127.0.0.1:1111"\n EnableTokenAuth = true }\nLog { Level = "warn" }\n');
    const r = await neo(["config", "check", f], {
      env: {
        NEO_HTTP_PORT: "3333",
        NEO_HTTP_ENABLE_TOKEN_AUTH: "false",
        NEO_LOG_LEVEL: "debug",
        NEO_DATA: join(dir, "envdata"),
      },
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Listen = "127.0.0.1:3333"');
    expect(r.stdout).toMatch(/Http \{\n\s+Listen = "127.0.0.1:3333"\n\s+EnableTokenAuth = false/);
    expect(r.stdout).toContain('Level = "debug"');
    expect(r.stdout).toContain(`Data = "${join(dir, "envdata")}"`);
    const viaEnv = await neo(["config", "check"], { env: { NEO_CONFIG: f } });
    expect(viaEnv.stdout).toContain('Listen = "127.0.0.1:1111"');
    const bad = await neo(["config", "check", f], { env: { NEO_HTTP_PORT: "abc" } });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("NEO_HTTP_PORT");
    const badBool = await neo(["serve", "--config", f, "--data", join(dir, "d")], {
      env: { NEO_HTTP_ENABLE_TOKEN_AUTH: "maybe" },
    });
    expect(badBool.code).toBe(2);
    expect(badBool.stderr).toContain("NEO_HTTP_ENABLE_TOKEN_AUTH");
    cleanup(dir);
  });

  test("serve precedence: file says token auth on, env says off, the flag turns it back on", async () => {
    const dir = tempDir();
    await Bun.write(join(dir, "t.conf"), "Http { EnableTokenAuth = true }\n");
    const env = { NEO_HTTP_ENABLE_TOKEN_AUTH: "false" };
    const off = await startServer(["--config", join(dir, "t.conf")], { env });
    const on = await startServer(["--config", join(dir, "t.conf"), "--http-enable-token-auth", "true"], { env });
    try {
      expect((await fetch(`${off.httpUrl}/db/query?q=select+1`)).status).toBe(200);
      expect((await fetch(`${on.httpUrl}/db/query?q=select+1`)).status).toBe(401);
    } finally {
      await off.stop();
      await on.stop();
      cleanup(off.data);
      cleanup(on.data);
      cleanup(dir);
    }
  });

  test("bad serve flags are usage errors (exit 2) naming the flag", async () => {
    for (const [flag, v] of [
      ["--http-port", "abc"],
      ["--http-port", "70000"],
      ["--mqtt-enable-token-auth", "maybe"],
    ] as const) {
      const r = await neo(["serve", "--data", tempDir(), flag, v]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(flag);
    }
  });

  test("under umask 000 the data dir is still 0700 and keys and tokens 0600", async () => {
    const dir = tempDir();
    const data = join(dir, "data");
    const p = Bun.spawnSync(
      [
        "sh",
        "-c",
        `umask 000 && exec "$0" "$@"`,
        process.execPath,
        join(import.meta.dir, "../../src/main.ts"),
        "shell",
        "key",
        "gen",
        "um1",
        "--output",
        join(dir, "um1"),
        "--data",
        data,
      ],
      { env: { ...process.env, NO_COLOR: "1" } },
    );
    expect(p.exitCode).toBe(0);
    expect(mode(data)).toBe("700");
    expect(mode(join(data, "pki", "ca_key.pem"))).toBe("600");
    expect(mode(join(data, "token.key"))).toBe("600");
    expect(mode(join(dir, "um1_key.pem"))).toBe("600");
    expect(mode(join(dir, "um1_token"))).toBe("600");
    expect(mode(join(dir, "um1_cert.pem"))).toBe("644");
    cleanup(dir);
  });

  test("a misspelled flag is refused with a did-you-mean instead of being ignored", async () => {
    const r = await neo(["serve", "--data", tempDir(), "--htp-enable-token-auth", "true"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("did you mean --http-enable-token-auth?");
    // `neo serve` takes a direct path (src/cli/serve-direct.ts): the same message as through the tree
    expect(r.stderr.trim()).toBe(
      "neo: unknown option --htp-enable-token-auth for `neo serve`; did you mean --http-enable-token-auth? (see `neo serve --help`)",
    );
  });

  test("neo serve --help shows serve's usage and starts nothing", async () => {
    const r = await neo(["serve", "--data", tempDir(), "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("--mqtt-enable-token-auth");
    expect(r.stdout).toContain("neo serve");
  });
});
