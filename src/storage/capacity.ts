// Is there room to write? Storage.MaxSize caps the bytes the series store uses (pages in
// use); without it, neo leaves 10% of the file system free. A write that SQLite
// refuses with SQLITE_FULL (the disk filled anyway) makes the store full for a few
// seconds, then writes are tried again: the gateway recovers by itself when space returns.
import type { Database } from "bun:sqlite";
import { statfsSync } from "node:fs";
import { dirname } from "node:path";

export type WhenFull = "refuse" | "drop-oldest";

export interface CapacityOptions {
  /** bytes; undefined = leave FREE_SHARE of the file system free */
  maxSize?: number;
  whenFull?: WhenFull;
}

export interface StorageState {
  state: "ok" | "full";
  /** why it is full ("storage full: ..."), when it is */
  reason?: string;
  /** bytes of the database pages in use (free pages inside the file not counted) */
  usedBytes: number;
  /** Storage.MaxSize, or null when the file system's free space is the limit */
  maxBytes: number | null;
  fsFreeBytes: number;
  fsTotalBytes: number;
  whenFull: WhenFull;
}

const FREE_SHARE = 0.1;
/** re-measured when this long has passed or this many bytes may have been written since (~34 us each) */
const REMEASURE_MS = 100;
const REMEASURE_BYTES = 64 * 1024;
const BYTES_PER_ROW_ESTIMATE = 32;
const FULL_AFTER_ENOSPC_MS = 5000;

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

export function createCapacity(db: Database, file: string, opts: CapacityOptions, now = () => Date.now()) {
  let options = opts;
  let last: StorageState | null = null;
  let lastAt = 0;
  let rowsSince = 0;
  let enospcUntil = 0;
  let enospcReason = "";
  const pages = db.prepare<{ n: bigint }, []>(
    "SELECT (SELECT page_count FROM pragma_page_count()) - (SELECT freelist_count FROM pragma_freelist_count()) AS n",
  );
  const pageSize = Number(db.query<{ page_size: bigint }, []>("PRAGMA page_size").get()?.page_size ?? 4096);
  const freePages = db.prepare<{ n: bigint }, []>("SELECT freelist_count AS n FROM pragma_freelist_count()");

  function measure(): StorageState {
    // the database's pages in use (committed WAL frames included: page_count is the
    // logical size); the WAL file itself is bounded by the auto-checkpoint (~4 MB)
    const used = Number(pages.get()?.n ?? 0) * pageSize;
    const reusable = Number(freePages.get()?.n ?? 0) * pageSize;
    const fs = statfsSync(dirname(file));
    const fsFree = Number(fs.bavail) * Number(fs.bsize);
    const fsTotal = Number(fs.blocks) * Number(fs.bsize);
    const whenFull = options.whenFull ?? "refuse";
    const base = {
      usedBytes: used,
      maxBytes: options.maxSize ?? null,
      fsFreeBytes: fsFree,
      fsTotalBytes: fsTotal,
      whenFull,
    };
    if (now() < enospcUntil) return { ...base, state: "full", reason: enospcReason };
    if (options.maxSize !== undefined && used >= options.maxSize) {
      return {
        ...base,
        state: "full",
        reason: `storage full: the series store uses ${mb(used)} of Storage.MaxSize ${mb(options.maxSize)}`,
      };
    }
    if (options.maxSize === undefined && fsFree + reusable < fsTotal * FREE_SHARE) {
      return {
        ...base,
        state: "full",
        reason: `storage full: ${mb(fsFree)} free of ${mb(fsTotal)} on the data directory's file system; neo keeps ${FREE_SHARE * 100}% free (set Storage.MaxSize to change the limit)`,
      };
    }
    return { ...base, state: "ok" };
  }

  return {
    /** the state, measured at most once a second unless forced */
    state(force = false): StorageState {
      if (force || !last || now() - lastAt >= REMEASURE_MS || rowsSince * BYTES_PER_ROW_ESTIMATE >= REMEASURE_BYTES) {
        last = measure();
        lastAt = now();
        rowsSince = 0;
      }
      return last;
    },
    /** rows just written (they count towards the next re-measure) */
    wrote(rows: number): void {
      rowsSince += rows;
    },
    /** SQLite said SQLITE_FULL: full until the disk is measured again after a pause */
    diskFull(message: string): StorageState {
      enospcUntil = now() + FULL_AFTER_ENOSPC_MS;
      enospcReason = `storage full: the disk is full (${message})`;
      last = measure();
      lastAt = now();
      return last;
    },
    configure(next: CapacityOptions) {
      options = next;
      last = null;
    },
    finalize() {
      pages.finalize();
      freePages.finalize();
    },
  };
}
