// The gateway remembers its own figures: every 10 s the metrics snapshot (connections in
// all and per listener, messages in/out, rows written, auth failures, resident memory, the
// data directory's size) is written as rows of the tag table NEO_SYSTEM in its own series
// store (retention 2 days, a 1-minute rollup kept 30 days), so the console's Overview can
// show the last hour and the last day the moment it opens, across restarts. readHistory()
// turns the stored counters back into rates per second.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import type { MetricsSnapshot } from "../metrics/index.ts";
import type { SeriesStore } from "../storage/index.ts";
import { staggeredInterval } from "../lib/staggered.ts";

export const SYSTEM_TABLE = "NEO_SYSTEM";
const RECORD_EVERY_MS = 10_000;
const LISTENERS = ["tcp", "tls", "ws", "wss"];
/** counters (running totals, reset by a restart): shown as rates */
const COUNTERS = ["messages_in", "messages_out", "rows_written", "auth_failures"] as const;
const GAUGES = ["connections", ...LISTENERS.map((l) => `connections.${l}`), "rss_bytes", "disk_bytes"];

/** bytes of the files under `dir` (a few levels deep) */
export function dirBytes(dir: string, depth = 0): number {
  let total = 0;
  let entries: import("node:fs").Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    try {
      if (e.isDirectory() && depth < 4) total += dirBytes(p, depth + 1);
      else if (e.isFile()) total += statSync(p).size;
    } catch {
      // removed while we looked
    }
  }
  return total;
}

/** one reading as rows (time: now) */
export function readingRows(s: MetricsSnapshot, diskBytes: number) {
  const time = BigInt(s.at) * 1_000_000n;
  const v: [string, number][] = [
    ["connections", s.connections],
    ...LISTENERS.map((l): [string, number] => [`connections.${l}`, s.connectionsByListener[l] ?? 0]),
    ["messages_in", s.messagesReceived],
    ["messages_out", s.messagesSent],
    ["rows_written", s.rowsWritten],
    ["auth_failures", s.authFailures],
    ["rss_bytes", s.residentMemoryBytes],
    ["disk_bytes", diskBytes],
  ];
  return v.map(([name, value]) => ({ name, time, value }));
}

export interface Recorder {
  stop(): void;
}

/** `store` should be the store itself (not the metered one: these rows are not users' writes) */
export function startSelfRecord(d: {
  store: SeriesStore;
  snapshot(): MetricsSnapshot;
  dataDir: string;
  warn(message: string, e: unknown): void;
  everyMs?: number;
}): Recorder {
  let configured = false;
  let failing = false; // one warning per failing spell (a full disk), not one every 10 s
  const tick = () => {
    try {
      d.store.writeOwn(SYSTEM_TABLE, readingRows(d.snapshot(), dirBytes(d.dataDir)));
      failing = false;
      if (!configured) {
        configured = true;
        d.store.setTableOptions(SYSTEM_TABLE, { retention: "2d", rollups: "1m:30d" });
      }
    } catch (e) {
      if (!failing)
        d.warn(`the gateway's own figures could not be stored in ${SYSTEM_TABLE} (said once until it works)`, e);
      failing = true;
    }
  };
  tick();
  return staggeredInterval(tick, d.everyMs ?? RECORD_EVERY_MS);
}

/** the Overview's history: x in seconds, each figure aligned on x (null: no reading / restart) */
export interface History {
  range: "1h" | "24h";
  x: number[];
  series: Record<string, (number | null)[]>;
}

/** the last hour from the 10 s readings, the last day from the 1-minute rollup */
export function readHistory(store: SeriesStore, range: "1h" | "24h", now = Date.now()): History {
  const since = BigInt(now - (range === "1h" ? 3_600_000 : 86_400_000)) * 1_000_000n;
  const out: History = { range, x: [], series: {} };
  let rows: unknown[][];
  try {
    rows =
      range === "1h"
        ? store.query(`SELECT NAME, TIME, VALUE FROM ${SYSTEM_TABLE} WHERE TIME >= ? ORDER BY TIME`, [since]).rows
        : store.query(
            `SELECT NAME, TIME, CASE WHEN NAME IN ('messages_in','messages_out','rows_written','auth_failures') THEN MAX ELSE AVG END FROM _${SYSTEM_TABLE}_ROLLUP_1M WHERE TIME >= ? ORDER BY TIME`,
            [since],
          ).rows;
  } catch {
    return out; // nothing recorded yet
  }
  const at = new Map<number, Map<string, number>>();
  for (const [name, time, value] of rows) {
    // one reading's rows share one exact time: group by it (not by the rounded second, which
    // merges the last reading before a quick restart with the first one after it)
    const t = Number(time) / 1e9;
    let m = at.get(t);
    if (!m) at.set(t, (m = new Map()));
    if (typeof value === "number") m.set(String(name), value);
  }
  out.x = [...at.keys()].sort((a, b) => a - b);
  for (const g of GAUGES) out.series[g] = out.x.map((t) => at.get(t)?.get(g) ?? null);
  for (const c of COUNTERS) {
    out.series[`${c}_per_s`] = out.x.map((t, i) => {
      const prev = out.x[i - 1];
      const a = prev === undefined ? undefined : at.get(prev)?.get(c);
      const b = at.get(t)?.get(c);
      if (a === undefined || b === undefined || prev === undefined || b < a) return null; // a restart resets the counters
      return (b - a) / (t - prev);
    });
  }
  return out;
}
