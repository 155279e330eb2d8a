import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { defaultConfig, defaultConfigText, formatConfig, loadConfig, type NeoConfig } from "./index.ts";

const dir = mkdtempSync(join(tmpdir(), "neo-config-format-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function file(text: string, name = "c"): string {
  const f = join(dir, `${name}${n++}.conf`);
  writeFileSync(f, text);
  return f;
}
const cwd = "/srv/work";

describe("printing configs", () => {
  test("the commented default config parses to exactly the defaults", () => {
    const f = file(defaultConfigText(), "default");
    const { file: from, ...cfg } = loadConfig({ file: f, env: {}, cwd });
    expect(from).toBe(f);
    expect(cfg).toEqual(defaultConfig(cwd));
  });

  test("the default config text explains every key it sets", () => {
    const text = defaultConfigText();
    for (const key of [
      "Data",
      "Level",
      "Listen",
      "EnableTokenAuth",
      "MaxMessageSizeLimit",
      "RequireClientIdMatch",
      "Persistence",
      "ClientAuth",
      "CertFile",
      "KeyFile",
    ]) {
      expect(text).toContain(key);
    }
    expect(text.split("\n").filter((l) => l.trim().startsWith("#")).length).toBeGreaterThan(20);
  });

  const host = fc.constantFrom("127.0.0.1", "0.0.0.0", "::1", "localhost", "fe80::1", "gw.example");
  const listen = fc.record({ host, port: fc.integer({ min: 0, max: 65535 }) });
  const path = fc.stringMatching(/^\/[a-z0-9 "\\é_.-]{1,20}$/);
  const tls = (modes: ("none" | "optional" | "require")[]) =>
    fc
      .record(
        { enabled: fc.boolean(), clientAuth: fc.constantFrom(...modes), certFile: path, keyFile: path },
        { requiredKeys: ["enabled", "clientAuth"] },
      )
      .filter((t) => (t.certFile === undefined) === (t.keyFile === undefined));
  const config: fc.Arbitrary<NeoConfig> = fc
    .record({
      data: path,
      log: fc.record({ level: fc.constantFrom("debug" as const, "info" as const, "warn" as const, "error" as const) }),
      http: fc.record({
        listen,
        enableTokenAuth: fc.boolean(),
        tls: tls(["none", "optional", "require"]),
        allowedHosts: fc.array(fc.constantFrom("gw.example", "neo.local", "[::1]", "10.0.0.2"), { maxLength: 3 }),
        trustedProxies: fc.array(fc.constantFrom("127.0.0.1", "10.0.0.0/8", "::1", "fd00::/8"), { maxLength: 3 }),
        maxRequestsPerAddress: fc.integer({ min: 1, max: 1_000_000 }),
      }),
      query: fc.record({
        workers: fc.integer({ min: 1, max: 64 }),
        timeoutMs: fc.integer({ min: 100, max: 3_600_000 }),
        maxRows: fc.integer({ min: 1, max: 100_000_000 }),
        maxBytes: fc.integer({ min: 1024, max: 2 ** 32 }),
        maxMemory: fc.integer({ min: 32 * 1024 * 1024, max: 2 ** 40 }),
        answerBudget: fc.integer({ min: 1024 * 1024, max: 2 ** 40 }),
        answerBudgetPerClient: fc.integer({ min: 1024 * 1024, max: 2 ** 40 }),
      }),
      mqtt: fc.record({
        listen,
        enableTokenAuth: fc.boolean(),
        maxMessageSizeLimit: fc.integer({ min: 1, max: 268435460 }),
        requireClientIdMatch: fc.boolean(),
        persistence: fc.boolean(),
        maxConnectSize: fc.integer({ min: 64, max: 268435460 }),
        maxUnauthenticatedBytes: fc.integer({ min: 65_536, max: 2 ** 40 }),
        maxRetainedMessages: fc.integer({ min: 0, max: 100_000_000 }),
        maxRetainedBytes: fc.integer({ min: 0, max: 2 ** 40 }),
        maxRetainedBytesPerClient: fc.integer({ min: 0, max: 2 ** 40 }),
        maxKeepAlive: fc.integer({ min: 1, max: 65_535 }),
        maxPersistentSessions: fc.integer({ min: 0, max: 100_000_000 }),
        maxPersistentSessionsPerClient: fc.integer({ min: 0, max: 100_000_000 }),
        maxQueuedBytes: fc.integer({ min: 0, max: 2 ** 40 }),
        maxQueuedBytesPerClient: fc.integer({ min: 0, max: 2 ** 40 }),
        persistentSessionExpiryMs: fc.constantFrom(1000, 3_600_000, 604_800_000),
        maxConnectionsPerClient: fc.integer({ min: 1, max: 100_000_000 }),
        maxConnectionsPerAddress: fc.integer({ min: 1, max: 100_000_000 }),
        stallTimeoutMs: fc.constantFrom(1000, 60_000, 3_600_000),
        tls: tls(["optional", "require"]),
      }),
      coap: fc
        .record(
          {
            listen,
            tls: fc.record(
              {
                listen,
                clientAuth: fc.constantFrom("require" as const, "optional" as const),
                certFile: path,
                keyFile: path,
              },
              { requiredKeys: ["clientAuth"] },
            ),
          },
          { requiredKeys: ["tls"] },
        )
        .filter(
          (c) =>
            (c.tls.certFile === undefined) === (c.tls.keyFile === undefined) &&
            (c.tls.listen !== undefined || (c.tls.clientAuth === "require" && c.tls.certFile === undefined)),
        ),
      storage: fc.record(
        {
          sync: fc.constantFrom("full" as const, "normal" as const),
          retention: fc.constantFrom("off", "90d", "12h", "1y"),
          maxSize: fc.integer({ min: 1_000_000, max: 2 ** 40 }),
          whenFull: fc.constantFrom("refuse" as const, "drop-oldest" as const),
          busyTimeoutMs: fc.constantFrom(100, 5000, 60_000),
        },
        { requiredKeys: ["sync", "retention", "whenFull", "busyTimeoutMs"] },
      ),
      guard: fc.record({
        maxFailures: fc.integer({ min: 1, max: 1000 }),
        windowMs: fc.integer({ min: 1, max: 86_400 }).map((s) => s * 1000),
        maxBanMs: fc.integer({ min: 1, max: 604_800 }).map((s) => s * 1000),
        maxRefusals: fc.integer({ min: 0, max: 1000 }),
        ipv6Prefix: fc.integer({ min: 8, max: 128 }),
        allowList: fc.array(fc.constantFrom("10.0.0.1", "192.168.0.0/16", "2001:db8::/32"), { maxLength: 3 }),
      }),
      audit: fc.record({
        enabled: fc.boolean(),
        maxEvents: fc.integer({ min: 1000, max: 10_000_000 }),
        keepChangesMs: fc.constantFrom(0, 3_600_000, 400 * 86_400_000),
        refusalsInFull: fc.integer({ min: 0, max: 1000 }),
      }),
      login: fc.record({
        accessTokenDurationMs: fc.integer({ min: 1, max: 10_080 }).map((m) => m * 60_000),
        refreshTokenDurationMs: fc.integer({ min: 1, max: 525_600 }).map((m) => m * 60_000),
        invitationDurationMs: fc.integer({ min: 1, max: 525_600 }).map((m) => m * 60_000),
      }),
    })
    .filter(
      (c) =>
        c.http.listen.port === 0 ||
        c.http.listen.port !== c.mqtt.listen.port ||
        c.http.listen.host !== c.mqtt.listen.host,
    );

  test("a printed resolved config loads back to the same config", () => {
    fc.assert(
      fc.property(config, (cfg) => {
        const f = file(formatConfig(cfg), "roundtrip");
        const { file: _from, ...back } = loadConfig({ file: f, env: {}, cwd });
        expect(back).toEqual(cfg);
      }),
      { numRuns: 200, seed: 42 },
    );
  });

  test("the printed config names its source file", () => {
    const f = file('Log.Level = "warn"');
    expect(formatConfig(loadConfig({ file: f, env: {}, cwd }))).toStartWith(
      `# resolved from ${f}, NEO_* environment and flags\n`,
    );
  });
});
