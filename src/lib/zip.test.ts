import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { crc32, createZip } from "./zip.ts";

describe("zip writer", () => {
  test("crc32 matches the standard check value for 123456789", () => {
    expect(crc32(new TextEncoder().encode("123456789"))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array())).toBe(0);
  });

  test("an archive of stored entries passes unzip's integrity test and extracts byte-exact", () => {
    const dir = mkdtempSync(join(tmpdir(), "neo-zip-"));
    try {
      const binary = new Uint8Array(300).map((_, i) => (i * 7) & 0xff);
      const zip = createZip([
        { name: "server.pem", data: "-----BEGIN CERTIFICATE-----\nabc\n-----END CERTIFICATE-----\n" },
        { name: "dev-1_token", data: "dev-1:b:" + "ab".repeat(32) },
        { name: "blob.bin", data: binary },
        { name: "empty", data: "" },
      ]);
      const file = join(dir, "k.zip");
      writeFileSync(file, zip);
      const check = Bun.spawnSync(["unzip", "-t", file]);
      expect(check.exitCode).toBe(0);
      expect(check.stdout.toString()).toContain("No errors detected");
      const token = Bun.spawnSync(["unzip", "-p", file, "dev-1_token"]);
      expect(token.stdout.toString()).toBe("dev-1:b:" + "ab".repeat(32));
      const blob = Bun.spawnSync(["unzip", "-p", file, "blob.bin"]);
      expect(new Uint8Array(blob.stdout)).toEqual(binary);
      const listing = Bun.spawnSync(["unzip", "-Z1", file]).stdout.toString().trim().split("\n");
      expect(listing).toEqual(["server.pem", "dev-1_token", "blob.bin", "empty"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
