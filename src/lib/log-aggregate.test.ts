import { describe, expect, test } from "bun:test";
import { createLogAggregator } from "./log-aggregate.ts";
import type { Logger } from "./log.ts";

function sink(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const log: Logger = { debug() {}, info() {}, warn: (m) => lines.push(m), error: (m) => lines.push(m) };
  return { log, lines };
}

describe("log aggregation", () => {
  test("2,000 refusals from one address write the first few in full and one summary with the count", () => {
    const { log, lines } = sink();
    const agg = createLogAggregator(log, "refused authentications", { keep: 3 });
    for (let i = 0; i < 2000; i++) agg.warn("10.0.0.9", `refused token #${i} from 10.0.0.9`);
    expect(lines.length).toBe(3);
    expect(lines[2]).toContain("summed up each minute");
    agg.flush();
    expect(lines.length).toBe(4);
    expect(lines[3]).toBe(
      "refused authentications from 10.0.0.9: 1,997 more in the last 60s (not logged one by one; latest: refused token #1999 from 10.0.0.9)",
    );
    agg.stop();
  });

  test("each source gets its own allowance, and sources past the cap share one count", () => {
    const { log, lines } = sink();
    const agg = createLogAggregator(log, "refused", { keep: 1, maxSources: 2 });
    agg.warn("a", "a1");
    agg.warn("b", "b1");
    agg.warn("c", "c1");
    agg.warn("d", "d1");
    expect(lines).toEqual([
      "a1 (further ones from a are summed up each minute)",
      "b1 (further ones from b are summed up each minute)",
    ]);
    agg.flush();
    expect(lines[2]).toContain("refused from other sources: 2 more");
    agg.stop();
  });
});
