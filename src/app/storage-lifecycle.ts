// The series store's housekeeping while the gateway runs: a retention pass at start-up and
// every minute (each pass deletes in small transactions between which ingest goes on).
import type { NeoConfig } from "../config/index.ts";
import { parseRetention } from "../lib/duration.ts";
import type { Logger } from "../lib/log.ts";
import type { SeriesStore, StorageOptions } from "../storage/index.ts";

export const RETENTION_EVERY_MS = 60_000;

/** Storage.* config -> the store's options */
export function storageOptions(config: NeoConfig): StorageOptions {
  return {
    retention: parseRetention(config.storage.retention),
    ...(config.storage.maxSize !== undefined ? { maxSize: config.storage.maxSize } : {}),
    whenFull: config.storage.whenFull,
  };
}

export function startStorageLifecycle(store: SeriesStore, log: Logger) {
  let running: Promise<unknown> | null = null;
  let stopped = false;
  const pass = () => {
    if (running || stopped) return;
    running = store
      .runRetention(() => stopped)
      .catch((e: unknown) => log.warn(`retention pass failed: ${e instanceof Error ? e.message : String(e)}`))
      .finally(() => {
        running = null;
      });
  };
  pass();
  const timer = setInterval(pass, RETENTION_EVERY_MS);
  timer.unref?.();
  return {
    /** stop the timer and wait for a pass in progress */
    async stop(): Promise<void> {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
