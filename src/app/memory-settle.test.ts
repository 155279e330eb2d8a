import { expect, test } from "bun:test";
import { createMemorySettler } from "./memory-settle.ts";

const until = async (cond: () => boolean, ms = 2000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await Bun.sleep(5);
  }
};

test("a burst of connects is followed by one collection once connects stop", async () => {
  let runs = 0;
  const s = createMemorySettler({ minConnects: 10, quietMs: 20, minIntervalMs: 0, collect: () => runs++ });
  for (let i = 0; i < 50; i++) s.noteConnect();
  expect(runs).toBe(0); // never inside the burst
  await until(() => runs === 1);
  await Bun.sleep(60);
  expect(runs).toBe(1);
  s.stop();
});

test("a few connects never trigger a collection", async () => {
  let runs = 0;
  const s = createMemorySettler({ minConnects: 10, quietMs: 10, minIntervalMs: 0, collect: () => runs++ });
  for (let i = 0; i < 9; i++) s.noteConnect();
  await Bun.sleep(60);
  expect(runs).toBe(0);
  s.stop();
});

test("collections are at least minIntervalMs apart", async () => {
  const at: number[] = [];
  const s = createMemorySettler({
    minConnects: 2,
    quietMs: 5,
    minIntervalMs: 150,
    collect: () => at.push(performance.now()),
  });
  s.noteConnect();
  s.noteConnect();
  await until(() => at.length === 1);
  s.noteConnect();
  s.noteConnect();
  await until(() => at.length === 2);
  expect((at[1] as number) - (at[0] as number)).toBeGreaterThanOrEqual(145);
  s.stop();
});

test("a young-generation collection runs every youngEvery connects, burst or not", () => {
  let young = 0;
  const s = createMemorySettler({
    minConnects: 1_000_000,
    youngEvery: 4,
    collect: () => {},
    collectYoung: () => young++,
  });
  for (let i = 0; i < 10; i++) s.noteConnect();
  expect(young).toBe(2);
  s.stop();
});
