import { expect, test } from "bun:test";
import { recentReading } from "./recent-reading.ts";

test("a reading is reused while younger than maxAgeMs and taken again once it is that old", () => {
  let clock = 100;
  let reads = 0;
  const v = recentReading(
    () => ++reads,
    1,
    () => clock,
  );
  expect([v(), v()]).toEqual([1, 1]);
  clock += 0.9;
  expect(v()).toBe(1);
  clock += 0.1; // 1 ms after the read
  expect(v()).toBe(2);
  expect(reads).toBe(2);
});

test("drop() makes the next call read again at once", () => {
  let reads = 0;
  const v = recentReading(
    () => ++reads,
    1000,
    () => 0,
  );
  expect(v()).toBe(1);
  v.drop();
  expect(v()).toBe(2);
  expect(v()).toBe(2);
});
