// The runtime's background threads at a lower CPU priority than the event loop. A fresh
// gateway's JIT compiles its hot path for seconds (JITWorker: ~1 ms a compilation, 13-48 ms
// of CPU every 2.5 s for the first 12 s under 2,000 msg/s), and mimalloc's purge thread wakes
// ~14 times a second; on a small machine each one takes the core a delivery's wake-up wanted
// (bench/RESULTS.md "Session 7: tails"). Linux applies setpriority(PRIO_PROCESS, tid) to one
// thread, and node:os's setPriority(pid, prio) is that call; raising one's own nice value needs
// no privilege. Elsewhere: nothing. (It was bun:ffi's dlopen of libc until session 8: that
// compiled a trampoline with TinyCC at every start, bench/RESULTS.md "Session 8: start".)
import { readdirSync, readFileSync } from "node:fs";
import { setPriority } from "node:os";

/** threads that never hold up a reply (the GC's helpers do: they are left as they are) */
const BACKGROUND = new Set(["JITWorker", "mi-scavenger", "JSCWarmUp"]);
const NICE = 10;
const lowered = new Set<string>();

/** lower the background threads that exist now (new ones appear as the JIT needs them); how many */
export function lowerBackgroundThreads(): number {
  if (process.platform !== "linux") return 0;
  let n = 0;
  let tids: string[];
  try {
    tids = readdirSync("/proc/self/task");
  } catch {
    return 0;
  }
  for (const tid of tids) {
    if (lowered.has(tid)) continue;
    let name: string;
    try {
      name = readFileSync(`/proc/self/task/${tid}/comm`, "utf8").trim();
    } catch {
      continue; // gone meanwhile
    }
    if (!BACKGROUND.has(name)) continue;
    lowered.add(tid);
    try {
      setPriority(Number(tid), NICE);
      n++;
    } catch {
      // gone meanwhile, or not allowed
    }
  }
  return n;
}

/** now, and again as the JIT starts more workers (after 1, 5 and 30 s); never keeps the process alive */
export function lowerBackgroundThreadsSoon(): void {
  for (const ms of [0, 1_000, 5_000, 30_000]) setTimeout(lowerBackgroundThreads, ms).unref();
}
