// Query.MaxMemory held by the query process itself. A statement runs synchronously in
// SQLite, so the process's own event loop cannot look at its memory meanwhile; a tiny
// Worker thread can: while a query is in hand it reads /proc/self/statm every few
// milliseconds and, once the resident set passes the limit, ends the whole process with
// SIGUSR2 (no handler: the kernel ends it at once). The pool reads that signal as "over
// Query.MaxMemory" (413). It watches from a query's start until its answer is sent (the
// answer serialized, sent over IPC, its pieces waiting for the reader); a process that kept
// memory from an earlier query is seen as soon as the next one starts. A second after the
// last query it sleeps on a futex until the next one wakes it: an idle query process costs no
// CPU (it woke 500 times a second before, ~2.5 % of a core per idle process), and a busy one
// is never woken (the guard is mid-nap and looks by itself).

/** the signal a query process ends itself with when it passes Query.MaxMemory */
export const MEMORY_SIGNAL = "SIGUSR2";

/** no query for this long: the guard sleeps until the next (ms) */
const SLEEP_AFTER_MS = 1000;
/** how often the guard looks while a query runs, ms (a page-cache read of /proc/self/statm, ~5 us) */
const GUARD_EVERY_MS = 2;

// the Worker's source: no imports of ours, so it runs from a blob in the compiled binary too.
// It blocks in Atomics.wait on the shared flag while the process is idle.
const source = (maxBytes: number, everyMs: number) => `
const { readFileSync } = require("node:fs");
const page = 4096;
const nap = new Int32Array(new SharedArrayBuffer(4));
function over() {
  let resident = 0;
  try { resident = Number(readFileSync("/proc/self/statm", "latin1").split(" ")[1]) * page; } catch {}
  return resident > ${maxBytes};
}
self.onmessage = (e) => {
  // [0] a query is in hand, [1] this thread sleeps until one is
  const state = new Int32Array(e.data);
  let lastBusy = Date.now();
  for (;;) {
    if (Atomics.load(state, 0) === 1) lastBusy = Date.now();
    else if (Date.now() - lastBusy > ${SLEEP_AFTER_MS}) {
      Atomics.store(state, 1, 1);
      Atomics.wait(state, 0, 0);
      Atomics.store(state, 1, 0);
      lastBusy = Date.now();
    }
    if (over()) process.kill(process.pid, "${MEMORY_SIGNAL}");
    Atomics.wait(nap, 0, 0, ${everyMs});
  }
};
`;

export interface MemoryGuard {
  /** a query is in hand: watch (and look at once) */
  busy(): void;
  /** its answer is sent: sleep until the next */
  idle(): void;
}

/** start the guard in this process (a query process) */
export function startMemoryGuard(maxBytes: number, everyMs = GUARD_EVERY_MS): MemoryGuard {
  const url = URL.createObjectURL(new Blob([source(Math.floor(maxBytes), everyMs)], { type: "text/javascript" }));
  const w = new Worker(url);
  w.unref();
  const state = new Int32Array(new SharedArrayBuffer(8));
  w.postMessage(state.buffer);
  return {
    busy() {
      Atomics.store(state, 0, 1);
      // a wake-up only when the guard sleeps: under load it is mid-nap and looks by itself
      if (Atomics.load(state, 1) === 1) Atomics.notify(state, 0);
    },
    idle() {
      Atomics.store(state, 0, 0);
    },
  };
}
