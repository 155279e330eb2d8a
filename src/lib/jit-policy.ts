// The JIT for a busy process only. The compiled binary starts with JavaScriptCore's tier-up
// thresholds raised (build.ts `jitPolicy`, JIT_POLICY there): the start's run-once code stays in
// the interpreter, and so does what an idle gateway runs now and then (the own-figures timer, a
// bridge's retries), so neither the time nor the pages of the baseline and optimizing compilers
// are spent on it (bench/RESULTS.md "Session 8: start (startpgo)": ~2 MB of code pages at idle
// with every feature on). Once the process is busy (its threads used 12 ms of CPU in a sliding
// 500 ms, from 1 s after the call) the normal policy comes back for good: a gateway with traffic (500 msg/s from one
// client is enough) compiles its hot path as before. Where the binary was built without a
// raised policy (`bun src/main.ts`, tests) setting the normal policy changes nothing.
import { lowerBackgroundThreadsSoon } from "./background-threads.ts";

/**
 * the CPU time is read every SAMPLE_MS; the process is busy once the last WINDOW samples (a
 * sliding 500 ms) add up to BUSY_MS. An idle gateway with every feature on uses ~10 ms a second,
 * most of it in one burst a second (at most ~7 ms in any 500 ms), and ~10 ms more in the 500 ms
 * after its ready line (hence SETTLE_MS); one subscriber at 2,000 msg/s 15-25 ms per 500 ms (20 %
 * of a window missed it: tails4, NEWS 02:24); a burst of connects more.
 */
const SAMPLE_MS = 100;
const WINDOW = 5;
const BUSY_MS = 12;
/** in the first SETTLE_MS after the call (the start's tail) only one sample of BUSY_MS counts */
const SETTLE_MS = 1000;

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
 * Watch the process's CPU time and set the normal JIT policy once it used BUSY_MS in the last
 * WINDOW samples. Call it when the start's own work is done (it would count as busy). The timer never
 * keeps the process alive and stops once the policy is normal.
 */
export function jitWhenBusy(onNormal: () => void = lowerBackgroundThreadsSoon): void {
  if (normal || watch) return;
  const used: number[] = [];
  let last = cpuMicros();
  watch = setInterval(() => {
    const now = cpuMicros();
    used.push(now - last);
    last = now;
    if (used.length > WINDOW) used.shift();
    // in the start's own tail (its collection's sweeping, the first retries: up to ~5 ms a
    // sample) only a sample busy on its own counts (a burst of connects right after the start)
    const counted = performance.now() - since < SETTLE_MS ? (used.at(-1) ?? 0) : used.reduce((a, b) => a + b, 0);
    if (counted < BUSY_MS * 1000) return;
    jitNow();
    // the compilers' worker threads start as the JIT needs them: lower them too
    onNormal();
  }, SAMPLE_MS);
  const since = performance.now();
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
