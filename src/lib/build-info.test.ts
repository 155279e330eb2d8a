import { expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pkg from "../../package.json" with { type: "json" };
import { buildInfo, gitCommit, hostTarget } from "./build-info.ts";

test("run from source, build info takes the version from package.json and marks the build as dev", () => {
  const info = buildInfo();
  expect(info.version).toBe(pkg.version);
  expect(info.buildDate).toBe("dev");
  expect(info.bun).toBe(Bun.version);
  expect(info.target).toBe(`source (${process.platform}-${process.arch})`);
  expect(info.commit).toMatch(/^([0-9a-f]{4,40}|unknown)$/);
});

test("the host target is named the way Bun's compile targets are", () => {
  expect(hostTarget()).toBe(`bun-${process.platform}-${process.arch}`);
});

test("outside a git checkout the commit is unknown", () => {
  const dir = mkdtempSync(join(tmpdir(), "neo-nogit-"));
  try {
    expect(gitCommit(dir)).toBe("unknown");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
