// Drop a file's pages from the page cache (written back first), so the next start reads the
// binary from disk as an appliance does after boot. A binary written moments ago (a fresh
// build or copy) is mapped from the page cache's large folios, and a start then counts ~5 MB
// more RSS (code pages) than the same file read from disk (Linux 6.18, ext4: the same binary
// 44 vs 49 MB idle, bench/RESULTS.md "Start: the first CONNACK, idle RSS and Bun's floor").
// Only that file's cache is dropped (GNU dd's documented idiom), nothing else on the machine.
import { existsSync } from "node:fs";
import { run } from "./proc.ts";

export async function coldCache(file: string): Promise<void> {
  if (!existsSync(file)) return;
  await run(["dd", `of=${file}`, "oflag=nocache", "conv=notrunc,fdatasync", "count=0"]);
}
