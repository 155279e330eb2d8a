// When audit.db's WAL is synced to disk. In WAL mode with synchronous=NORMAL SQLite syncs on
// two occasions only: a checkpoint (the WAL, then the database file), and the first write
// into a fresh WAL (its header, and the directory when the file is new). Both ran on the event
// loop in the middle of whatever wrote the rows: the first CONNECTs of a reconnect storm
// (the WAL of a trail the CLI last closed is fresh), and the write that crossed SQLite's
// 1,000-page auto-checkpoint (~15,000 events, a storm's worth): 13-36 ms each on this machine's
// disk, every connected client waiting (bench/RESULTS.md "Session 8: query auth and storm").
// Here the trail starts its WAL when it opens (a write that changes nothing: the header sync
// happens at the start), checkpoints only once it has been quiet for `quietMs` after
// `checkpointRows` rows (or at once past `maxRows`, so a trail that is never quiet still
// checkpoints), and starts the WAL again in that same moment. PASSIVE: never waits for readers.
import type { Database } from "bun:sqlite";

export interface AuditWal {
  /** `rows` rows were just committed */
  wrote(rows: number): void;
  stop(): void;
}

export interface AuditWalOptions {
  /** rows since the last checkpoint that make one due once the trail is quiet; default 5,000 */
  checkpointRows?: number;
  /** rows since the last checkpoint past which it runs at the next commit, quiet or not; default 40,000 */
  maxRows?: number;
  /** how long no rows must have come; default 2 s */
  quietMs?: number;
  onError?: (e: unknown) => void;
}

export function keepAuditWal(db: Database, o: AuditWalOptions = {}): AuditWal {
  const checkpointRows = o.checkpointRows ?? 5_000;
  const maxRows = o.maxRows ?? 40_000;
  const quietMs = o.quietMs ?? 2_000;
  // a write that changes nothing but page 1's header: the WAL's header is written (and synced) now
  const start = () => db.exec(`PRAGMA user_version = ${Number(db.query("PRAGMA user_version").values()[0]?.[0] ?? 0)}`);
  db.exec("PRAGMA wal_autocheckpoint = 0");
  start();
  let rows = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const checkpoint = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    rows = 0;
    try {
      db.exec("PRAGMA wal_checkpoint(PASSIVE)");
      start();
    } catch (e) {
      o.onError?.(e);
    }
  };
  return {
    wrote(n) {
      rows += n;
      if (rows >= maxRows) return checkpoint();
      if (rows < checkpointRows) return;
      if (timer) timer.refresh();
      else {
        timer = setTimeout(checkpoint, quietMs);
        timer.unref?.();
      }
    },
    stop() {
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
  };
}
