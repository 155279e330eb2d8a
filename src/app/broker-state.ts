// Retained messages and persistent MQTT sessions across restarts, like Mosquitto's
// persistence: one file in the data dir (0600, it holds message payloads), written whole
// (temp file, fsync, rename) on shutdown and every minute while clients are active, read
// once at start before the broker listens. A file that cannot be read is set aside and
// the broker starts empty: never a reason not to start.
import { existsSync, readFileSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { deserialize, serialize } from "bun:jsc";
import type { Broker, BrokerState } from "../mqtt/index.ts";
import { writeFileAtomic } from "../lib/files.ts";
import type { Logger } from "../lib/log.ts";
import { warnIfDiskFull } from "../lib/disk-full.ts";

export const STATE_FILE = "mqtt-state.bin";
const AUTOSAVE_MS = 60_000;

export interface BrokerStatePersistence {
  /** write now if anything changed since the last save */
  save(): void;
  /** stop the autosave timer and write a last time */
  stop(): void;
}

/** Load the saved state into `broker` (call before it listens). */
export function restoreBrokerState(dataDir: string, broker: Broker, log: Logger): void {
  const file = join(dataDir, STATE_FILE);
  if (!existsSync(file)) return;
  try {
    const state = deserialize(readFileSync(file)) as BrokerState;
    if (typeof state !== "object" || state === null || !Array.isArray(state.retained) || !Array.isArray(state.sessions))
      throw new Error("not a broker state");
    const r = broker.importState(state);
    log.info(
      `MQTT state restored from ${STATE_FILE}: ${r.retained} retained message(s), ${r.sessions} persistent session(s)` +
        (r.skipped > 0 ? `, ${r.skipped} expired or unreadable entr${r.skipped === 1 ? "y" : "ies"} left out` : ""),
    );
  } catch (e) {
    const aside = `${file}.unreadable-${Date.now()}`;
    try {
      renameSync(file, aside);
    } catch {
      // leave it; the next save replaces it
    }
    log.warn(
      `cannot read ${file} (${(e as Error).message}); starting with no retained messages or sessions, the file is kept as ${aside}`,
    );
  }
}

/** Save on change every minute and once more at stop. */
export function persistBrokerState(
  dataDir: string,
  broker: Broker,
  log: Logger,
  autosaveMs = AUTOSAVE_MS,
): BrokerStatePersistence {
  const file = join(dataDir, STATE_FILE);
  let savedAt = broker.activity();
  const save = () => {
    const now = broker.activity();
    if (now === savedAt) return;
    try {
      const state = broker.exportState();
      if (state.retained.length === 0 && state.sessions.length === 0) {
        rmSync(file, { force: true });
      } else {
        writeFileAtomic(file, serialize(state, { binaryType: "nodebuffer" }), 0o600);
      }
      savedAt = now;
    } catch (e) {
      if (!warnIfDiskFull(log, "saving MQTT state", e)) log.error(`saving MQTT state to ${file} failed`, e);
    }
  };
  const timer = setInterval(save, autosaveMs);
  timer.unref();
  return {
    save,
    stop() {
      clearInterval(timer);
      save();
    },
  };
}
