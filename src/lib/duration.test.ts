import { describe, expect, test } from "bun:test";
import { formatDuration, parseDuration } from "./duration.ts";

describe("parseDuration", () => {
  test("accepts the spellings SuperMQ scripts and operators use", () => {
    expect(parseDuration("24h")).toEqual({ ok: true, ms: 86_400_000 });
    expect(parseDuration("720h")).toEqual({ ok: true, ms: 720 * 3_600_000 });
    expect(parseDuration("30d")).toEqual({ ok: true, ms: 30 * 86_400_000 });
    expect(parseDuration("1h30m")).toEqual({ ok: true, ms: 5_400_000 });
    expect(parseDuration("500ms")).toEqual({ ok: true, ms: 500 });
    expect(parseDuration("1.5s")).toEqual({ ok: true, ms: 1500 });
  });
  test("refuses bare numbers, unknown units, zero, negatives, garbage and absurd lengths", () => {
    for (const s of ["", "10", "10x", "h", "-1h", "0s", "1h 30m", "abc", "1y", "99999999d", "1h-"]) {
      expect(parseDuration(s).ok).toBe(false);
    }
  });
});

describe("formatDuration", () => {
  test("prints the shortest exact spelling", () => {
    expect(formatDuration(60_000)).toBe("1m");
    expect(formatDuration(5_400_000)).toBe("1h30m");
    expect(formatDuration(900_000)).toBe("15m");
    expect(formatDuration(1500)).toBe("1500ms");
  });
});
