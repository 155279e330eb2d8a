// Workers a principal borrowed beyond its share go back when a principal within its share
// waits: the borrowed query's process is killed and the job returns to the front of its
// line (it runs again later, within its own deadline). A short query is let finish
// (stopping a process costs more than it): only one that has run for BORROW_GRACE_MS is
// stopped; the pool looks again when the first one reaches it. A principal whose borrowed
// query was stopped borrows nothing for NO_BORROW_MS (a key looping endless statements
// would otherwise take the worker again the moment it is idle, and every query of the
// others would first have to take it back). An answer already streaming is never stopped.
import type { FairQueue } from "./fair-queue.ts";
import type { Job, Slot } from "./pool-types.ts";

const BORROW_GRACE_MS = 200;
const NO_BORROW_MS = 10_000;

export function createBorrowing(slots: Slot[], queue: FairQueue<Job>, pump: () => void) {
  let recheck: ReturnType<typeof setTimeout> | null = null;
  /** when each principal last had a borrowed query stopped */
  const stopped = new Map<string, number>();
  return {
    /** may `who` run beyond its share now? */
    mayBorrow(who: string): boolean {
      const t = stopped.get(who);
      if (t === undefined) return true;
      if (performance.now() - t < NO_BORROW_MS) return false;
      stopped.delete(who);
      return true;
    },
    /** stop one borrowed query that ran long enough and requeue it; true when a worker was freed */
    takeBack(): boolean {
      const now = performance.now();
      const borrowed = slots.filter((s) => s.job && !s.job.streamed && queue.borrowing(s.job.who));
      const slot = borrowed.find((s) => now - s.startedAt >= BORROW_GRACE_MS);
      if (!slot && borrowed.length > 0 && !recheck) {
        const wait = Math.min(...borrowed.map((s) => s.startedAt + BORROW_GRACE_MS - now));
        recheck = setTimeout(
          () => {
            recheck = null;
            pump();
          },
          Math.max(1, wait),
        );
        recheck.unref?.();
      }
      const job = slot?.job;
      if (!slot || !job) return false;
      slot.job = null;
      slots.splice(slots.indexOf(slot), 1);
      if (slot.timer) clearTimeout(slot.timer);
      slot.proc.kill("SIGKILL");
      job.giveBack?.();
      job.parts = [];
      if (stopped.size > 10_000) stopped.clear();
      stopped.set(job.who, now);
      queue.requeue(job.who, job);
      return true;
    },
    stop() {
      if (recheck) clearTimeout(recheck);
    },
  };
}
