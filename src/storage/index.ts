// storage: bun:sqlite files, migrations and the time-series tag tables.
export { explainOpenError, openDatabase, openSnapshot } from "./db.ts";
export { runMigrations, type Migration } from "./migrations.ts";
export { openSeriesStore, type Row, SERIES_FILE } from "./series.ts";
export { normalizeTableName } from "./row-checks.ts";
export type {
  SeriesStore,
  SeriesOptions,
  StorageOptions,
} from "./series-types.ts";
export { checkReadOnlySql } from "./sql-guard.ts";
export { senmlTableOf, type SenmlRow } from "./senml-table.ts";
export { userTableOf } from "./layout.ts";
export type { StorageState } from "./capacity.ts";
export type { MigrationProgress } from "./migrate-layout.ts";
export type { TableInfo } from "./lifecycle.ts";
export type { TableOptions } from "./table-settings.ts";
export { tableInfoJson } from "./table-info-json.ts";
export { keepReserve, releaseReserve } from "./reserve.ts";
