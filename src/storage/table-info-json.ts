// `table list` as JSON (CLI --format json and GET /db/tables): times as RFC 3339 (ms) and
// exact nanoseconds (a string, as JSON numbers cannot hold int64).
import type { TableInfo } from "./lifecycle.ts";

export interface TableInfoJson {
  name: string;
  rows: number;
  bytes: number;
  oldest: string | null;
  oldestNs: string | null;
  newest: string | null;
  newestNs: string | null;
  retention: string;
  rollups: TableInfo["rollups"];
}

const iso = (ns: bigint | null) => (ns === null ? null : new Date(Number(ns / 1_000_000n)).toISOString());

export function tableInfoJson(t: TableInfo): TableInfoJson {
  return {
    name: t.name,
    rows: t.rows,
    bytes: t.bytes,
    oldest: iso(t.oldest),
    oldestNs: t.oldest === null ? null : String(t.oldest),
    newest: iso(t.newest),
    newestNs: t.newest === null ? null : String(t.newest),
    retention: t.retention,
    rollups: t.rollups,
  };
}
