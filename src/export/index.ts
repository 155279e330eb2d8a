// export: replication of tables to PostgreSQL through the bridge's store-and-forward queue.
export { createExport, type Export, type ExportStatus } from "./exporter.ts";
export { exportNames, readExportStatus } from "./status-file.ts";
