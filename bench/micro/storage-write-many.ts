// Throughput of SeriesStore.writeMany: 1000 messages x 10 rows per commit, the shape the
// broker's batcher produces under load. Run: bun bench/micro/storage-write-many.ts
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSeriesStore } from "../../src/storage/index.ts";

const dir = mkdtempSync(join(tmpdir(), "neo-bench-"));
const store = openSeriesStore(dir);
let t = 1675851592000000000n;
const batches = () =>
  Array.from({ length: 1000 }, (_, m) => ({
    table: "BENCH",
    rows: Array.from({ length: 10 }, (_, i) => ({ name: `s${m % 50}.${i}`, time: t++, value: i * 0.5 })),
  }));
const rates: number[] = [];
for (let run = 0; run < 10; run++) {
  const b = batches();
  const t0 = performance.now();
  const n = store.writeMany(b).reduce((a, c) => a + c, 0);
  rates.push((n / (performance.now() - t0)) * 1000);
}
rates.sort((a, b) => a - b);
const f = (x: number) => Math.round(x).toLocaleString("en-US");
console.log(
  `writeMany 1000 msgs x 10 rows, 10 commits: median ${f(rates[5]!)} rows/s (min ${f(rates[0]!)}, max ${f(rates[9]!)})`,
);
store.close();
rmSync(dir, { recursive: true, force: true });
