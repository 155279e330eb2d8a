import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { formatConfig } from "./format.ts";
import { loadConfig, parseConfigText } from "./load.ts";
import { tempDir as madeTempDir } from "../../test/support/temp-dirs.ts";

const tempDir = () => madeTempDir("neo-export-conf-");

const problemsOf = (text: string) => parseConfigText(text, "neo.conf", "/etc/neo").problems;

const CENTRAL = `
Export "central" {
  Postgres = "postgres://neo:s3cret@db.example.com:5432/plant"
  Tables   = ["sensors", "PLANT"]
  Gateway  = "site-17"
  Tls { Mode = "verify-full", CaFile = "db-ca.pem" }
  Batch    = 500
  Buffer { MaxBytes = "64MB" }
}
`;

describe("Export blocks", () => {
  test("read with defaults filled in; table names upper case; the password never printed", () => {
    const dir = tempDir();
    const file = join(dir, "neo.conf");
    writeFileSync(
      file,
      `${CENTRAL}Export "lab" {\n  Postgres = "postgres://lab@10.0.0.2/lab"\n  Tables = ["LAB"]\n}\n`,
    );
    const cfg = loadConfig({ file, env: {}, flags: {} });
    expect(cfg.exports?.[0]).toEqual({
      name: "central",
      postgres: "postgres://neo:s3cret@db.example.com:5432/plant",
      tables: ["SENSORS", "PLANT"],
      gateway: "site-17",
      tls: { mode: "verify-full", caFile: join(dir, "db-ca.pem") },
      batch: 500,
      buffer: { maxBytes: 64_000_000 },
    });
    expect(cfg.exports?.[1]).toMatchObject({ name: "lab", batch: 1000, buffer: { maxBytes: 256_000_000 } });
    const printed = formatConfig(cfg);
    expect(printed).toContain('Postgres = "postgres://neo:***@db.example.com:5432/plant"');
    expect(printed).not.toContain("s3cret");
  });

  test("problems are reported with their place", () => {
    expect(problemsOf('Export "x" {\n  Tables = ["A"]\n}')).toEqual([
      'neo.conf:1:8: Export "x": Postgres is required (e.g. Postgres = "postgres://neo@db.example.com:5432/plant")',
    ]);
    expect(problemsOf('Export "x" {\n  Postgres = "mysql://h/db"\n  Tables = ["A"]\n}')[0]).toContain(
      'unsupported scheme "mysql"',
    );
    expect(problemsOf('Export "x" {\n  Postgres = "postgres://h/db"\n  Tables = ["bad name"]\n}')[0]).toContain(
      "expected table names",
    );
    expect(problemsOf('Export "a b" {}')[0]).toContain("export name");
  });
});
