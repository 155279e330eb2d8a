// `neo bridge status` reads each bridge's queue file directly (WAL lets it read while
// the server writes): the queue itself for what waits, and the status row the running
// bridge refreshes every 2 s for the connection and rates.
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { openDatabase } from "../storage/index.ts";
import type { BridgeStatus } from "./types.ts";

export interface StoredBridgeStatus {
  name: string;
  queuedMessages: number;
  queuedBytes: number;
  oldestAgeSeconds: number | null;
  dropped: number;
  /** what the running bridge last wrote; null when it never ran */
  live: BridgeStatus | null;
}

/** Names of the bridges that have a queue file in the data directory. */
export function bridgeNames(dataDir: string): string[] {
  if (!existsSync(dataDir)) return [];
  return readdirSync(dataDir)
    .map((f) => /^bridge-([A-Za-z0-9_-]+)\.db$/.exec(f)?.[1])
    .filter((n): n is string => n !== undefined)
    .sort();
}

export function readBridgeStatus(dataDir: string, name: string, now = Date.now()): StoredBridgeStatus {
  const db = openDatabase(join(dataDir, `bridge-${name}.db`), { readonly: true });
  try {
    const t = db
      .query<{ n: bigint; b: bigint | null; at: bigint | null }, []>(
        "SELECT count(*) AS n, sum(bytes) AS b, (SELECT at FROM queue ORDER BY seq LIMIT 1) AS at FROM queue",
      )
      .get();
    const meta = (key: string) =>
      db.query<{ value: string }, [string]>("SELECT value FROM meta WHERE key = ?").get(key)?.value;
    const live = meta("status");
    return {
      name,
      queuedMessages: Number(t?.n ?? 0),
      queuedBytes: Number(t?.b ?? 0),
      oldestAgeSeconds: t?.at == null ? null : Math.max(0, (now - Number(t.at)) / 1000),
      dropped: Number(meta("dropped") ?? 0),
      live: live ? (JSON.parse(live) as BridgeStatus) : null,
    };
  } finally {
    db.close();
  }
}
