// The series store's housekeeping while the gateway runs: a retention pass at start-up and
// every minute (each pass deletes in small transactions between which ingest goes on),
// and pending rollup fills (`neo shell table set --rollup` cut off by SIGHUP, kill, a
// crash; or still running in the CLI) finished step by step, looked for every 5 s; and the
// layout migration of old tables, step by step once the listeners are up.
import type { NeoConfig } from "../config/index.ts";
import { parseRetention } from "../lib/duration.ts";
import type { Logger } from "../lib/log.ts";
import { staggeredInterval } from "../lib/staggered.ts";
import type { SeriesStore, StorageOptions } from "../storage/index.ts";

const RETENTION_EVERY_MS = 60_000;
/** how often the server looks for a rollup fill to finish */
const FILL_CHECK_MS = 5_000;
/** how soon a paused layout migration (full disk) is tried again */
const MIGRATE_RETRY_MS = 10_000;

/** Storage.* config -> the store's options */
export function storageOptions(config: NeoConfig): StorageOptions {
  return {
    retention: parseRetention(config.storage.retention),
    ...(config.storage.maxSize !== undefined ? { maxSize: config.storage.maxSize } : {}),
    whenFull: config.storage.whenFull,
  };
}

export function startStorageLifecycle(store: SeriesStore, log: Logger, keepReserve?: () => void) {
  let running: Promise<unknown> | null = null;
  let stopped = false;
  const pass = () => {
    if (running || stopped) return;
    keepReserve?.(); // the room to start on a full disk, made again once space returned
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

  // rollup fills: one short transaction per step, the event loop free between steps
  let filling: Promise<void> | null = null;
  const fill = () => {
    if (filling || stopped) return;
    filling = (async () => {
      let steps = 0;
      try {
        while (!stopped && store.fillRollups()) {
          if (steps++ === 0) log.info("finishing a pending rollup fill (neo shell table list shows how far)");
          await new Promise((r) => setImmediate(r));
        }
        if (steps > 0 && !stopped) log.info("rollup fill complete");
      } catch (e) {
        log.warn(
          `rollup fill step failed (tried again in ${FILL_CHECK_MS / 1000}s): ${e instanceof Error ? e.message : String(e)}`,
        );
      }
    })().finally(() => {
      filling = null;
    });
  };
  fill();
  const fillTimer = staggeredInterval(fill, FILL_CHECK_MS);
  // the layout migration (old tables -> compact), after the listeners are up: one chunk per
  // step, the event loop free between steps; a full disk pauses it (logged once, retried)
  let migrating: Promise<void> | null = null;
  let paused = false;
  const migrate = () => {
    if (migrating || stopped) return;
    migrating = (async () => {
      try {
        while (!stopped && store.migrateStep()) {
          if (paused) log.info("layout migration resumed");
          paused = false;
          await new Promise((r) => setImmediate(r));
        }
      } catch (e) {
        if (!paused)
          log.warn(
            `layout migration paused (tried again every ${MIGRATE_RETRY_MS / 1000}s; the gateway serves meanwhile): ${e instanceof Error ? e.message : String(e)}`,
          );
        paused = true;
      }
    })().finally(() => {
      migrating = null;
    });
  };
  const migrateTimer = setInterval(() => {
    if (paused) migrate();
  }, MIGRATE_RETRY_MS);
  migrateTimer.unref?.();
  return {
    /** start moving old-layout rows (call once the listeners are up) */
    startMigration: () => setImmediate(migrate),
    /** stop the timers and wait for a pass or fill step in progress */
    async stop(): Promise<void> {
      stopped = true;
      clearInterval(timer);
      fillTimer.stop();
      clearInterval(migrateTimer);
      await running;
      await filling;
      await migrating;
    },
  };
}
