// `neo export status` reads each export's queue file directly (WAL lets it read while the
// server writes): the status row the running export refreshes every 2 s, and the queue.
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { openDatabase } from "../storage/index.ts";
import type { ExportStatus } from "./exporter.ts";

/** Names of the exports that have a queue file in the data directory. */
export function exportNames(dataDir: string): string[] {
  if (!existsSync(dataDir)) return [];
  return readdirSync(dataDir)
    .map((f) => /^export-([A-Za-z0-9_-]+)\.db$/.exec(f)?.[1])
    .filter((n): n is string => n !== undefined)
    .sort();
}

export interface StoredExportStatus {
  name: string;
  /** entries waiting (each one write's rows) */
  queuedEntries: number;
  queuedBytes: number;
  oldestAgeSeconds: number | null;
  /** what the running export last wrote; null when it never ran */
  live: ExportStatus | null;
}

export function readExportStatus(dataDir: string, name: string, now = Date.now()): StoredExportStatus {
  const db = openDatabase(join(dataDir, `export-${name}.db`), { readonly: true });
  try {
    const t = db
      .query<{ n: bigint; b: bigint | null; at: bigint | null }, []>(
        "SELECT count(*) AS n, sum(bytes) AS b, (SELECT at FROM queue ORDER BY seq LIMIT 1) AS at FROM queue",
      )
      .get();
    const live = db.query<{ value: string }, [string]>("SELECT value FROM meta WHERE key = ?").get("status")?.value;
    return {
      name,
      queuedEntries: Number(t?.n ?? 0),
      queuedBytes: Number(t?.b ?? 0),
      oldestAgeSeconds: t?.at == null ? null : Math.max(0, (now - Number(t.at)) / 1000),
      live: live ? (JSON.parse(live) as ExportStatus) : null,
    };
  } finally {
    db.close();
  }
}
