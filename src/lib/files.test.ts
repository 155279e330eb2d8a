import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeFileAtomic, writeFileExclusive } from "./files.ts";

const dir = mkdtempSync(join(tmpdir(), "neo-files-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("atomic file writes", () => {
  test("replaces the content in one step with exactly the mode asked, leaving no temp file", () => {
    const f = join(dir, "a.pem");
    writeFileSync(f, "old");
    const umask = process.umask(0o077);
    try {
      writeFileAtomic(f, "new", 0o644);
    } finally {
      process.umask(umask);
    }
    expect(readFileSync(f, "utf8")).toBe("new");
    expect(statSync(f).mode & 0o777).toBe(0o644);
    writeFileAtomic(f, new Uint8Array([1, 2, 3]), 0o600);
    expect([...readFileSync(f)]).toEqual([1, 2, 3]);
    expect(statSync(f).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir).filter((n) => n.includes(".tmp-"))).toEqual([]);
  });

  test("exclusive refuses an existing file with EEXIST and keeps it", () => {
    const f = join(dir, "key");
    writeFileAtomic(f, "first", 0o600, { exclusive: true });
    expect(() => writeFileAtomic(f, "second", 0o600, { exclusive: true })).toThrow(/EEXIST/);
    expect(() => writeFileExclusive(f, "third", 0o600)).toThrow(/EEXIST/);
    expect(readFileSync(f, "utf8")).toBe("first");
    expect(readdirSync(dir).filter((n) => n.includes(".tmp-"))).toEqual([]);
  });

  test("a write into a missing directory fails and creates nothing", () => {
    expect(() => writeFileAtomic(join(dir, "nope", "f"), "x", 0o600)).toThrow(/ENOENT/);
  });
});
