// The series store's contract: what it takes, what it answers, how it is opened.
import type { NeoError } from "../lib/errors.ts";
import type { Logger } from "../lib/log.ts";
import type { StorageState, WhenFull } from "./capacity.ts";
import type { TableInfo } from "./lifecycle.ts";
import type { MigrationProgress } from "./migrate-layout.ts";
import type { SenmlRow } from "./senml-table.ts";
import type { TableOptions, TableSettings } from "./table-settings.ts";
import type { Row } from "./table-writer.ts";

interface WriteBatch {
  table: string;
  rows: Row[];
  /** a SenML message's records in full, for the table's `<TABLE>_SENML` side table (same commit) */
  senml?: SenmlRow[];
}

interface QueryResult {
  /** column names, upper-cased like machbase-neo */
  columns: string[];
  /** per column: "string" | "datetime" | "double" | "int64" | "binary" */
  types: string[];
  /** int64 and datetime cells are bigint, doubles number, text string */
  rows: unknown[][];
}

export interface SeriesStore {
  readonly file: string;
  /** Insert rows into `table` (created on first use) in one transaction; returns rows written. */
  write(table: string, rows: Row[]): number;
  /**
   * write() for rows the gateway makes about itself (NEO_SYSTEM): committed without waiting
   * for the disk whatever Storage.Sync says (the next synced commit or checkpoint carries
   * them), so a 10 s reading never holds the event loop for an fsync. Not for users' rows.
   */
  writeOwn(table: string, rows: Row[]): number;
  /**
   * Many batches, one commit. Each batch is validated first; a refused batch gets -1 in
   * the result (and `onReject` is told why) while the others are written. With a single
   * batch and no `onReject`, a refused batch throws its NeoError (same as write()).
   */
  writeMany(batches: WriteBatch[], onReject?: (index: number, err: NeoError) => void): number[];
  /**
   * After a write: resolves once what was committed so far is also wherever a wrapper
   * copies it (an export's queue, fsynced); undefined when nothing waits. Writers
   * acknowledge after it.
   */
  settled?(): Promise<void> | undefined;
  /** Run one read-only statement on the read-only connection. */
  query(sql: string, params?: unknown[]): QueryResult;
  /** Tag table names, upper-cased, sorted. */
  tables(): string[];
  /** "full": every commit fsyncs the WAL before it returns; "normal": it does not (WAL mode). */
  setSync(mode: SyncMode): void;
  /** ok or full (and why), bytes used, the limit */
  storageState(): StorageState;
  /** delete rows older than each table's retention, in small transactions; returns rows deleted */
  runRetention(stop?: () => boolean): Promise<number>;
  /** each tag table's rows, bytes, oldest/newest time, retention and rollups */
  tableInfo(): TableInfo[];
  /** set a table's retention and/or rollups (see table-settings.ts) */
  setTableOptions(table: string, opts: TableOptions): TableSettings;
  /** apply new Storage settings (SIGHUP) */
  configureStorage(opts: StorageOptions): void;
  /**
   * One step of the layout migration (migrate-layout.ts): moves a chunk of an old-layout
   * table's rows or finishes a table; false when none is left. Throws store_full on a full disk.
   */
  migrateStep(): boolean;
  /** the layout migration's progress, undefined when nothing is left to migrate */
  migration(): MigrationProgress | undefined;
  /**
   * One step of a pending rollup fill (rollup-fill.ts), whoever started it; false when
   * none is left. The server calls it until false, yielding between steps.
   */
  fillRollups(): boolean;
  /**
   * `checkpoint`: "truncate" (default, the server at its stop) or "passive" (the CLI: never
   * waits for readers, so it cannot hold a running server's writer)
   */
  close(opts?: { checkpoint?: "truncate" | "passive" }): void;
}

export type SyncMode = "full" | "normal";

export interface StorageOptions {
  /** Storage.Retention: ns, null/undefined = keep everything */
  retention?: bigint | null;
  /** Storage.MaxSize in bytes; undefined = leave 10% of the file system free */
  maxSize?: number;
  whenFull?: WhenFull;
}

export interface SeriesOptions extends StorageOptions {
  /** default "full": a commit returns only after the WAL is on disk, so acked = fsynced */
  sync?: SyncMode;
  /** the clock retention uses, ns (tests fix it) */
  now?: () => bigint;
  /** where the start-up migration of old-layout tables reports progress */
  log?: Logger;
  /** leave old-layout rows to migrateStep (the gateway); otherwise they are migrated at open */
  migrateInBackground?: boolean;
  /** rows per migrateStep (default 5,000) */
  migrateChunk?: number;
  /** Storage.BusyTimeout: how long a write waits for another process's lock, ms (default 5 s) */
  busyTimeoutMs?: number;
}
