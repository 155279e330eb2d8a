import { describe, expect, test } from "bun:test";
import { FrameReader } from "./frames.ts";

function collect() {
  const frames: number[][] = [];
  const errors: string[] = [];
  const r = new FrameReader(
    (buf, s, e) => frames.push([...buf.subarray(s, e)]),
    (why) => errors.push(why),
  );
  return { r, frames, errors };
}

describe("upstream frame reader", () => {
  test("packets split anywhere, and several in one chunk, come out whole and in order", () => {
    const { r, frames } = collect();
    const a = [0x40, 2, 0, 1];
    const b = [0x30, 5, 0, 1, 0x74, 0x68, 0x69];
    const bytes = Buffer.from([...a, ...b, ...a]);
    for (let i = 0; i < bytes.length; i++) r.push(bytes.subarray(i, i + 1));
    r.push(Buffer.from([...a, ...b]));
    expect(frames).toEqual([a, b, a, a, b]);
  });

  test("a multi-byte remaining length is read across chunks", () => {
    const { r, frames } = collect();
    const body = Array.from({ length: 200 }, (_, i) => i & 0xff);
    const pkt = Buffer.from([0x30, (200 & 0x7f) | 0x80, 1, ...body]);
    r.push(pkt.subarray(0, 2));
    r.push(pkt.subarray(2, 50));
    r.push(pkt.subarray(50));
    expect(frames).toHaveLength(1);
    expect(frames[0]?.length).toBe(203);
  });

  test("a remaining length of more than four bytes is an error", () => {
    const { r, errors } = collect();
    r.push(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]));
    expect(errors).toEqual(["remaining length longer than 4 bytes"]);
  });
});
