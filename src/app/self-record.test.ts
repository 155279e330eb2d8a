import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { MetricsSnapshot } from "../metrics/index.ts";
import { openSeriesStore } from "../storage/index.ts";
import { readHistory, readingRows, SYSTEM_TABLE } from "./self-record.ts";

const dir = mkdtempSync(join(tmpdir(), "neo-self-"));
const store = openSeriesStore(dir);
afterAll(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const snap = (at: number, messagesReceived: number): MetricsSnapshot => ({
  at,
  connections: 3,
  connectionsByListener: { tcp: 2, ws: 1 },
  messagesReceived,
  messagesSent: 0,
  subscriptions: 0,
  retained: 0,
  rowsWritten: 0,
  authFailures: 0,
  authAttempts: 0,
  bans: 0,
  residentMemoryBytes: 50_000_000,
  cpuSeconds: 0,
  startTimeSeconds: 0,
});

describe("the gateway's own figures", () => {
  test("counters become rates per second; a counter that goes back (a restart) gives no rate", () => {
    const now = Date.now();
    for (const [dt, n] of [
      [-30_000, 100],
      [-20_000, 300],
      [-10_000, 50],
      [0, 150],
    ] as const)
      store.write(SYSTEM_TABLE, readingRows(snap(now + dt, n), 1234));
    const h = readHistory(store, "1h", now + 1);
    expect(h.x.length).toBe(4);
    expect(h.series.messages_in_per_s).toEqual([null, 20, null, 10]);
    expect(h.series["connections.tcp"]).toEqual([2, 2, 2, 2]);
    expect(h.series.disk_bytes).toEqual([1234, 1234, 1234, 1234]);
  });
  test("nothing recorded yet: an empty history, no error", () => {
    const emptyDir = mkdtempSync(join(tmpdir(), "neo-self-empty-"));
    const empty = openSeriesStore(emptyDir);
    expect(readHistory(empty, "24h")).toEqual({ range: "24h", x: [], series: {} });
    empty.close();
    rmSync(emptyDir, { recursive: true, force: true });
  });
});
