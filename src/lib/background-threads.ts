// The runtime's background threads at a lower CPU priority than the event loop. A fresh
// gateway's JIT compiles its hot path for seconds (JITWorker: ~1 ms a compilation, 13-48 ms
// of CPU every 2.5 s for the first 12 s under 2,000 msg/s), and mimalloc's purge thread wakes
// ~14 times a second; on a small machine each one takes the core a delivery's wake-up wanted
// (bench/RESULTS.md "Session 7: tails"). Linux applies setpriority(PRIO_PROCESS, tid) to one
// thread; raising one's own nice value needs no privilege. Elsewhere, or without libc: nothing.
import { readdirSync, readFileSync } from "node:fs";

/** threads that never hold up a reply (the GC's helpers do: they are left as they are) */
const BACKGROUND = new Set(["JITWorker", "mi-scavenger", "JSCWarmUp"]);
const NICE = 10;
const PRIO_PROCESS = 0;

type SetPriority = (which: number, who: number, prio: number) => number;
let setpriority: SetPriority | null | undefined;
const lowered = new Set<string>();

async function libc(): Promise<SetPriority | null> {
  if (setpriority !== undefined) return setpriority;
  setpriority = null;
  const { dlopen, FFIType } = await import("bun:ffi");
  for (const name of ["libc.so.6", "libc.so", "libc.musl-x86_64.so.1", "libc.musl-aarch64.so.1"]) {
    try {
      const lib = dlopen(name, {
        setpriority: { args: [FFIType.i32, FFIType.u32, FFIType.i32], returns: FFIType.i32 },
      });
      setpriority = (which, who, prio) => lib.symbols.setpriority(which, who, prio);
      break;
    } catch {
      // try the next name
    }
  }
  return setpriority;
}

/** lower the background threads that exist now (new ones appear as the JIT needs them); how many */
export async function lowerBackgroundThreads(): Promise<number> {
  if (process.platform !== "linux") return 0;
  const set = await libc();
  if (!set) return 0;
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
    if (set(PRIO_PROCESS, Number(tid), NICE) === 0) n++;
  }
  return n;
}

/** now, and again as the JIT starts more workers (after 1, 5 and 30 s); never keeps the process alive */
export function lowerBackgroundThreadsSoon(): void {
  for (const ms of [0, 1_000, 5_000, 30_000])
    setTimeout(() => void lowerBackgroundThreads().catch(() => 0), ms).unref();
}
