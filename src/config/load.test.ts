import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isNeoError } from "../lib/errors.ts";
import { defaultConfig, loadConfig, parseBool } from "./index.ts";

const dir = mkdtempSync(join(tmpdir(), "neo-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function file(text: string, sub = ""): string {
  const d = join(dir, sub);
  mkdirSync(d, { recursive: true });
  const f = join(d, `c${n++}.conf`);
  writeFileSync(f, text);
  return f;
}
/** The message of the config_invalid error loadConfig throws (fails the test if it does not throw). */
function problems(run: () => unknown): string[] {
  try {
    run();
  } catch (e) {
    if (isNeoError(e) && e.code === "config_invalid" && e.status === 400) return e.message.split("\n");
    throw e;
  }
  throw new Error("expected loadConfig to throw config_invalid");
}
const cwd = "/srv/work";

describe("defaults and precedence", () => {
  test("with no file, env or flags the defaults apply, data resolved against cwd", () => {
    const cfg = loadConfig({ env: {}, cwd });
    expect(cfg).toEqual(defaultConfig(cwd));
    expect(cfg).toEqual({
      data: "/srv/work/neo-data",
      log: { level: "info" },
      http: {
        listen: { host: "127.0.0.1", port: 5654 },
        enableTokenAuth: false,
        tls: { enabled: false, clientAuth: "none" },
        allowedHosts: [],
        trustedProxies: [],
        maxRequestsPerAddress: 1000,
      },
      query: {
        workers: 2,
        timeoutMs: 10_000,
        maxRows: 1_000_000,
        maxBytes: 16_777_216,
        maxMemory: 268_435_456,
        answerBudget: 67_108_864,
        answerBudgetPerClient: 16_777_216,
      },
      mqtt: {
        listen: { host: "127.0.0.1", port: 5653 },
        enableTokenAuth: false,
        maxMessageSizeLimit: 1048576,
        requireClientIdMatch: false,
        persistence: true,
        maxConnectSize: 65_536,
        maxUnauthenticatedBytes: 16_777_216,
        maxRetainedMessages: 10_000,
        maxRetainedBytes: 67_108_864,
        maxRetainedBytesPerClient: 8_388_608,
        maxKeepAlive: 65_535,
        maxPersistentSessions: 10_000,
        maxPersistentSessionsPerClient: 100,
        maxQueuedBytes: 134_217_728,
        maxQueuedBytesPerClient: 16_777_216,
        persistentSessionExpiryMs: 604_800_000,
        maxConnectionsPerClient: 1000,
        maxConnectionsPerAddress: 5000,
        stallTimeoutMs: 60_000,
        tls: { enabled: false, clientAuth: "require" },
      },
      coap: { tls: { clientAuth: "require" } },
      storage: { sync: "full", retention: "off", whenFull: "refuse", busyTimeoutMs: 5000 },
      guard: { maxFailures: 10, windowMs: 60_000, maxBanMs: 900_000, maxRefusals: 60, ipv6Prefix: 64, allowList: [] },
      audit: { enabled: true, maxEvents: 100_000, keepChangesMs: 0, refusalsInFull: 10 },
      login: {
        accessTokenDurationMs: 3_600_000,
        refreshTokenDurationMs: 86_400_000,
        invitationDurationMs: 604_800_000,
      },
    });
  });

  test("file overrides defaults, env overrides file, flags override env", () => {
    const f = file(
      'Http { Listen = "10.0.0.1:1000", EnableTokenAuth = false }\nMqtt.Listen = "10.0.0.2:2000"\nLog.Level = "warn"',
    );
    const fromFile = loadConfig({ file: f, env: {}, cwd });
    expect(fromFile.http.listen).toEqual({ host: "10.0.0.1", port: 1000 });
    expect(fromFile.mqtt.listen).toEqual({ host: "10.0.0.2", port: 2000 });
    expect(fromFile.log.level).toBe("warn");
    expect(fromFile.file).toBe(f);

    const env = {
      NEO_HTTP_PORT: "3000",
      NEO_HTTP_ENABLE_TOKEN_AUTH: "yes",
      NEO_LOG_LEVEL: "error",
      NEO_HOST: "127.0.0.2",
    };
    const fromEnv = loadConfig({ file: f, env, cwd });
    expect(fromEnv.http.listen).toEqual({ host: "127.0.0.2", port: 3000 });
    expect(fromEnv.mqtt.listen).toEqual({ host: "127.0.0.2", port: 2000 });
    expect(fromEnv.http.enableTokenAuth).toBe(true);
    expect(fromEnv.log.level).toBe("error");

    const flags = { httpPort: 0, httpEnableTokenAuth: false, logLevel: "debug" as const, host: "::1", mqttPort: 4000 };
    const fromFlags = loadConfig({ file: f, env, flags, cwd });
    expect(fromFlags.http.listen).toEqual({ host: "::1", port: 0 });
    expect(fromFlags.mqtt.listen).toEqual({ host: "::1", port: 4000 });
    expect(fromFlags.http.enableTokenAuth).toBe(false);
    expect(fromFlags.log.level).toBe("debug");
  });

  test("every NEO_* variable is read", () => {
    const cfg = loadConfig({
      cwd,
      env: {
        NEO_DATA: "d",
        NEO_HOST: "[::1]",
        NEO_HTTP_PORT: "1",
        NEO_MQTT_PORT: "2",
        NEO_HTTP_ENABLE_TOKEN_AUTH: "on",
        NEO_MQTT_ENABLE_TOKEN_AUTH: "1",
        NEO_MQTT_ENABLE_TLS: "TRUE",
        NEO_LOG_LEVEL: "debug",
      },
    });
    expect(cfg.data).toBe("/srv/work/d");
    expect(cfg.http.listen).toEqual({ host: "::1", port: 1 });
    expect(cfg.mqtt.listen).toEqual({ host: "::1", port: 2 });
    expect([cfg.http.enableTokenAuth, cfg.mqtt.enableTokenAuth, cfg.mqtt.tls.enabled]).toEqual([true, true, true]);
    expect(cfg.log.level).toBe("debug");
  });

  test("empty environment variables count as unset", () => {
    expect(loadConfig({ cwd, env: { NEO_HTTP_PORT: "", NEO_DATA: " ", NEO_CONFIG: "" } })).toEqual(defaultConfig(cwd));
  });

  test("every flag is applied, and --mqtt-enable-tls keeps the MQTT client-auth default", () => {
    const cfg = loadConfig({
      cwd,
      env: {},
      flags: { data: "/abs", mqttEnableTokenAuth: true, mqttEnableTls: true, httpEnableTokenAuth: true },
    });
    expect(cfg.data).toBe("/abs");
    expect(cfg.mqtt.enableTokenAuth).toBe(true);
    expect(cfg.http.enableTokenAuth).toBe(true);
    expect(cfg.mqtt.tls).toEqual({ enabled: true, clientAuth: "require" });
  });

  test("the file comes from NEO_CONFIG when no file is given, and an explicit file wins", () => {
    const a = file('Log.Level = "warn"');
    const b = file('Log.Level = "error"');
    expect(loadConfig({ cwd, env: { NEO_CONFIG: a } }).log.level).toBe("warn");
    expect(loadConfig({ cwd, env: { NEO_CONFIG: a }, file: b }).log.level).toBe("error");
  });

  test("relative paths in a file are relative to the file's directory; NEO_DATA and --data to cwd", () => {
    const f = file('Data = "store"\nHttp.Tls { CertFile = "../c.pem", KeyFile = "/k.pem" }', "sub");
    const cfg = loadConfig({ file: f, env: {}, cwd });
    expect(cfg.data).toBe(join(dir, "sub", "store"));
    expect(cfg.http.tls.certFile).toBe(join(dir, "c.pem"));
    expect(cfg.http.tls.keyFile).toBe("/k.pem");
    expect(loadConfig({ file: f, env: { NEO_DATA: "e" }, cwd }).data).toBe("/srv/work/e");
    expect(loadConfig({ file: f, env: {}, flags: { data: "../x" }, cwd }).data).toBe("/srv/x");
  });

  test("a relative file name is found from cwd", () => {
    const f = file('Log.Level = "warn"', "rel");
    expect(loadConfig({ file: f.slice(dir.length + 1), env: {}, cwd: dir }).log.level).toBe("warn");
  });
});

describe("problems from every source are reported together", () => {
  test("a missing config file is a clear config_invalid error", () => {
    expect(problems(() => loadConfig({ file: "nope.conf", env: {}, cwd: dir }))).toEqual([
      "nope.conf: cannot read config file: no such file",
    ]);
    expect(problems(() => loadConfig({ file: dir, env: {}, cwd }))).toEqual([
      `${dir}: cannot read config file: is a directory`,
    ]);
  });

  test("bad env values are reported as env NEO_X", () => {
    expect(
      problems(() =>
        loadConfig({
          cwd,
          env: {
            NEO_HOST: "a b",
            NEO_HTTP_PORT: "http",
            NEO_MQTT_PORT: "70000",
            NEO_HTTP_ENABLE_TOKEN_AUTH: "maybe",
            NEO_LOG_LEVEL: "loud",
          },
        }),
      ),
    ).toEqual([
      'env NEO_HOST: invalid host "a b"',
      'env NEO_HTTP_PORT: invalid port "http" (expected an integer 0-65535)',
      "env NEO_MQTT_PORT: port 70000 out of range (0-65535)",
      'env NEO_HTTP_ENABLE_TOKEN_AUTH: expected a boolean (true/false, 1/0, yes/no, on/off), got "maybe"',
      'env NEO_LOG_LEVEL: expected one of debug, info, warn, error, got "loud"',
    ]);
  });

  test("bad flag values are reported as flag --x", () => {
    expect(
      problems(() => loadConfig({ cwd, env: {}, flags: { httpPort: 65536, mqttPort: 1.5, host: "", data: "" } })),
    ).toEqual([
      "flag --data: expected a directory, got an empty string",
      "flag --host: empty host (use 0.0.0.0 to listen on every interface)",
      "flag --http-port: port 65536 out of range (0-65535)",
      'flag --mqtt-port: invalid port "1.5" (expected an integer 0-65535)',
    ]);
  });

  test("file, env and flag problems appear in one error, file first", () => {
    const f = file("Http {\n  EnableTokenAuht = true\n}");
    const name = f.slice(dir.length + 1);
    expect(
      problems(() => loadConfig({ file: name, cwd: dir, env: { NEO_MQTT_PORT: "x" }, flags: { httpPort: -1 } })),
    ).toEqual([
      `${name}:2:3: unknown key "EnableTokenAuht" in Http; did you mean "EnableTokenAuth"?`,
      'env NEO_MQTT_PORT: invalid port "x" (expected an integer 0-65535)',
      'flag --http-port: invalid port "-1" (expected an integer 0-65535)',
    ]);
  });

  test("HTTP and MQTT on the same address is refused, but both on port 0 is fine", () => {
    expect(problems(() => loadConfig({ cwd, env: {}, flags: { httpPort: 7000, mqttPort: 7000 } }))).toEqual([
      "config: HTTP and MQTT both listen on 127.0.0.1:7000; give them different ports",
    ]);
    expect(loadConfig({ cwd, env: {}, flags: { httpPort: 0, mqttPort: 0 } }).http.listen.port).toBe(0);
  });
});

describe("parseBool", () => {
  test("accepts true/false, 1/0, yes/no, on/off in any case and nothing else", () => {
    for (const s of ["true", "1", "yes", "on", "TRUE", " On "]) expect(parseBool(s)).toBe(true);
    for (const s of ["false", "0", "no", "off", "False"]) expect(parseBool(s)).toBe(false);
    for (const s of ["", "2", "y", "enabled", "truee"]) expect(parseBool(s)).toBeUndefined();
  });
});
