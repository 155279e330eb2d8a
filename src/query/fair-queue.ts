// Who runs next in the query pool: each principal has its own line, and the lines take
// turns (round-robin), so one key's endless statements cannot starve everyone else's.
// A principal's share is `maxRunning` queries running; it may borrow idle workers beyond
// that while nobody within their share waits (the pool takes a borrowed worker back the
// moment someone does). At most `maxQueued` waiting per principal, `maxWaiting` in all. A query that does not fit
// its principal's share is refused with "own" (HTTP 429 + Retry-After); only when the
// whole line is full is it "pool" (503).

export interface FairQueueOptions {
  maxRunning: number;
  maxQueued: number;
  maxWaiting: number;
}

type Admission = "ok" | "own" | "pool";

export interface FairQueue<J> {
  /** queue `job` for `who` (or say why not) */
  push(who: string, job: J): Admission;
  /**
   * The next job whose principal is within its share (lines in turn), taken out of the
   * queue; with `borrow`, when there is none, the next job of anyone `borrow` allows.
   */
  take(borrow: boolean | ((who: string) => boolean)): { who: string; job: J } | undefined;
  /** does a principal within its share have a job waiting? (then borrowed workers go back) */
  shareWaiting(): boolean;
  /** is `who` running more than its share? */
  borrowing(who: string): boolean;
  /** a borrowed job that was stopped goes back to the front of its line */
  requeue(who: string, job: J): void;
  /** a job left the line without running (timed out, aborted) */
  remove(who: string, job: J): boolean;
  /** `who` started / finished running a job */
  started(who: string): void;
  finished(who: string): void;
  /** jobs running now for `who` */
  running(who: string): number;
  readonly waiting: number;
  /** every waiting job, in no particular order (closing) */
  drain(): J[];
}

export function createFairQueue<J>(o: FairQueueOptions): FairQueue<J> {
  // Map iteration order is the turn order: a line that was served goes to the back
  const lines = new Map<string, J[]>();
  const runs = new Map<string, number>();
  let waiting = 0;
  const running = (who: string) => runs.get(who) ?? 0;

  return {
    push(who, job) {
      const line = lines.get(who);
      if ((line?.length ?? 0) >= o.maxQueued) return "own";
      if (waiting >= o.maxWaiting) return "pool";
      if (line) line.push(job);
      else lines.set(who, [job]);
      waiting++;
      return "ok";
    },
    take(borrow) {
      const may = typeof borrow === "function" ? borrow : () => borrow;
      for (const pass of borrow ? [false, true] : [false]) {
        for (const [who, line] of lines) {
          if (running(who) >= o.maxRunning && (!pass || !may(who))) continue;
          const job = line.shift() as J;
          waiting--;
          lines.delete(who);
          if (line.length > 0) lines.set(who, line); // to the back of the turn order
          return { who, job };
        }
      }
      return undefined;
    },
    shareWaiting() {
      for (const who of lines.keys()) if (running(who) < o.maxRunning) return true;
      return false;
    },
    borrowing: (who) => running(who) > o.maxRunning,
    requeue(who, job) {
      const line = lines.get(who);
      if (line) line.unshift(job);
      else lines.set(who, [job]);
      waiting++;
    },
    remove(who, job) {
      const line = lines.get(who);
      const i = line?.indexOf(job) ?? -1;
      if (!line || i < 0) return false;
      line.splice(i, 1);
      waiting--;
      if (line.length === 0) lines.delete(who);
      return true;
    },
    started(who) {
      runs.set(who, running(who) + 1);
    },
    finished(who) {
      const n = running(who) - 1;
      if (n > 0) runs.set(who, n);
      else runs.delete(who);
    },
    running,
    get waiting() {
      return waiting;
    },
    drain() {
      const all = [...lines.values()].flat();
      lines.clear();
      waiting = 0;
      return all;
    },
  };
}
