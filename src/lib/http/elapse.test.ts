import { describe, expect, test } from "bun:test";
import { formatElapse, goDuration } from "./elapse.ts";

describe("elapse, as Go prints a time.Duration", () => {
  test("each unit prints like Go's Duration.String()", () => {
    expect(goDuration(0)).toBe("0s");
    expect(goDuration(500)).toBe("500ns");
    expect(goDuration(812_400)).toBe("812.4µs");
    expect(goDuration(1_866_708)).toBe("1.866708ms");
    expect(goDuration(2_000_000)).toBe("2ms");
    expect(goDuration(2_500_000_000)).toBe("2.5s");
    expect(goDuration(90_200_000_000)).toBe("1m30.2s");
    expect(goDuration(3_600_000_000_000)).toBe("1h0m0s");
    expect(goDuration(-1500)).toBe("-1.5µs");
  });

  test("milliseconds from performance.now() are rounded to whole nanoseconds", () => {
    expect(formatElapse(1.8667081)).toBe("1.866708ms");
    expect(formatElapse(0.0004)).toBe("400ns");
  });
});
