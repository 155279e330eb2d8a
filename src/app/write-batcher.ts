// Many db/write messages, one commit. Every message that arrives in the same turn of
// the event loop joins one transaction; the flush runs on the next macrotask, so a lone
// message waits well under a millisecond and the PUBACK still follows the commit.
import type { Row } from "../ingest/index.ts";
import type { SenmlRow } from "../storage/index.ts";

export interface WriteTarget {
  /** one transaction; a batch refused by validation is reported through onReject and skipped */
  writeMany(
    batches: { table: string; rows: Row[]; senml?: SenmlRow[] }[],
    onReject?: (index: number, err: Error) => void,
  ): number[];
  /** resolves once the committed rows are also in every export queue (undefined: nothing waits) */
  settled?(): Promise<void> | undefined;
}

interface Pending {
  table: string;
  rows: Row[];
  senml?: SenmlRow[];
  resolve: (n: number) => void;
  reject: (e: unknown) => void;
}

/** SQLite result codes (and NeoError statuses) that say the store, not the message, failed */
const STORE_FAULT = /^SQLITE_(BUSY|LOCKED|IOERR|FULL|CANTOPEN|READONLY|CORRUPT|NOMEM|PROTOCOL)/;

function isStoreFault(err: unknown): boolean {
  const e = err as { code?: unknown; status?: unknown } | null;
  if (typeof e?.status === "number" && e.status >= 500) return true;
  return STORE_FAULT.test(String(e?.code ?? ""));
}

export interface WriteBatcher {
  /** `senml`: the message's SenML records in full, for the table's side table (same commit) */
  write(table: string, rows: Row[], senml?: SenmlRow[]): Promise<number>;
  /** resolves when everything queued so far is committed */
  flush(): Promise<void>;
  stats(): { commits: number; rows: number };
}

export function createWriteBatcher(target: WriteTarget, maxBatch = 5000): WriteBatcher {
  let queue: Pending[] = [];
  let scheduled = false;
  let commits = 0;
  let rowsTotal = 0;
  const idle: (() => void)[] = [];

  const run = () => {
    scheduled = false;
    while (queue.length > 0) {
      const batch = queue.slice(0, maxBatch);
      queue = queue.slice(batch.length);
      try {
        const refused = new Map<number, Error>();
        const counts = target.writeMany(
          batch.map((p) => ({ table: p.table, rows: p.rows, senml: p.senml })),
          (i, err) => refused.set(i, err),
        );
        commits++;
        // acknowledged = stored, and in every export queue that copies the table
        const wait = target.settled?.();
        batch.forEach((p, i) => {
          const err = refused.get(i);
          if (err) return p.reject(err);
          const n = counts[i] ?? 0;
          rowsTotal += n;
          if (wait) wait.then(() => p.resolve(n), p.reject);
          else p.resolve(n);
        });
      } catch (err) {
        // the store itself failed (busy past its timeout, an I/O error, a full disk): every
        // message of the batch is refused, none retried here (each retry would wait for the
        // busy timeout again); the publishers are not acknowledged and send again
        if (isStoreFault(err)) {
          for (const p of batch) p.reject(err);
          continue;
        }
        // the whole transaction rolled back: retry each message alone so one bad
        // message cannot fail the others
        for (const p of batch) {
          try {
            let refusal: Error | undefined;
            const n =
              target.writeMany([{ table: p.table, rows: p.rows, senml: p.senml }], (_i, e) => (refusal = e))[0] ?? 0;
            if (refusal) throw refusal;
            commits++;
            rowsTotal += n;
            const wait = target.settled?.();
            if (wait) wait.then(() => p.resolve(n), p.reject);
            else p.resolve(n);
          } catch (e) {
            p.reject(e);
          }
        }
      }
    }
    for (const fn of idle.splice(0)) fn();
  };

  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(run);
  };

  return {
    write(table, rows, senml) {
      return new Promise<number>((resolve, reject) => {
        queue.push({ table, rows, senml, resolve, reject });
        schedule();
      });
    },
    flush() {
      if (queue.length === 0 && !scheduled) return Promise.resolve();
      return new Promise<void>((r) => idle.push(r));
    },
    stats: () => ({ commits, rows: rowsTotal }),
  };
}
