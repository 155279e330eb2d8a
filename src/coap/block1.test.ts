import { expect, test } from "bun:test";
import { createBlock1 } from "./block1.ts";

const bytes = (n: number, fill = 1) => new Uint8Array(n).fill(fill);

test("blocks in order make the body; the last block completes it", () => {
  const b = createBlock1({ maxBodyBytes: 10_000 });
  expect(b.receive("p", "k", { num: 0, more: true, szx: 2 }, bytes(64, 1))).toEqual({ kind: "continue" });
  expect(b.receive("p", "k", { num: 1, more: true, szx: 2 }, bytes(64, 2))).toEqual({ kind: "continue" });
  const r = b.receive("p", "k", { num: 2, more: false, szx: 2 }, bytes(10, 3));
  expect(r.kind).toBe("complete");
  if (r.kind === "complete") expect([r.body.length, r.body[0], r.body[64], r.body[128]]).toEqual([138, 1, 2, 3]);
  expect(b.transfers()).toBe(0);
  expect(b.bytes()).toBe(0);
});

test("past the limit (or a Size1 over it) the transfer is refused with the limit and forgotten", () => {
  const b = createBlock1({ maxBodyBytes: 100 });
  expect(b.receive("p", "k", { num: 0, more: true, szx: 2 }, bytes(64))).toEqual({ kind: "continue" });
  expect(b.receive("p", "k", { num: 1, more: true, szx: 2 }, bytes(64))).toEqual({ kind: "too-large", limit: 100 });
  expect(b.transfers()).toBe(0);
  expect(b.receive("p", "k2", { num: 0, more: true, szx: 2 }, bytes(64), 5000)).toEqual({
    kind: "too-large",
    limit: 100,
  });
});

test("a block out of order, without its first block or of the wrong size is incomplete (4.08)", () => {
  const b = createBlock1({ maxBodyBytes: 10_000 });
  expect(b.receive("p", "k", { num: 3, more: true, szx: 2 }, bytes(64)).kind).toBe("incomplete");
  b.receive("p", "k", { num: 0, more: true, szx: 2 }, bytes(64));
  expect(b.receive("p", "k", { num: 2, more: true, szx: 2 }, bytes(64)).kind).toBe("incomplete");
  expect(b.receive("p", "k", { num: 0, more: true, szx: 2 }, bytes(10)).kind).toBe("incomplete");
});

test("bounded: a peer keeps at most 4 transfers, all together at most maxTotalBytes, idle ones expire", () => {
  let now = 0;
  const b = createBlock1({ maxBodyBytes: 10_000, maxTotalBytes: 64 * 6, idleMs: 1000, now: () => now });
  for (let i = 0; i < 6; i++) b.receive("p", `k${i}`, { num: 0, more: true, szx: 2 }, bytes(64));
  expect(b.transfers()).toBe(4);
  b.receive("q", "q1", { num: 0, more: true, szx: 2 }, bytes(64));
  b.receive("q", "q2", { num: 0, more: true, szx: 2 }, bytes(64));
  expect(b.receive("r", "r1", { num: 0, more: true, szx: 2 }, bytes(64))).toEqual({ kind: "busy" });
  now = 5000;
  expect(b.receive("r", "r1", { num: 0, more: true, szx: 2 }, bytes(64))).toEqual({ kind: "continue" });
  expect(b.transfers()).toBe(1);
});
