// Wires the `Export "name"` blocks to the write path: the series store is wrapped so
// every commit's rows of an exported table also enter that export's queue, and the
// writer's acknowledgement (PUBACK, HTTP 200) waits for `settled()`: the queue commit and
// its fsync. A channel's SenML records go in whole (their unit, vs, vb, vd, sum, channel,
// publisher, subtopic, protocol). A SIGHUP that changes one export restarts only that one.
import type { ExportConfig } from "../config/index.ts";
import { createExport, type Export, type ExportStatus } from "../export/index.ts";
import { createLogger } from "../lib/log.ts";
import type { SeriesStore } from "../storage/index.ts";

export interface ExportSet {
  /** the same store; each commit's rows of an exported table are offered to its export */
  wrap(store: SeriesStore): SeriesStore;
  statuses(): ExportStatus[];
  /** $SYS/neo/export/<name>/... topics and values */
  sys(): [string, string][];
  /** apply a changed list: only added, removed or changed exports stop or start */
  replace(next: ExportConfig[] | undefined): Promise<void>;
  /**
   * start the exports made with the set (their queue files, their pumps): the start's gate
   * calls it after the first CONNACKs; the first write, or a replace(), starts them earlier
   */
  open(): void;
  stop(): Promise<void>;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export function createExports(initial: ExportConfig[] | undefined, dataDir: string): ExportSet {
  const log = createLogger("export");
  let running = new Map<string, Export>();
  const pending = new Set<Promise<unknown>>();

  const start = (c: ExportConfig) => {
    const e = createExport(c, dataDir, log);
    e.start();
    log.info(`export "${c.name}": ${c.tables.join(", ")} to ${e.status().database}`);
    return e;
  };
  let waiting = initial;
  const open = () => {
    if (!waiting) return;
    // a queue file that does not open throws here, and again at the gate (the start fails)
    for (const c of waiting) if (!running.has(c.name)) running.set(c.name, start(c));
    waiting = undefined;
  };

  /** offer a committed write to every export that copies its table */
  function offer(table: string, rows: Parameters<Export["offer"]>[1], senml: boolean): void {
    for (const e of running.values()) {
      if (!e.covers(table) || rows.length === 0) continue;
      const p = e.offer(table, rows, senml);
      pending.add(p);
      void p.then(
        () => pending.delete(p),
        () => pending.delete(p),
      );
    }
  }

  return {
    wrap(store) {
      const wrapped: SeriesStore = Object.create(store);
      wrapped.write = (table, rows) => {
        open(); // before the commit: a write never lands in the store without its export
        const n = store.write(table, rows);
        if (running.size > 0) offer(table, rows, false);
        return n;
      };
      wrapped.writeMany = (batches, onReject) => {
        open();
        const counts = store.writeMany(batches, onReject);
        if (running.size > 0)
          batches.forEach((b, i) => {
            if ((counts[i] ?? -1) < 0) return;
            if (b.senml && b.senml.length > 0) offer(b.table, b.senml, true);
            else offer(b.table, b.rows, false);
          });
        return counts;
      };
      wrapped.settled = () => (pending.size === 0 ? undefined : Promise.all([...pending]).then(() => undefined));
      return wrapped;
    },
    statuses: () => [...running.values()].map((e) => e.status()),
    sys() {
      const out: [string, string][] = [];
      for (const e of running.values()) {
        const s = e.status();
        const base = `$SYS/neo/export/${s.name}`;
        out.push(
          [`${base}/connected`, s.connected ? "1" : "0"],
          [`${base}/queued/entries`, String(s.queuedEntries)],
          [`${base}/queued/bytes`, String(s.queuedBytes)],
          [`${base}/queued/oldest_age_seconds`, s.oldestAgeSeconds === null ? "0" : s.oldestAgeSeconds.toFixed(0)],
          [`${base}/sent/rows`, String(s.sentRows)],
          [`${base}/sent/per_second`, s.sentPerSecond.toFixed(1)],
          [`${base}/dropped`, String(s.droppedEntries)],
        );
      }
      return out;
    },
    open,
    async replace(next) {
      open();
      const wanted = new Map((next ?? []).map((c) => [c.name, c]));
      const kept = new Map<string, Export>();
      for (const [name, e] of running) {
        const c = wanted.get(name);
        if (c && same(c, e.settings)) kept.set(name, e);
        else {
          log.info(`export "${name}": ${c ? "settings changed, restarting" : "removed"}`);
          await e.stop();
        }
      }
      for (const [name, c] of wanted) if (!kept.has(name)) kept.set(name, start(c));
      running = kept;
    },
    async stop() {
      waiting = undefined;
      const all = [...running.values()];
      running = new Map();
      await Promise.all([...pending].map((p) => p.catch(() => undefined)));
      await Promise.all(all.map((e) => e.stop()));
    },
  };
}
