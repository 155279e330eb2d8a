// The series store's lifecycle: per-table settings, retention passes, the size limit
// (refuse or drop the oldest rows when full) and what `table list` shows.
import type { Database } from "bun:sqlite";
import { NeoError } from "../lib/errors.ts";
import type { Logger } from "../lib/log.ts";
import { isDiskFull } from "../lib/disk-full.ts";
import { createCapacity, type StorageState, type WhenFull } from "./capacity.ts";
import { formatNs } from "../lib/duration.ts";
import { dataTable, namesTable } from "./layout.ts";
import {
  dataTarget,
  deleteAll,
  deleteAllNow,
  newestTime,
  oldestTime,
  rollupTarget,
  type DeleteTarget,
} from "./retention.ts";
import { pendingFills } from "./rollup-fill.ts";
import { rollupStore, rollupView } from "./rollup.ts";
import {
  ensureSettingsTable,
  formatRetention,
  readSettings,
  setTableOptions,
  type TableOptions,
  type TableSettings,
} from "./table-settings.ts";

export interface LifecycleOptions {
  /** Storage.Retention for tables without their own; null/undefined = keep everything */
  retention?: bigint | null;
  maxSize?: number;
  whenFull?: WhenFull;
  /** the clock retention uses, ns since the epoch (tests fix it) */
  now?: () => bigint;
  log?: Logger;
}

export interface TableInfo {
  name: string;
  rows: number;
  /** bytes of the pages its internal tables use (rollups included) */
  bytes: number;
  /** ns, null when empty */
  oldest: bigint | null;
  newest: bigint | null;
  /** "7d", "off", with " (default)" when it comes from Storage.Retention */
  retention: string;
  rollups: {
    every: string;
    table: string;
    retention: string;
    rows: number;
    /** still being filled from the rows stored before it was set: rows aggregated so far, of how many */
    filling?: { done: number; total: number };
  }[];
}

const STEP_ROWS = 5000;
/** an I/O error with less than this free on the file system is taken for a full disk */
const LOW_FREE_BYTES = 16 * 1024 * 1024;
const WARN_EVERY_MS = 60_000;
const yieldToLoop = () => new Promise<void>((r) => setImmediate(r));

