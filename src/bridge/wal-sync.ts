// Durability without blocking the event loop. The queue commits with synchronous=OFF
// (the WAL frames reach the OS at once) and then asks for an fdatasync of the -wal file
// on libuv's thread pool; offers resolve (and PUBACKs leave) only when it is done.
// Commits that happen while a sync runs share the next one (group commit). Because no
// commit syncs by itself, the queue turns off SQLite's automatic checkpoints and runs
// checkpoint() now and then with synchronous=NORMAL: that syncs the WAL before copying
// it into the database file and the database file before the WAL is reused.
import { closeSync, fdatasync, openSync } from "node:fs";

export interface WalSyncer {
  /** resolve `done` once everything committed so far is on disk */
  after(done: (err: Error | null) => void): void;
  /** after the caller synced everything itself (a checkpoint): resolves whoever still waits */
  close(): void;
}

export function createWalSyncer(dbFile: string): WalSyncer {
  let fd: number | null = null;
  let running = false;
  let waiting: ((err: Error | null) => void)[] = [];
  let closed = false;

  const start = () => {
    if (running || waiting.length === 0) return;
    const batch = waiting;
    waiting = [];
    try {
      fd ??= openSync(`${dbFile}-wal`, "r");
    } catch (e) {
      for (const w of batch) w(e instanceof Error ? e : new Error(String(e)));
      return;
    }
    running = true;
    const mine = fd;
    fdatasync(mine, (err) => {
      running = false;
      for (const w of batch) w(err);
      if (!closed) start();
      else closeSync(mine);
    });
  };

  return {
    after(done) {
      waiting.push(done);
      start();
    },
    close() {
      closed = true;
      const rest = waiting;
      waiting = [];
      for (const w of rest) w(null);
      if (fd !== null && !running) closeSync(fd);
      fd = null;
    },
  };
}
