// The query pool: up to `workers` query processes (child.ts), started when a query
// needs one, each running one query at a time; further queries wait in line, one line per
// principal taking turns (fair-queue.ts): a principal's share is half the workers (at
// least one); it may borrow idle ones, which are taken back (the borrowed query is stopped
// and queued again) as soon as another principal within its share waits. A principal
// queues at most `maxQueuedPerPrincipal` (429 beyond), the pool `maxWaiting` (503 beyond).
// The pool enforces the deadline (Query.Timeout) by killing the process; the process
// holds itself to Query.MaxMemory (memory-guard.ts: it ends itself with SIGUSR2, read
// here as 413). Either way the next query gets a fresh process.
import type { Subprocess } from "bun";
import type { ChildRequest, FromChild, ToChild } from "./child.ts";
import type { QueryAnswer, QueryRequest } from "./execute.ts";
import { createFairQueue } from "./fair-queue.ts";
import { createBorrowing } from "./pool-borrow.ts";
import { MEMORY_SIGNAL } from "./memory-guard.ts";
import { type ChunkSink, childCommand, type Job, type PoolOptions, type Slot, seconds } from "./pool-types.ts";

export type { ChunkSink, PoolOptions } from "./pool-types.ts";

export interface QueryPool {
  /**
   * With a sink, a large answer's pieces go to it as they come (the answer's body is the
   * rest). `who` names the principal whose share of the pool the query uses.
   */
  run(req: QueryRequest, sink?: ChunkSink, who?: string): Promise<QueryAnswer>;
  /** query processes running now (for tests and /health-like checks) */
  pids(): number[];
  close(): void;
}

