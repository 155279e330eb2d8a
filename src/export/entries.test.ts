import { describe, expect, test } from "bun:test";
import { decodeEntry, emptyColumns, ENTRY_ROWS, encodeEntries, SEQ_SPAN } from "./entries.ts";

describe("export queue entries", () => {
  test("rows keep exact times; seq = entry number × 2^20 + place, the same on every replay", () => {
    const [payload, ...more] = encodeEntries(
      [
        { name: "a", time: 1_700_000_000_123_456_789n, value: 1.5 },
        { name: "a", time: 1_700_000_000_123_456_789n, value: null },
      ],
      false,
    );
    expect(more).toEqual([]);
    const c = emptyColumns();
    expect(decodeEntry(payload!, 7, c)).toBe(2);
    expect(c.time).toEqual(["1700000000123456789", "1700000000123456789"]);
    expect(c.seq).toEqual([String(7 * SEQ_SPAN), String(7 * SEQ_SPAN + 1)]);
    expect(c.value).toEqual([1.5, null]);
    const again = emptyColumns();
    decodeEntry(payload!, 7, again);
    expect(again).toEqual(c);
  });
  test("SenML records carry their fields; big writes are split", () => {
    const [p] = encodeEntries(
      [
        {
          name: "m:s",
          time: 1n,
          value: null,
          unit: "Cel",
          stringValue: "on",
          boolValue: true,
          dataValue: null,
          sum: 2,
          channel: "ch",
          publisher: "p",
          subtopic: "a/b",
          protocol: "mqtt",
        },
      ],
      true,
    );
    const c = emptyColumns();
    decodeEntry(p!, 1, c);
    expect([c.unit[0], c.stringValue[0], c.boolValue[0], c.sum[0], c.channel[0], c.subtopic[0]]).toEqual([
      "Cel",
      "on",
      true,
      2,
      "ch",
      "a/b",
    ]);
    const many = Array.from({ length: ENTRY_ROWS + 1 }, (_, i) => ({ name: "x", time: BigInt(i), value: i }));
    expect(encodeEntries(many, false).length).toBe(2);
  });
});
