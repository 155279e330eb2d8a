import { describe, expect, test } from "bun:test";
import { gzipSync } from "node:zlib";
import { BIG_BODY, parseInSlices, SLICE_ROWS } from "./parse-async.ts";
import type { Row } from "./row.ts";

function csv(n: number): Buffer {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) lines.push(`s.${i % 7},${1675851592000000000n + BigInt(i)},${i}`);
  return Buffer.from(lines.join("\n"));
}

describe("parseInSlices", () => {
  test("a big body is parsed off the thread and arrives in order, in slices of at most SLICE_ROWS", async () => {
    const body = csv(40_000);
    expect(body.byteLength).toBeGreaterThan(BIG_BODY);
    const slices: Row[][] = [];
    await parseInSlices(body, { format: "csv" }, (rows) => {
      slices.push(rows);
    });
    expect(slices.length).toBe(Math.ceil(40_000 / SLICE_ROWS));
    expect(slices.every((s) => s.length <= SLICE_ROWS)).toBe(true);
    const all = slices.flat();
    expect(all.length).toBe(40_000);
    expect(all[39_999]).toEqual({ name: "s.1", time: 1675851592000039999n, value: 39_999 });
  });

  test("gzip and errors: a broken big body rejects with the parser's reason; small bodies stay on the thread", async () => {
    const gz = gzipSync(csv(40_000));
    let n = 0;
    await parseInSlices(gz, { format: "csv", compress: "gzip" }, (rows) => {
      n += rows.length;
    });
    expect(n).toBe(40_000);
    const bad = Buffer.concat([csv(40_000), Buffer.from("\nbroken-line")]);
    await expect(parseInSlices(bad, { format: "csv" }, () => {})).rejects.toThrow(/line 40001/);
    const small: Row[][] = [];
    await parseInSlices(csv(3), { format: "csv" }, (rows) => {
      small.push(rows);
    });
    expect(small.map((s) => s.length)).toEqual([3]);
  });
});
