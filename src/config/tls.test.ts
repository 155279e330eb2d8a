import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { formatConfig, loadConfig } from "./index.ts";

const dir = mkdtempSync(join(tmpdir(), "neo-tls-conf-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = join(dir, "neo.conf");
const load = (text: string) => {
  writeFileSync(file, text);
  return loadConfig({ file, env: {}, cwd: dir });
};

describe("Tls { TrustedCA ... }", () => {
  test("TrustedClientCAs is the short form: Identity cn, Policy pinned, named by the file", () => {
    expect(load('Tls { TrustedClientCAs = ["company-ca.pem"] }').tls).toEqual({
      trustedCas: [{ name: "company-ca", file: join(dir, "company-ca.pem"), identity: "cn", policy: "pinned" }],
    });
  });

  test("a TrustedCA block carries its rule, policy and CRL, and prints back the same", () => {
    const c = load(
      'Tls {\n  TrustedCA "acme" {\n    File = "ca.pem"\n    Identity = "san-uri"\n    UriPrefix = "urn:acme:client:"\n    Policy = "ca"\n    CrlFile = "ca.crl"\n  }\n}\n',
    );
    expect(c.tls?.trustedCas[0]).toEqual({
      name: "acme",
      file: join(dir, "ca.pem"),
      identity: "san-uri",
      uriPrefix: "urn:acme:client:",
      policy: "ca",
      crlFile: join(dir, "ca.crl"),
    });
    expect(load(formatConfig(c)).tls).toEqual(c.tls);
  });

  test("mistakes name the block's file:line:col", () => {
    expect(() =>
      load(
        'Tls {\n  TrustedCA "a" { Identity = "mainflux-key"\n Policy = "ca" }\n  TrustedCA "b" { File = "x.pem"\n UriPrefix = "u:" }\n}\n',
      ),
    ).toThrow(
      [
        `${file}:2:13: Tls.TrustedCA "a": no File (write File = "/etc/neo/company-ca.pem")`,
        `${file}:2:13: Tls.TrustedCA "a": Identity "mainflux-key" needs Policy "pinned": the CN holds a key, not an id`,
        `${file}:4:13: Tls.TrustedCA "b": UriPrefix needs Identity "san-uri"`,
      ].join("\n"),
    );
  });
});
