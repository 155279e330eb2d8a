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
    await lowerBackgroundThreads();
    const all = threads();
    const background = all.filter(([name]) => ["JITWorker", "mi-scavenger", "JSCWarmUp"].includes(name));
    expect(background.length).toBeGreaterThan(0);
    for (const [, nice] of background) expect(nice).toBe(10);
    expect(all[0]?.[1]).toBe(0); // the first task is the main thread
  },
);
