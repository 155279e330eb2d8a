import { describe, expect, test } from "bun:test";
import type { Logger } from "./log.ts";
import { isDiskFull, warnIfDiskFull } from "./disk-full.ts";

describe("full disk errors", () => {
  test("SQLITE_FULL, ENOSPC and their messages are a full disk; other errors are not", () => {
    expect(isDiskFull(Object.assign(new Error("database or disk is full"), { code: "SQLITE_FULL" }))).toBe(true);
    expect(isDiskFull(Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" }))).toBe(
      true,
    );
    expect(isDiskFull(new Error("no such table: x"))).toBe(false);
    expect(isDiskFull(undefined)).toBe(false);
  });

  test("one WARN a minute per subject, counting the ones in between; other errors are left to the caller", () => {
    const lines: string[] = [];
    const log = { warn: (m: string) => lines.push(m) } as unknown as Logger;
    const full = Object.assign(new Error("database or disk is full"), { code: "SQLITE_FULL" });
    expect(warnIfDiskFull(log, "subject-a", full, 1_000)).toBe(true);
    expect(warnIfDiskFull(log, "subject-a", full, 2_000)).toBe(true);
    expect(warnIfDiskFull(log, "subject-a", full, 3_000)).toBe(true);
    expect(warnIfDiskFull(log, "subject-a", full, 62_000)).toBe(true);
    expect(warnIfDiskFull(log, "subject-a", new Error("other"), 63_000)).toBe(false);
    expect(lines).toEqual([
      "subject-a: the disk is full (database or disk is full)",
      "subject-a: the disk is full (database or disk is full) (2 more since the last warning)",
    ]);
  });
});
