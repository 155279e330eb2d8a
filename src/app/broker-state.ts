// Retained messages and persistent MQTT sessions across restarts, like Mosquitto's
// persistence: <data>/mqtt-state.db (0600, it holds message payloads; session-store.ts),
// written incrementally every minute while clients are active and once more at shutdown,
// read once at start before the broker listens. A file that cannot be read is set aside
// and the broker starts empty: never a reason not to start. The whole-file
// mqtt-state.bin of earlier versions is read once, written into the database and removed.
import { existsSync, readFileSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { deserialize } from "bun:jsc";
import type { Broker, BrokerState, ImportResult } from "../mqtt/index.ts";
import type { Logger } from "../lib/log.ts";
import { warnIfDiskFull } from "../lib/disk-full.ts";
import { openSessionStore, STATE_DB, type SessionStore } from "./session-store.ts";

/** the whole-file state of earlier versions */
export const STATE_FILE = "mqtt-state.bin";
export { STATE_DB };
const AUTOSAVE_MS = 60_000;

export interface BrokerStatePersistence {
  /** write what changed since the last save (in steps, the event loop free between them) */
  save(): Promise<void>;
  /** stop the autosave timer and write a last time */
  stop(): Promise<void>;
}

const restored = (log: Logger, from: string, r: ImportResult) =>
  log.info(
    `MQTT state restored from ${from}: ${r.retained} retained message(s), ${r.sessions} persistent session(s)` +
      (r.skipped > 0 ? `, ${r.skipped} expired or unreadable entr${r.skipped === 1 ? "y" : "ies"} left out` : ""),
  );

function setAside(file: string, log: Logger, e: unknown): void {
  const aside = `${file}.unreadable-${Date.now()}`;
  for (const f of [file, `${file}-wal`, `${file}-shm`]) {
    try {
      if (existsSync(f)) renameSync(f, f.replace(file, aside));
    } catch {
      // leave it; the next save replaces it
    }
  }
  log.warn(
    `cannot read ${file} (${(e as Error).message}); starting with no retained messages or sessions, the file is kept as ${aside}`,
  );
}

/** Open the state database and load it into `broker` (call before it listens). */
export function restoreBrokerState(dataDir: string, broker: Broker, log: Logger): SessionStore | null {
  const db = join(dataDir, STATE_DB);
  let store: SessionStore | null = null;
  try {
    store = openSessionStore(dataDir, log);
    const r = store.load(broker);
    if (r) restored(log, STATE_DB, r);
  } catch (e) {
    store?.close();
    if (warnIfDiskFull(log, "opening the MQTT state", e)) return null;
    setAside(db, log, e);
    try {
      store = openSessionStore(dataDir, log);
    } catch (e2) {
      log.error("the MQTT state cannot be kept: persistent sessions end with the gateway", e2);
      return null;
    }
  }
  // earlier versions: the whole-file state, read once
  const old = join(dataDir, STATE_FILE);
  if (existsSync(old)) {
    try {
      const state = deserialize(readFileSync(old)) as BrokerState;
      if (
        typeof state !== "object" ||
        state === null ||
        !Array.isArray(state.retained) ||
        !Array.isArray(state.sessions)
      )
        throw new Error("not a broker state");
      restored(log, STATE_FILE, broker.importState(state));
      void store
        .save(broker, true)
        .then(() => rmSync(old, { force: true }))
        .catch((e: unknown) => log.warn(`${STATE_FILE} kept: ${(e as Error).message}`));
    } catch (e) {
      setAside(old, log, e);
    }
  }
  return store;
}

/** Save what changed every minute and once more at stop. */
export function persistBrokerState(
  store: SessionStore,
  broker: Broker,
  log: Logger,
  autosaveMs = AUTOSAVE_MS,
): BrokerStatePersistence {
  let savedAt = -1;
  let running: Promise<void> | null = null;
  const save = (all = false): Promise<void> => {
    if (running) return running.then(() => save(all));
    const now = broker.activity();
    if (now === savedAt && !all) return Promise.resolve();
    running = store
      .save(broker, all)
      .then(() => {
        savedAt = now;
      })
      .catch((e: unknown) => {
        if (!warnIfDiskFull(log, "saving MQTT state", e)) log.error("saving MQTT state failed", e);
      })
      .finally(() => {
        running = null;
      });
    return running;
  };
  const timer = setInterval(() => void save(), autosaveMs);
  timer.unref();
  return {
    save: () => save(),
    async stop() {
      clearInterval(timer);
      await save(true);
      store.close();
    },
  };
}
