import { describe, expect, test } from "bun:test";
import { durationNs, formatDuration, formatNs, NS_PER_SECOND, parseDuration, parseRetention } from "./duration.ts";

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
    for (const s of ["", "10", "10x", "h", "-1h", "0s", "1h 30m", "abc", "99999999d", "1h-", "101y"]) {
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

describe("one grammar everywhere", () => {
  test("weeks and years, and a retention in nanoseconds with the same spellings as Query.Timeout", () => {
    expect(parseDuration("2w")).toEqual({ ok: true, ms: 14 * 86_400_000 });
    expect(parseDuration("1y")).toEqual({ ok: true, ms: 365 * 86_400_000 });
    expect(parseRetention("1h30m")).toBe(5_400n * NS_PER_SECOND);
    expect(parseRetention("90d")).toBe(90n * 86_400n * NS_PER_SECOND);
    expect(parseRetention("off")).toBeNull();
    expect(() => durationNs("7x", "retention")).toThrow('invalid retention "7x"');
  });
  test("stored spellings keep their largest whole unit (they name rollup tables)", () => {
    expect(formatNs(3_600n * NS_PER_SECOND)).toBe("1h");
    expect(formatNs(5_400n * NS_PER_SECOND)).toBe("90m");
    expect(formatNs(365n * 86_400n * NS_PER_SECOND)).toBe("1y");
    expect(formatNs(7n * 86_400n * NS_PER_SECOND)).toBe("7d");
  });
});
