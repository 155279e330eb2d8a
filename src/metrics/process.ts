// The process_* figures every Prometheus client library exports, from Bun's own views
// of the process (no /proc parsing, so they work on any platform Bun runs on).
const startSeconds = Math.floor((Date.now() - performance.now()) / 1000);

export function processFigures() {
  const cpu = process.cpuUsage(); // microseconds, user + system since start
  return {
    residentMemoryBytes: process.memoryUsage.rss(),
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    startTimeSeconds: startSeconds,
  };
}
