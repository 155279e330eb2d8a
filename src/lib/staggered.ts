// Periodic housekeeping that need not run at the same moment. The jobs made at start-up
// with the same period (the $SYS publishes, neo's own figures, the rollup check) fired in
// one event-loop turn and held it ~5 ms every 10 s: a delivery arriving then waited for
// all of them (bench/RESULTS.md "Session 7: tails"). Each job made here gets a phase of
// its own, STEP_MS after the one made before it (modulo its period).

/** between two jobs' phases: not a divisor of the usual periods (1, 5, 10 s) */
const STEP_MS = 1_130;
let made = 0;

export interface Periodic {
  stop(): void;
}

/** run `fn` every `everyMs`, the first time after this job's phase; never keeps the process alive */
export function staggeredInterval(fn: () => void, everyMs: number): Periodic {
  const phase = (made++ * STEP_MS) % everyMs || everyMs;
  let every: ReturnType<typeof setInterval> | null = null;
  const first = setTimeout(() => {
    every = setInterval(fn, everyMs);
    every.unref();
    fn();
  }, phase);
  first.unref();
  return {
    stop: () => {
      clearTimeout(first);
      if (every !== null) clearInterval(every);
    },
  };
}
