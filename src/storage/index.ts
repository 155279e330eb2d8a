// storage: bun:sqlite files, migrations and the time-series tag tables.
export { explainOpenError, openDatabase, openSnapshot, type OpenOptions } from "./db.ts";
export { runMigrations, type Migration } from "./migrations.ts";
export { openSeriesStore, type Row } from "./series.ts";
export { normalizeTableName } from "./row-checks.ts";
export type {
  WriteBatch,
  QueryResult,
  SeriesStore,
  SeriesOptions,
  SyncMode,
  StorageOptions,
} from "./series-types.ts";
export { checkReadOnlySql } from "./sql-guard.ts";
export { senmlTableOf, SENML_SUFFIX, type SenmlRow } from "./senml-table.ts";
export { userTableOf, dataTable, namesTable } from "./layout.ts";
export { migrateLegacyTables, legacyTables } from "./migrate-layout.ts";
export type { StorageState, WhenFull } from "./capacity.ts";
export type { TableInfo } from "./lifecycle.ts";
export type { TableOptions, TableSettings } from "./table-settings.ts";
export { tableInfoJson, type TableInfoJson } from "./table-info-json.ts";
export { keepReserve, releaseReserve, RESERVE_FILE } from "./reserve.ts";