export function createQueryPool(opts: PoolOptions): QueryPool {
  const slots: Slot[] = [];
  const maxRunning = Math.max(1, Math.floor(opts.workers / 2));
  const queue = createFairQueue<Job>({
    maxRunning,
    maxQueued: opts.maxQueuedPerPrincipal ?? 4,
    maxWaiting: opts.maxWaiting,
  });
  let nextId = 1;
  let closed = false;

  const timedOut = (): QueryAnswer => ({
    ok: false,
    status: 504,
    reason: `query timed out after ${seconds(opts.timeoutMs)}`,
  });

  function spawn(): Slot {
    const slot: Slot = {
      proc: undefined as unknown as Subprocess,
      job: null,
      id: 0,
      timer: null,
      idle: null,
      startedAt: 0,
    };
    slot.proc = spawnChild(slot);
    slots.push(slot);
    return slot;
  }

  function spawnChild(slot: Slot): Subprocess {
    return Bun.spawn(childCommand(), {
      env: {
        ...process.env,
        NEO_QUERY_DB: opts.file,
        NEO_QUERY_PARENT: String(process.pid),
        NEO_QUERY_MAX_MEMORY: String(opts.maxMemory),
      },
      stdin: "ignore",
      stdout: "ignore",
      stderr: "inherit",
      serialization: "advanced",
      ipc(m: FromChild) {
        const job = slot.job;
        if (!job || m.id !== slot.id) return;
        if ("chunk" in m) {
          const ack = () => {
            if (slot.job === job) slot.proc.send({ id: m.id, ack: true } satisfies ToChild);
          };
          const first = !job.streamed;
          job.streamed = true;
          if (job.sink) {
            job.sink.chunk(m.chunk, ack);
            // the reader exists from the first piece on: stop the query when it goes away
            if (first) watchReader(slot, job);
          } else {
            job.parts.push(m.chunk);
            ack();
          }
          return;
        }
        const { id: _id, ...answer } = m;
        if (answer.ok && job.parts.length > 0) answer.body = job.parts.join("") + answer.body;
        finish(slot, answer as QueryAnswer);
      },
      onExit(_p, code, signal) {
        const i = slots.indexOf(slot);
        if (i >= 0) slots.splice(i, 1);
        if (slot.timer) clearTimeout(slot.timer);
        if (slot.idle) clearTimeout(slot.idle);
        const job = slot.job;
        slot.job = null;
        if (signal === MEMORY_SIGNAL) {
          opts.log.warn(
            `query process ${slot.proc.pid} stopped itself ${job ? "during a query" : "between queries"}: it passed Query.MaxMemory (${opts.maxMemory} bytes)`,
          );
          job?.resolve({
            ok: false,
            status: 413,
            reason: `query stopped: it needed more than ${opts.maxMemory} bytes of memory (Query.MaxMemory)`,
          });
        } else if (job) {
          opts.log.warn(`query process ${slot.proc.pid} ended (${signal ?? `exit ${code}`}) during a query`);
          job.resolve({ ok: false, status: 500, reason: "query failed: the query process ended" });
        }
        pump();
      },
    });
  }

  function kill(slot: Slot, answer: QueryAnswer): void {
    const job = slot.job;
    slot.job = null;
    const i = slots.indexOf(slot);
    if (i >= 0) slots.splice(i, 1);
    if (slot.timer) clearTimeout(slot.timer);
    slot.proc.kill("SIGKILL");
    job?.resolve(answer);
    pump();
    // a warm replacement, so the next query does not pay for starting a process
    if (!closed && slots.length < opts.workers) {
      try {
        idleAfterStart(spawn());
      } catch {
        // the next query will try again
      }
    }
  }

  function idleAfterStart(slot: Slot): void {
    slot.idle = setTimeout(() => {
      if (slot.job) return;
      const i = slots.indexOf(slot);
      if (i >= 0) slots.splice(i, 1);
      slot.proc.kill("SIGKILL");
    }, opts.idleMs ?? 60_000);
    slot.idle.unref?.();
  }

  function finish(slot: Slot, answer: QueryAnswer): void {
    const job = slot.job;
    slot.job = null;
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
    job?.resolve(answer);
    idleAfterStart(slot);
    pump();
  }

  function start(slot: Slot, job: Job): void {
    if (slot.idle) clearTimeout(slot.idle);
    slot.idle = null;
    // the principal's share is taken until the job ends, whichever way it ends
    queue.started(job.who);
    let held = true;
    const release = () => {
      if (held) queue.finished(job.who);
      held = false;
    };
    const settle = job.resolve;
    job.resolve = (a) => {
      release();
      settle(a);
    };
    job.giveBack = () => {
      release();
      job.resolve = settle;
    };
    slot.job = job;
    slot.id = nextId++;
    slot.startedAt = performance.now();
    const left = job.deadline - performance.now();
    slot.timer = setTimeout(() => kill(slot, timedOut()), Math.max(0, left));
    const msg: ChildRequest = { ...job.req, id: slot.id, maxRows: opts.maxRows, maxBytes: opts.maxBytes };
    slot.proc.send(msg);
  }

  function watchReader(slot: Slot, job: Job): void {
    const signal = job.sink?.signal;
    const gone = () => {
      if (slot.job === job) kill(slot, { ok: false, status: 499, reason: "the reader went away" });
    };
    if (signal?.aborted) gone();
    else signal?.addEventListener("abort", gone, { once: true });
  }

  const borrowing = createBorrowing(slots, queue, () => pump());
  const mayBorrow = (who: string) => borrowing.mayBorrow(who);

  function pump(): void {
    while (queue.waiting > 0 && !closed) {
      const free = slots.find((s) => !s.job);
      if (!free && slots.length >= opts.workers) {
        // someone within their share waits while another borrows a worker: take it back
        if (queue.shareWaiting() && borrowing.takeBack()) continue;
        return;
      }
      const next = queue.take(mayBorrow);
      if (!next) return; // everyone waiting has their share running already
      const { job } = next;
      if (job.deadline <= performance.now()) {
        job.resolve(timedOut());
        continue;
      }
      let slot = free;
      if (!slot) {
        try {
          slot = spawn();
        } catch (e) {
          opts.log.error("cannot start a query process", e);
          job.resolve({ ok: false, status: 503, reason: `cannot start a query process: ${String(e)}` });
          continue;
        }
      }
      start(slot, job);
    }
  }

  /** seconds until one of `who`'s running queries must have ended (its deadline) */
  function retryAfter(who: string): number {
    const now = performance.now();
    const left = slots.filter((s) => s.job?.who === who).map((s) => (s.job as Job).deadline - now);
    return Math.max(1, Math.ceil(Math.min(opts.timeoutMs, ...left) / 1000));
  }

  return {
    run(req, sink, who = "") {
      if (closed) return Promise.resolve({ ok: false, status: 503, reason: "the query service is shutting down" });
      return new Promise<QueryAnswer>((resolve) => {
        const job: Job = { who, req, deadline: performance.now() + opts.timeoutMs, resolve, parts: [] };
        if (sink) job.sink = sink;
        const admitted = queue.push(who, job);
        if (admitted === "own") {
          const retryAfterSec = retryAfter(who);
          return resolve({
            ok: false,
            status: 429,
            reason: `too many queries of yours at once (${queue.running(who)} running, ${opts.maxQueuedPerPrincipal ?? 4} waiting); retry in ${retryAfterSec}s`,
            retryAfterSec,
          });
        }
        if (admitted === "pool")
          return resolve({
            ok: false,
            status: 503,
            reason: `too many queries at once (${opts.workers} running, ${queue.waiting} waiting); try again`,
          });
        // a query that waited for its whole time in line still gets its answer on time
        const t = setTimeout(() => {
          if (queue.remove(who, job)) resolve(timedOut());
        }, opts.timeoutMs);
        const done = job.resolve;
        job.resolve = (a) => {
          clearTimeout(t);
          done(a);
        };
        pump();
      });
    },
    pids: () => slots.map((s) => s.proc.pid),
    close() {
      if (closed) return;
      closed = true;
      borrowing.stop();
      for (const job of queue.drain()) job.resolve({ ok: false, status: 503, reason: "the gateway is stopping" });
      for (const s of [...slots]) kill(s, { ok: false, status: 503, reason: "the gateway is stopping" });
    },
  };
}
