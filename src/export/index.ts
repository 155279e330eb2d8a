// export: replication of tables to PostgreSQL through the bridge's store-and-forward queue.
export { createExport, type Export, type ExportSettings, type ExportStatus } from "./exporter.ts";
export type { ExportRecord, ExportRow } from "./entries.ts";
export { exportNames, readExportStatus, type StoredExportStatus } from "./status-file.ts";
