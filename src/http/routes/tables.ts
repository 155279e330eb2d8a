// GET /db/tables: each tag table's rows, bytes on disk, oldest and newest time, retention
// and rollups (what `neo shell table list --format json` prints), for the console. Only the
// tables the caller may read (tables:read, the same authorize() as /db/query) are listed.
import { ok } from "../../lib/http/respond.ts";
import { type SeriesStore, tableInfoJson } from "../../storage/index.ts";

export function handleTables(store: SeriesStore, readable: (table: string) => boolean): Response {
  const t0 = performance.now();
  const tables = store
    .tableInfo()
    .filter((t) => readable(t.name))
    .map(tableInfoJson);
  return ok(t0, { data: { tables, storage: store.storageState() } });
}
