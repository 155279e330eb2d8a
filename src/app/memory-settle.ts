// After a burst of MQTT connects (a fleet reconnecting after a restart or a network
// outage) the JS heap is full of garbage from the CONNECT path (packets, auth lookups,
// promises) and the runtime keeps those pages for a long time. Two measures, both bounded:
// - during the burst, a young-generation collection every `youngEvery` connects, so the
//   garbage is gone before the heap grows to hold it (less RSS per connection, settled
//   and right after the burst, for a small share of connects/s; the figures and their
//   commands are in bench/RESULTS.md);
// - once the burst has been quiet for a moment, one full collection gives back the rest:
//   only after at least `minConnects` connects since the last one, never more often than
//   `minIntervalMs`, and no timer runs while nothing connects.
import { edenGC } from "bun:jsc";
import type { Logger } from "../lib/log.ts";

export interface MemorySettleOptions {
  /** connects since the last collection that make a burst; default 256 */
  minConnects?: number;
  /** how long connects must have stopped; default 200 ms */
  quietMs?: number;
  /** at most one collection per this many ms; default 10 s */
  minIntervalMs?: number;
  log?: Logger;
  /** the collection; default a synchronous full GC, then the runtime's idle shrink */
  collect?: () => void;
  /**
   * connects between young-generation collections; default 256, 0 = never (every 64 cost
   * ~20-35% of the broker's CPU under a connect load for ~0.2 KB per idle connection less
   * than every 256: bench/RESULTS.md "Connect CPU back to 30f90e3")
   */
  youngEvery?: number;
  /** the young-generation collection; default JSC's synchronous eden collection */
  collectYoung?: () => void;
}

export interface MemorySettler {
  /** call on every accepted connect */
  noteConnect(): void;
  /** collections so far */
  readonly collections: number;
  stop(): void;
}

function fullCollect(): void {
  // a full collection that also drops compiled code nobody runs any more and returns free heap
  // pages, when JSC is next idle. No Bun.gc(true) before it: that was a second synchronous full
  // collection in the same turn (~27 ms with 10,000 connections, a stall every connected client
  // saw right after a reconnect storm) for the same RSS (bench/RESULTS.md "The reconnect storm's stall")
  if (typeof Bun.shrink === "function") Bun.shrink();
  else Bun.gc(true);
}

export function createMemorySettler(o: MemorySettleOptions = {}): MemorySettler {
  const minConnects = o.minConnects ?? 256;
  const quietMs = o.quietMs ?? 200;
  const minIntervalMs = o.minIntervalMs ?? 10_000;
  const collect = o.collect ?? fullCollect;
  const youngEvery = o.youngEvery ?? 256;
  const collectYoung = o.collectYoung ?? (() => void edenGC());
  let connects = 0;
  let since = 0; // connects since the last collection
  let lastAt = -Infinity;
  let collections = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;

  const fire = () => {
    timer = null;
    if (since < minConnects) return;
    const wait = lastAt + minIntervalMs - performance.now();
    if (wait > 0) {
      timer = setTimeout(fire, wait);
      timer.unref();
      return;
    }
    const t0 = performance.now();
    collect();
    lastAt = performance.now();
    collections++;
    o.log?.debug(`full GC after ${since} connects took ${(lastAt - t0).toFixed(1)} ms`);
    since = 0;
  };

  return {
    noteConnect() {
      since++;
      if (youngEvery > 0 && ++connects % youngEvery === 0) collectYoung();
      if (since < minConnects) return;
      if (timer)
        timer.refresh(); // still busy: wait until connects stop
      else {
        timer = setTimeout(fire, quietMs);
        timer.unref();
      }
    },
    get collections() {
      return collections;
    },
    stop() {
      if (timer) clearTimeout(timer);
      timer = null;
    },
  };
}
