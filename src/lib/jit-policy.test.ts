import { expect, test } from "bun:test";
import { jitIsNormal, jitWhenBusy } from "./jit-policy.ts";

test("the normal JIT policy comes back once the process keeps the CPU busy for a window", async () => {
  const { promise, resolve } = Promise.withResolvers<void>();
  let done = false;
  jitWhenBusy(() => {
    done = true;
    resolve();
  });
  expect(jitIsNormal()).toBe(false);
  // busy in slices, giving the watch's timer its turns between them (bounded: 10 s)
  const until = performance.now() + 10_000;
  while (!done && performance.now() < until) {
    const slice = performance.now() + 20;
    while (performance.now() < slice) {}
    await new Promise((r) => setTimeout(r, 1));
  }
  await promise;
  expect(jitIsNormal()).toBe(true);
});
