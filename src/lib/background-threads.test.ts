import { expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { lowerBackgroundThreads } from "./background-threads.ts";

/** [name, nice] of this process's threads (Linux) */
const threads = () =>
  readdirSync("/proc/self/task").map((tid) => {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return [readFileSync(`/proc/self/task/${tid}/comm`, "utf8").trim(), Number(fields[16])] as const;
  });

test.if(process.platform === "linux")(
  "the JIT's and the allocator's threads run at nice 10, the event loop's is left alone",
  async () => {
    // the JIT may start a worker while this runs (after a busy test in the same process): a
    // thread that appeared since the last pass is lowered by the next one, as in the gateway
    const isBackground = ([name]: readonly [string, number]) =>
      ["JITWorker", "mi-scavenger", "JSCWarmUp"].includes(name);
    let all = threads();
    for (let pass = 0; pass < 5; pass++) {
      lowerBackgroundThreads();
      all = threads();
      if (all.filter(isBackground).every(([, nice]) => nice === 10)) break;
    }
    const background = all.filter(isBackground);
    expect(background.length).toBeGreaterThan(0);
    for (const [, nice] of background) expect(nice).toBe(10);
    expect(all[0]?.[1]).toBe(0); // the first task is the main thread
  },
);