export function createLifecycle(db: Database, file: string, opts: LifecycleOptions) {
  let options = opts;
  const now = () => (options.now ? options.now() : BigInt(Date.now()) * 1_000_000n);
  ensureSettingsTable(db);
  const version = db.prepare<{ data_version: bigint }, []>("PRAGMA data_version");
  let seenVersion = version.get()?.data_version;
  let settings = readSettings(db);
  const capacity = createCapacity(db, file, { maxSize: opts.maxSize, whenFull: opts.whenFull });
  let refused = 0;
  let lastWarn = Number.NEGATIVE_INFINITY;
  const tagTables = () =>
    (
      db.query("SELECT name FROM sqlite_master WHERE type = 'view' AND name NOT LIKE '\\_%' ESCAPE '\\'").values() as [
        string,
      ][]
    ).map((r) => r[0]);

  const retentionOf = (t: string): bigint | null => {
    const own = settings.get(t)?.retention;
    return own === undefined ? (options.retention ?? null) : own;
  };

  function targets(): DeleteTarget[] {
    const out: DeleteTarget[] = [];
    const n = now();
    for (const t of tagTables()) {
      const r = retentionOf(t);
      if (r !== null) out.push(dataTarget(t, n - r));
      for (const ru of settings.get(t)?.rollups ?? [])
        if (ru.retention !== null) out.push(rollupTarget(t, ru.every, n - ru.retention));
    }
    return out;
  }

  function warnFull(reason: string): void {
    refused++;
    if (Date.now() - lastWarn < WARN_EVERY_MS) return;
    lastWarn = Date.now();
    options.log?.warn(`${reason}; refusing writes (${refused} refused since the last warning)`);
    refused = 0;
  }

  /** drop-oldest: delete the oldest rows of the table holding the oldest data until there is room */
  function dropOldest(): boolean {
    for (let round = 0; round < 5; round++) {
      let pick: { t: string; oldest: bigint; newest: bigint } | null = null;
      for (const t of tagTables()) {
        const o = oldestTime(db, t);
        if (o !== null && (!pick || o < pick.oldest)) pick = { t, oldest: o, newest: newestTime(db, t) ?? o };
      }
      if (!pick) return false;
      const span = pick.newest - pick.oldest;
      // the oldest tenth of its time span, so a full store is not trimmed on every write
      const cutoff = pick.oldest + (span > 10n ? span / 10n : 1n);
      const n = deleteAllNow(db, dataTarget(pick.t, cutoff), 50_000);
      if (n > 0)
        options.log?.info(
          `storage full: dropped the ${n} oldest row(s) of ${pick.t} (Storage.WhenFull = "drop-oldest")`,
        );
      if (capacity.state(true).state === "ok") return true;
    }
    return false;
  }

  return {
    /** the settings, re-read when another connection (the CLI) changed them */
    settings(): Map<string, TableSettings> {
      const v = version.get()?.data_version;
      if (v !== seenVersion) {
        seenVersion = v;
        settings = readSettings(db);
      }
      return settings;
    },
    state: (): StorageState => capacity.state(),
    wrote: (rows: number) => capacity.wrote(rows),
    /** before a write: throws storage_full (507) unless there is room */
    checkRoom(): void {
      let st = capacity.state();
      if (st.state === "ok") return;
      if (st.whenFull === "drop-oldest" && !st.reason?.includes("the disk is full") && dropOldest()) return;
      st = capacity.state();
      const reason = st.reason ?? "storage full";
      warnFull(reason);
      throw new NeoError("storage_full", reason, 507);
    },
    /** a write failed: SQLITE_FULL becomes storage_full (507), anything else is returned as is */
    mapWriteError(e: unknown): unknown {
      const msg = e instanceof Error ? e.message : String(e);
      const code = String((e as { code?: unknown } | null)?.code ?? "");
      // SQLite reports some out-of-space cases (growing the -shm or WAL) as I/O errors
      const ioOnFullDisk = code.startsWith("SQLITE_IOERR") && capacity.state(true).fsFreeBytes < LOW_FREE_BYTES;
      if (isDiskFull(e) || ioOnFullDisk) {
        const st = capacity.diskFull(msg);
        warnFull(st.reason ?? msg);
        return new NeoError("storage_full", st.reason ?? `storage full: ${msg}`, 507, e);
      }
      return e;
    },
    /** one retention pass in small transactions, yielding to the event loop between them */
    async retention(stop: () => boolean = () => false): Promise<number> {
      this.settings();
      let total = 0;
      for (const target of targets()) {
        if (stop()) return total;
        total += await deleteAll(db, target, STEP_ROWS, async () => {
          await yieldToLoop();
          return !stop();
        });
        await yieldToLoop();
      }
      if (total > 0) options.log?.info(`retention: deleted ${total} row(s) older than their table's retention`);
      return total;
    },
    setTableOptions(t: string, o: TableOptions): TableSettings {
      const s = setTableOptions(db, t, o);
      settings = readSettings(db);
      return s;
    },
    tableInfo(): TableInfo[] {
      this.settings();
      const count = (table: string) =>
        Number(db.query<{ n: bigint }, []>(`SELECT count(*) AS n FROM "${table}"`).get()?.n ?? 0);
      const bytes = (names: string[]) =>
        names.reduce(
          (sum, n) =>
            sum +
            Number(
              db
                .query<{ b: bigint | null }, [string]>(
                  "SELECT sum(pgsize) AS b FROM dbstat WHERE name = ? AND aggregate = TRUE",
                )
                .get(n)?.b ?? 0,
            ),
          0,
        );
      const fills = pendingFills(db);
      return tagTables()
        .sort()
        .map((t) => {
          const own = settings.get(t);
          const r = retentionOf(t);
          const rollups = (own?.rollups ?? []).map((ru) => {
            const every = formatNs(ru.every);
            const f = fills.find((x) => x.table === t && x.every === every);
            return {
              every,
              table: rollupView(t, ru.every),
              retention: formatRetention(ru.retention),
              rows: count(rollupStore(t, ru.every)),
              ...(f ? { filling: { done: f.done, total: f.total } } : {}),
            };
          });
          return {
            name: t,
            rows: count(dataTable(t)),
            bytes: bytes([
              dataTable(t),
              namesTable(t),
              `sqlite_autoindex_${namesTable(t)}_1`,
              ...(own?.rollups ?? []).map((ru) => rollupStore(t, ru.every)),
            ]),
            oldest: oldestTime(db, t),
            newest: newestTime(db, t),
            retention: formatRetention(r) + (own?.retention === undefined ? " (default)" : ""),
            rollups,
          };
        });
    },
    configure(next: LifecycleOptions) {
      options = { ...options, ...next };
      capacity.configure({ maxSize: options.maxSize, whenFull: options.whenFull });
    },
    finalize() {
      version.finalize();
      capacity.finalize();
    },
  };
}
