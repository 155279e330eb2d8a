// The JIT for a busy process only. The compiled binary starts with JavaScriptCore's tier-up
// thresholds raised (build.ts `jitPolicy`, JIT_POLICY there): the start's run-once code stays in
// the interpreter, and so does what an idle gateway runs now and then (the own-figures timer, a
// bridge's retries), so neither the time nor the pages of the baseline and optimizing compilers
// are spent on it (bench/RESULTS.md "Session 8: start (startpgo)": ~2 MB of code pages at idle
// with every feature on). Once the process has been busy for a window (CPU time of all its
// threads >= BUSY of the window's wall time: 10 ms in 500) the normal policy comes back for
// good: a gateway with traffic, even a few hundred messages a second, compiles its hot path as
// before. Where the binary was built without a raised
// policy (`bun src/main.ts`, tests) setting the normal policy changes nothing.
import { lowerBackgroundThreadsSoon } from "./background-threads.ts";

/**
 * how often the CPU time is read while the policy is raised, and what share of it is busy: an
 * idle gateway uses ~4 ms a second (housekeeping, a bridge's retries; a job's burst ~5 ms), one
 * subscriber at 2,000 msg/s 30-50 ms a second (20 % missed it: tails4, NEWS 02:24), a burst of
 * connects more
 */
const WINDOW_MS = 500;
const BUSY = 0.02;

let normal = false;
let watch: ReturnType<typeof setInterval> | undefined;

/** the normal JIT policy from now on (a query process, or a busy gateway) */
function jitNow(): void {
  if (normal) return;
  normal = true;
  if (watch) clearInterval(watch);
  watch = undefined;
  Bun.unsafe.setJITPolicy(1);
}

/**
 * Watch the process's CPU time every WINDOW_MS and set the normal JIT policy once a window was
 * busy. Call it when the start's own work is done (it would count as busy). The timer never
 * keeps the process alive and stops once the policy is normal.
 */
export function jitWhenBusy(onNormal: () => void = lowerBackgroundThreadsSoon): void {
  if (normal || watch) return;
  let last = cpuMicros();
  watch = setInterval(() => {
    const now = cpuMicros();
    const busy = now - last >= BUSY * WINDOW_MS * 1000;
    last = now;
    if (!busy) return;
    jitNow();
    // the compilers' worker threads start as the JIT needs them: lower them too
    onNormal();
  }, WINDOW_MS);
  watch.unref();
}

function cpuMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

/** for tests: whether the normal policy was set */
export function jitIsNormal(): boolean {
  return normal;
}
