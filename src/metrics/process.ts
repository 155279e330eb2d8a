// The process_* figures every Prometheus client library exports, from Bun's own views
// of the process (no /proc parsing, so they work on any platform Bun runs on).
const startSeconds = Math.floor((Date.now() - performance.now()) / 1000);

let lastRss = 0;
/** resident memory; at the descriptor limit (EMFILE) Bun cannot read it: the last figure, never a throw */
function rss(): number {
  try {
    lastRss = process.memoryUsage.rss();
  } catch {
    // "Failed to get memory usage" with no descriptor left to open /proc/self/statm
  }
  return lastRss;
}

export function processFigures() {
  const cpu = process.cpuUsage(); // microseconds, user + system since start
  return {
    residentMemoryBytes: rss(),
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    startTimeSeconds: startSeconds,
  };
}
