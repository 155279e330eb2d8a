import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultConfigText, formatConfig, loadConfig } from "./index.ts";

const dir = mkdtempSync(join(tmpdir(), "neo-grpc-conf-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const load = (text: string) => {
  const f = join(dir, "neo.conf");
  writeFileSync(f, text);
  return loadConfig({ file: f, env: {}, cwd: dir });
};

describe("Grpc { ... }", () => {
  test("is off unless the block is there, also in the sample config", () => {
    expect(loadConfig({ env: {}, cwd: dir }).grpc).toBeUndefined();
    expect(load(defaultConfigText()).grpc).toBeUndefined();
  });

  test("an empty block is machbase-neo's port with mutual TLS required", () => {
    expect(load("Grpc {}\n").grpc).toEqual({
      listen: { host: "127.0.0.1", port: 5655 },
      tls: { enabled: true, clientAuth: "require" },
    });
  });

  test("Listen and Tls are read like Http's, and printed back by config check", () => {
    const cfg = load('Grpc {\n  Listen = "0.0.0.0:7000"\n  Tls { ClientAuth = "optional" }\n}\n');
    expect(cfg.grpc).toEqual({
      listen: { host: "0.0.0.0", port: 7000 },
      tls: { enabled: true, clientAuth: "optional" },
    });
    expect(formatConfig(cfg)).toContain(
      'Grpc {\n  Listen = "0.0.0.0:7000"\n  Tls {\n    Enabled = true\n    ClientAuth = "optional"\n  }\n}',
    );
  });

  test("bad values are reported with where they are", () => {
    expect(() => load('Grpc {\n  Listen = "nowhere"\n  Tls { ClientAuth = "maybe" }\n}\n')).toThrow(
      /neo.conf:2:\d+: Grpc.Listen/,
    );
  });
});
