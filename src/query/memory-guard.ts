// Query.MaxMemory held by the query process itself. A statement runs synchronously in
// SQLite, so the process's own event loop cannot look at its memory meanwhile; a tiny
// Worker thread can: it reads /proc/self/statm every few milliseconds and, once the
// resident set passes the limit, ends the whole process with SIGUSR2 (no handler: the
// kernel ends it at once). The pool reads that signal as "over Query.MaxMemory" (413).
// It watches between jobs too: while the answer is serialized or sent over IPC, and when
// a process kept memory from an earlier query.

/** the signal a query process ends itself with when it passes Query.MaxMemory */
export const MEMORY_SIGNAL = "SIGUSR2";

/** how often the guard looks, ms (a page-cache read of /proc/self/statm, ~5 us) */
const GUARD_EVERY_MS = 2;

// the Worker's source: no imports of ours, so it runs from a blob in the compiled binary too
const source = (maxBytes: number, everyMs: number) => `
const { readFileSync } = require("node:fs");
const page = 4096;
setInterval(() => {
  let resident = 0;
  try { resident = Number(readFileSync("/proc/self/statm", "latin1").split(" ")[1]) * page; } catch {}
  if (resident > ${maxBytes}) process.kill(process.pid, "${MEMORY_SIGNAL}");
}, ${everyMs});
`;

/** start the guard in this process (a query process); returns the Worker */
export function startMemoryGuard(maxBytes: number, everyMs = GUARD_EVERY_MS): Worker {
  const url = URL.createObjectURL(new Blob([source(Math.floor(maxBytes), everyMs)], { type: "text/javascript" }));
  const w = new Worker(url);
  w.unref();
  return w;
}
