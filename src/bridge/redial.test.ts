import { describe, expect, test } from "bun:test";
import { createRedial } from "./redial.ts";

/** a probe answered by the test: resolves when told */
function manualProbe() {
  const calls: ((ok: boolean) => void)[] = [];
  return {
    calls,
    probe: () => new Promise<boolean>((res) => calls.push(res)),
    next: async () => {
      while (calls.length === 0) await new Promise((r) => setTimeout(r, 5));
      return calls.shift() as (ok: boolean) => void;
    },
  };
}

describe("redial", () => {
  test("while the upstream is unreachable a TCP probe that gets through dials at once, before the back-off", async () => {
    const p = manualProbe();
    let dialled = 0;
    const waits: number[] = [];
    const r = createRedial({
      address: "mqtt://127.0.0.1:1",
      dial: () => dialled++,
      onWait: (ms) => waits.push(ms),
      delay: () => 60_000,
      probe: p.probe,
    });
    r.failed(false);
    (await p.next())(false);
    expect(dialled).toBe(0);
    (await p.next())(true);
    await new Promise((res) => setTimeout(res, 0));
    expect(dialled).toBe(1);
    expect(waits.length).toBe(1);
    r.stop();
  });

  test("an upstream that was reached (it refused us) is not probed: only the back-off dials", async () => {
    const p = manualProbe();
    let dialled = 0;
    const r = createRedial({ address: "mqtt://127.0.0.1:1", dial: () => dialled++, delay: () => 50, probe: p.probe });
    r.failed(true);
    while (dialled === 0) await new Promise((res) => setTimeout(res, 5));
    expect(p.calls.length).toBe(0);
    r.stop();
  });

  test("stop() ends the probes: a late positive answer dials nothing", async () => {
    const p = manualProbe();
    let dialled = 0;
    const r = createRedial({
      address: "mqtt://127.0.0.1:1",
      dial: () => dialled++,
      delay: () => 60_000,
      probe: p.probe,
    });
    r.failed(false);
    const answer = await p.next();
    r.stop();
    answer(true);
    await new Promise((res) => setTimeout(res, 0));
    expect(dialled).toBe(0);
  });
});
