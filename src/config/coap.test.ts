import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { formatConfig, loadConfig } from "./index.ts";

const dir = mkdtempSync(join(tmpdir(), "neo-coap-conf-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (text: string, name = "neo.conf") => {
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
};
const problems = (text: string) => {
  try {
    loadConfig({ file: file(text), env: {}, cwd: dir });
  } catch (e) {
    return String((e as Error).message);
  }
  return "";
};

test("without a Coap block neither CoAP listener runs", () => {
  const cfg = loadConfig({ env: {}, cwd: dir });
  expect(cfg.coap).toEqual({ tls: { clientAuth: "require" } });
  expect(formatConfig(cfg)).not.toContain("Coap");
});

test("Coap.Listen turns on UDP, Coap.Tls.Listen coaps+tcp; both print back", () => {
  const cfg = loadConfig({
    file: file('Coap {\n  Listen = "127.0.0.1:5683"\n  Tls { Listen = "0.0.0.0:5684", ClientAuth = "optional" }\n}'),
    env: {},
    cwd: dir,
  });
  expect(cfg.coap).toEqual({
    listen: { host: "127.0.0.1", port: 5683 },
    tls: { listen: { host: "0.0.0.0", port: 5684 }, clientAuth: "optional" },
  });
  const again = loadConfig({ file: file(formatConfig(cfg), "again.conf"), env: {}, cwd: dir });
  expect(again.coap).toEqual(cfg.coap);
});

test("Tls settings without Tls.Listen, a lone CertFile, and DTLS are reported", () => {
  expect(problems('Coap { Tls { ClientAuth = "optional" } }')).toContain("Coap.Tls settings need Coap.Tls.Listen");
  expect(problems('Coap { Tls { Listen = "127.0.0.1:0", CertFile = "c.pem" } }')).toContain(
    "Coap.Tls.CertFile and Coap.Tls.KeyFile go together",
  );
  expect(problems("Coap { Dtls = true }")).toContain("no CoAP over DTLS");
  expect(problems('Coap { Tls { Listen = "127.0.0.1:0", ClientAuth = "none" } }')).toContain(
    'expected one of "require", "optional"',
  );
});
