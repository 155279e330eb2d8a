// What a running gateway allocates, by JS cell type: a preload (`bun --preload <this>
// src/main.ts serve ...`) that every 500 ms writes to stderr the heap cells of each type made
// since the last line (`bun:jsc` heapStats' objectTypeCounts; an interval with a collection in
// it is skipped, its counts would be net of what died). Beside a load, e.g.
//   bun bench/micro/latency-trace.ts --keep /tmp/t --brokers neo \
//     --neo-cmd "bun --preload /abs/bench/micro/alloc-preload.ts /abs/src/main.ts"
// then `grep ALLOC /tmp/neo-bench-neo-*/serve-tcp.log` (bench/RESULTS.md "Session 8: tails").
// Its own heapStats() call makes ~130 Structures a line.
import { heapStats } from "bun:jsc";

let prev = heapStats();
setInterval(() => {
  const now = heapStats();
  const before = prev;
  prev = now;
  if (now.heapSize < before.heapSize) return; // a collection between: counts net of the dead
  const made: [string, number][] = [];
  for (const [type, n] of Object.entries(now.objectTypeCounts)) {
    const d = n - (before.objectTypeCounts[type] ?? 0);
    if (d > 0) made.push([type, d]);
  }
  made.sort((x, y) => y[1] - x[1]);
  const kb = (b: number) => (b / 1024).toFixed(0);
  const top = made
    .slice(0, 14)
    .map(([t, n]) => `${t}:${n}`)
    .join(" ");
  process.stderr.write(
    `ALLOC +${kb(now.heapSize - before.heapSize)}KB (extra ${kb(now.extraMemorySize - before.extraMemorySize)}KB) ${top}\n`,
  );
}, 500).unref();
