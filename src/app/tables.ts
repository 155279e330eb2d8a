// `neo shell table ...` on the data dir: the CLI reaches the series store through here.
import type { NeoConfig } from "../config/index.ts";
import {
  openSeriesStore,
  type SeriesStore,
  type TableInfo,
  type TableOptions,
  tableInfoJson,
} from "../storage/index.ts";
import { storageOptions } from "./storage-lifecycle.ts";

export type { TableInfo, TableOptions };
export { tableInfoJson };

function withStore<T>(config: NeoConfig, fn: (s: SeriesStore) => T): T {
  const store = openSeriesStore(config.data, {
    sync: config.storage.sync,
    busyTimeoutMs: config.storage.busyTimeoutMs,
    ...storageOptions(config),
  });
  try {
    return fn(store);
  } finally {
    // PASSIVE: a TRUNCATE checkpoint waits for every reader and holds the server's writer meanwhile
    store.close({ checkpoint: "passive" });
  }
}

/** every tag table: rows, bytes, oldest/newest, retention, rollups */
export const listTables = (config: NeoConfig): TableInfo[] => withStore(config, (s) => s.tableInfo());

/** set a table's retention and/or rollups; returns that table's new picture */
export function setTable(config: NeoConfig, table: string, opts: TableOptions): TableInfo[] {
  return withStore(config, (s) => {
    s.setTableOptions(table, opts);
    return s.tableInfo().filter((t) => t.name === table.toUpperCase());
  });
}
