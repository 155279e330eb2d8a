import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadConfig, parseConfigText } from "./load.ts";
import { formatConfig } from "./format.ts";
import { parseSize } from "./schema/leaves.ts";
import { tempDir as madeTempDir } from "../../test/support/temp-dirs.ts";

const tempDir = () => madeTempDir("neo-bridge-conf-");

const problemsOf = (text: string) => parseConfigText(text, "neo.conf", "/etc/neo").problems;

const CLOUD = `
Bridge "cloud" {
  Address   = "mqtts://broker.example.com:8883"
  ClientId  = "site-17"
  Protocol  = 5
  Username  = "site-17"   Password = "s3cret"
  Tls { CaFile = "ca.pem", CertFile = "gw.pem", KeyFile = "gw.key" }
  Forward   = ["sensors/#", "db/write/#"]
  Prefix    = "sites/site-17/"
  Subscribe = ["commands/site-17/#"]
  Qos       = 1
  Buffer { MaxMessages = 1000000, MaxBytes = "256MB", Policy = "refuse-new" }
  MaxRate   = 500
  Scopes    = ["topics:publish:commands/#"]
}
Bridge "backup" {
  Address = "ws://127.0.0.1:8083/mqtt"
  Forward = ["alarms/+/high"]
}
`;

describe("Bridge blocks", () => {
  test("the issue's example loads, with relative TLS paths resolved and defaults filled in", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "neo.conf"), CLOUD);
    const cfg = loadConfig({ file: join(dir, "neo.conf"), env: {} });
    expect(cfg.bridges?.map((b) => b.name)).toEqual(["cloud", "backup"]);
    const [cloud, backup] = cfg.bridges ?? [];
    expect(cloud).toMatchObject({
      address: "mqtts://broker.example.com:8883",
      clientId: "site-17",
      protocol: 5,
      username: "site-17",
      password: "s3cret",
      tls: { caFile: join(dir, "ca.pem"), certFile: join(dir, "gw.pem"), keyFile: join(dir, "gw.key") },
      forward: ["sensors/#", "db/write/#"],
      prefix: "sites/site-17/",
      subscribe: ["commands/site-17/#"],
      qos: 1,
      buffer: { maxMessages: 1_000_000, maxBytes: 256_000_000, policy: "refuse-new" },
      maxRate: 500,
      scopes: ["topics:publish:commands/#"],
    });
    expect(backup).toMatchObject({ protocol: 5, qos: 1, prefix: "", subscribe: [], buffer: { policy: "drop-oldest" } });
    expect(backup?.clientId.length).toBeGreaterThan(0);
  });

  test("the resolved config prints bridges back in file syntax without the password", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "neo.conf"), CLOUD);
    const cfg = loadConfig({ file: join(dir, "neo.conf"), env: {} });
    const text = formatConfig(cfg);
    expect(text).not.toContain("s3cret");
    expect(text).toContain('Bridge "cloud" {');
    const again = parseConfigText(text, "x", dir);
    expect(again.problems.filter((p) => !p.includes("Password"))).toEqual([]);
    expect(again.patch.bridges?.[1]?.forward).toEqual(["alarms/+/high"]);
  });

  test("a misspelt key in a bridge is reported at its place with a suggestion", () => {
    expect(problemsOf('Bridge "c" {\n  Adress = "mqtt://h"\n  Forward = ["a"]\n}')).toEqual(
      [
        'neo.conf:2:3: unknown key "Adress" in Bridge "c"; did you mean "Address"?',
        'neo.conf:1:8: Bridge "c": Address is required (e.g. Address = "mqtts://broker.example.com:8883")',
      ].sort((a, b) => a.localeCompare(b, "en", { numeric: true })),
    );
  });

  test("bad values are each reported with file:line:col", () => {
    const p = problemsOf(`Bridge "c" {
  Address = "http://h"
  Forward = ["a/#/b", "x"]
  Subscribe = ["c+"]
  Qos = 2
  Protocol = 3
  Buffer { MaxBytes = "lots", Policy = "drop-newest" }
  Tls.CaFile = "ca.pem"
}`);
    expect(p).toEqual([
      'neo.conf:1:8: Bridge "c": nothing to do: give Forward and/or Subscribe topic filters',
      'neo.conf:2:13: Bridge "c".Address: unsupported scheme "http" (use mqtt, mqtts, ws or wss)',
      'neo.conf:3:13: Bridge "c".Forward: topic filter "a/#/b": "#" must be the whole last level',
      'neo.conf:4:15: Bridge "c".Subscribe: topic filter "c+": "+" must be a whole level',
      'neo.conf:5:9: Bridge "c".Qos: expected 0 or 1, got number 2',
      'neo.conf:6:14: Bridge "c".Protocol: expected 4 (MQTT 3.1.1) or 5, got number 3',
      'neo.conf:7:23: Bridge "c".Buffer.MaxBytes: expected a size like "256MB", "1GiB" or a number of bytes, got string "lots"',
      'neo.conf:7:40: Bridge "c".Buffer.Policy: expected one of "drop-oldest", "refuse-new", got "drop-newest"',
    ]);
  });

  test("TLS settings on a plain mqtt:// address, half a key pair, and a password alone are refused", () => {
    const p = problemsOf(`Bridge "c" {
  Address = "mqtt://h:1883"
  Forward = ["a"]
  Tls { CertFile = "c.pem" }
  Password = "x"
}`);
    expect(p).toEqual([
      'neo.conf:4:9: Bridge "c": give both Tls.CertFile and Tls.KeyFile, or neither',
      'neo.conf:4:9: Bridge "c": Tls settings need an mqtts:// or wss:// Address',
      'neo.conf:5:3: Bridge "c": Password needs a Username',
    ]);
  });

  test("two bridges with one name, a bridge without a name, a label on a plain block and a bad name are refused", () => {
    const p = problemsOf(`Bridge "a" { Address = "mqtt://h", Forward = ["x"] }
Bridge "a" { Address = "mqtt://h", Forward = ["x"] }
Bridge { Address = "mqtt://h" }
Http "x" { EnableTokenAuth = true }
Bridge "no/slash" { Address = "mqtt://h", Forward = ["x"] }
Brige "b" { Address = "mqtt://h" }`);
    expect(p).toEqual([
      'neo.conf:2:8: Bridge "a": defined twice (first at 1:8)',
      'neo.conf:3:1: Bridge needs a name: Bridge "name" { ... }',
      "neo.conf:4:6: Http takes no label: write Http { ... }",
      'neo.conf:5:8: Bridge: bridge name "no/slash": use 1-64 letters, digits, "-" or "_" (it names a file and a $SYS topic)',
      'neo.conf:6:1: unknown key "Brige"; did you mean "Bridge"?',
    ]);
  });

  test("a bad scope in a bridge is reported at its place", () => {
    const p = problemsOf(
      'Bridge "c" {\n  Address = "mqtt://h"\n  Subscribe = ["c/#"]\n  Scopes = ["topics:write:c/#"]\n}',
    );
    expect(p).toHaveLength(1);
    expect(p[0]).toStartWith('neo.conf:4:12: Bridge "c".Scopes:');
  });

  test("a label not followed by a block is a syntax error", () => {
    expect(problemsOf('Bridge "a" = 1')).toEqual([
      'neo.conf:1:12: expected "{" after the label of "Bridge" "a", got "="',
    ]);
  });

  test("sizes take decimal and binary units", () => {
    expect(parseSize("256MB")).toBe(256_000_000);
    expect(parseSize("1GiB")).toBe(1024 ** 3);
    expect(parseSize("1.5 kb")).toBe(1500);
    expect(parseSize("12")).toBe(12);
    expect(parseSize("12 apples")).toBeUndefined();
  });
});
