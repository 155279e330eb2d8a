// GET /db/tables: each tag table's rows, bytes on disk, oldest and newest time, retention
// and rollups (what `neo shell table list --format json` prints), for the console.
import { ok } from "../../lib/http/respond.ts";
import { type SeriesStore, tableInfoJson } from "../../storage/index.ts";

export function handleTables(store: SeriesStore): Response {
  const t0 = performance.now();
  return ok(t0, { data: { tables: store.tableInfo().map(tableInfoJson), storage: store.storageState() } });
}
