import { describe, expect, test } from "bun:test";
import { AuditGroups } from "./audit-groups.ts";

describe("an audit rule's groups in one minute (typed-array table)", () => {
  test("counts per key through many growths; unknown keys are 0", () => {
    const g = new AuditGroups<string>();
    const keys = [...Array(20_000)].map((_, i) => i * 7_919_993 + (i % 3) * 2 ** 40);
    for (const k of keys) g.addFull(k);
    for (const k of keys.slice(0, 100)) g.addFull(k);
    expect(g.size).toBe(20_000);
    expect(g.fullOf(keys[0] as number)).toBe(2);
    expect(g.fullOf(keys[19_999] as number)).toBe(1);
    expect(g.fullOf(123)).toBe(0);
    expect(g.has(keys[500] as number)).toBe(true);
    expect(g.has(-1)).toBe(false);
    g.addFull(-1, 0); // the "other groups" key: known, none in full
    expect(g.has(-1)).toBe(true);
    expect(g.fullOf(-1)).toBe(0);
    expect(g.size).toBe(20_001);
  });
});
