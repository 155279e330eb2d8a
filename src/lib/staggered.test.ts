import { expect, test } from "bun:test";
import { staggeredInterval } from "./staggered.ts";

/** a job of `everyMs` and a promise of its n-th run */
function counted(everyMs: number, n: number) {
  let runs = 0;
  let reached: () => void = () => {};
  const nth = new Promise<void>((r) => (reached = r));
  const job = staggeredInterval(() => {
    if (++runs === n) reached();
  }, everyMs);
  return { job, nth, runs: () => runs };
}

test("a staggered job runs later, never at once, and again every period", async () => {
  const a = counted(20, 3);
  expect(a.runs()).toBe(0);
  await a.nth;
  a.job.stop();
  expect(a.runs()).toBe(3);
});

test("a job stopped before its first run never runs (while another of the same period runs three times)", async () => {
  const stopped = counted(20, 1);
  stopped.job.stop();
  const other = counted(20, 3);
  await other.nth;
  other.job.stop();
  expect(stopped.runs()).toBe(0);
});
