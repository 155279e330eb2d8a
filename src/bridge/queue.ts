// The bridge's store-and-forward queue: one SQLite file per bridge
// (<data>/bridge-<name>.db, WAL). offer() batches every message that arrives in one turn
// of the event loop into one transaction and resolves after its commit AND an fdatasync
// of the WAL (wal-sync.ts, off the event loop): the local publisher's PUBACK waits for
// that. A row leaves only through ack() (the upstream PUBACKed it) or the buffer
// policy (drop-oldest). Rows are sent in `seq` order, so order per topic is kept.
import type { Database, Statement } from "bun:sqlite";
import { openDatabase, runMigrations } from "../storage/index.ts";
import { createWalSyncer } from "./wal-sync.ts";

import type { BridgeQueue, OfferResult, OutMessage, OutProperties, QueuedMessage, QueueLimits } from "./queue-types.ts";

export type {
  BridgeQueue,
  OfferResult,
  OutMessage,
  QueuedMessage,
  QueueLimits,
} from "./queue-types.ts";

const MIGRATIONS = [
  {
    id: 1,
    sql: `CREATE TABLE queue (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      topic TEXT NOT NULL,
      payload BLOB NOT NULL,
      qos INTEGER NOT NULL,
      retain INTEGER NOT NULL,
      props TEXT,
      at INTEGER NOT NULL,
      bytes INTEGER NOT NULL
    );
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);`,
  },
];

const ACK_FLUSH_MS = 20;
/** checkpoint once about this much was written to the WAL */
const CHECKPOINT_BYTES = 16 * 1024 * 1024;

interface Pending {
  m: OutMessage;
  resolve: (r: OfferResult) => void;
  reject: (e: unknown) => void;
}

interface Row {
  seq: bigint;
  topic: string;
  payload: Uint8Array;
  qos: bigint;
  retain: bigint;
  props: string | null;
  at: bigint;
  bytes: bigint;
}

const sizeOf = (m: OutMessage, props: string | null) =>
  Buffer.byteLength(m.topic) + m.payload.length + (props ? Buffer.byteLength(props) : 0);

export function openQueue(file: string, limits: QueueLimits): BridgeQueue {
  const db: Database = openDatabase(file);
  runMigrations(db, "bridge", MIGRATIONS);
  // commits do not sync by themselves: wal-sync.ts does it off the event loop, and
  // checkpoints run from here (see checkpoint()) instead of inside a commit
  db.exec("PRAGMA synchronous=OFF; PRAGMA wal_autocheckpoint=0; PRAGMA journal_size_limit=67108864");
  const walSync = createWalSyncer(file);
  let walBytes = 0;
  const insert = db.prepare("INSERT INTO queue (topic, payload, qos, retain, props, at, bytes) VALUES (?,?,?,?,?,?,?)");
  const del: Statement = db.prepare("DELETE FROM queue WHERE seq = ? RETURNING bytes");
  const delRange = db.prepare<{ bytes: bigint }, [number, number]>(
    "DELETE FROM queue WHERE seq BETWEEN ? AND ? RETURNING bytes",
  );
  const oldest = db.prepare<{ seq: bigint; bytes: bigint }, [number]>(
    "SELECT seq, bytes FROM queue ORDER BY seq LIMIT ?",
  );
  const select = db.prepare<Row, [number, number]>(
    "SELECT seq, topic, payload, qos, retain, props, at, bytes FROM queue WHERE seq > ? ORDER BY seq LIMIT ?",
  );
  const oldestAt = db.prepare<{ at: bigint }, []>("SELECT at FROM queue ORDER BY seq LIMIT 1");
  const getMeta = db.prepare<{ value: string }, [string]>("SELECT value FROM meta WHERE key = ?");
  const setMeta = db.prepare(
    "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
  );

  const totals = db
    .query<{ n: bigint; b: bigint | null }, []>("SELECT count(*) AS n, sum(bytes) AS b FROM queue")
    .get();
  let messages = Number(totals?.n ?? 0);
  let bytes = Number(totals?.b ?? 0);
  let dropped = Number(getMeta.get("dropped")?.value ?? 0);
  let droppedSinceTake = 0;
  let droppedDirty = false;

  let pending: Pending[] = [];
  let acks: number[] = [];
  let scheduled = false;
  let ackTimer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;
  /** copy the WAL into the database (syncing both) once it has grown; blocks briefly, rarely */
  const checkpoint = () => {
    walBytes = 0;
    db.exec("PRAGMA synchronous=NORMAL");
    try {
      db.exec("PRAGMA wal_checkpoint(PASSIVE)");
    } finally {
      db.exec("PRAGMA synchronous=OFF");
    }
  };

  /** offers commit in the next turn of the event loop (their PUBACKs wait for it) */
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(flush);
  };
  /** acks alone wait a little longer and need no sync: losing one only means sending a message again */
  const scheduleAcks = () => {
    if (scheduled || ackTimer) return;
    ackTimer = setTimeout(flush, ACK_FLUSH_MS);
  };

  const drop = (n: number) => {
    dropped += n;
    droppedSinceTake += n;
    droppedDirty = true;
  };

  /** drop-oldest: delete the oldest rows until `need` more bytes and one more message fit */
  const makeRoom = (need: number): boolean => {
    if (need > limits.maxBytes) return false;
    while (messages + 1 > limits.maxMessages || bytes + need > limits.maxBytes) {
      const batch = oldest.all(256);
      if (batch.length === 0) break;
      for (const r of batch) {
        if (messages + 1 <= limits.maxMessages && bytes + need <= limits.maxBytes) break;
        del.run(r.seq);
        messages--;
        bytes -= Number(r.bytes);
        drop(1);
      }
    }
    return true;
  };

  const commit = db.transaction((batch: Pending[], acked: number[], out: OfferResult[]) => {
    // acks come mostly in order: delete runs of consecutive seqs with one statement each
    acked.sort((a, b) => a - b);
    for (let i = 0; i < acked.length; ) {
      let j = i;
      while (j + 1 < acked.length && (acked[j + 1] as number) - (acked[j] as number) <= 1) j++;
      for (const r of delRange.all(acked[i] as number, acked[j] as number)) {
        messages--;
        bytes -= Number(r.bytes);
      }
      i = j + 1;
    }
    const now = Date.now();
    for (const { m } of batch) {
      const props = m.properties ? JSON.stringify(m.properties) : null;
      const size = sizeOf(m, props);
      const full = messages + 1 > limits.maxMessages || bytes + size > limits.maxBytes;
      if (full && (limits.policy === "refuse-new" || !makeRoom(size))) {
        drop(1);
        out.push("refused");
        continue;
      }
      insert.run(m.topic, m.payload, m.qos, m.retain ? 1 : 0, props, now, size);
      messages++;
      bytes += size;
      out.push("queued");
    }
    if (droppedDirty) {
      setMeta.run("dropped", String(dropped));
      droppedDirty = false;
    }
  });

  function flush(): void {
    scheduled = false;
    if (ackTimer) clearTimeout(ackTimer);
    ackTimer = undefined;
    if (closed || (pending.length === 0 && acks.length === 0)) return;
    const batch = pending;
    const acked = acks;
    pending = [];
    acks = [];
    const out: OfferResult[] = [];
    try {
      commit(batch, acked, out);
    } catch (e) {
      for (const p of batch) p.reject(e);
      return;
    }
    for (const m of batch) walBytes += m.m.payload.length + m.m.topic.length + 64;
    walBytes += acked.length * 64;
    if (batch.length > 0)
      walSync.after((err) => {
        if (err) for (const p of batch) p.reject(err);
        else for (const [i, p] of batch.entries()) p.resolve(out[i] ?? "refused");
      });
    if (walBytes > CHECKPOINT_BYTES) checkpoint();
  }

  return {
    limits,
    offer(m) {
      if (closed) return Promise.reject(new Error("bridge queue closed"));
      return new Promise<OfferResult>((resolve, reject) => {
        pending.push({ m, resolve, reject });
        schedule();
      });
    },
    peek(after, limit) {
      return select.all(after, limit).map((r) => {
        const q: QueuedMessage = {
          seq: Number(r.seq),
          topic: r.topic,
          payload: Buffer.from(r.payload),
          qos: Number(r.qos) === 1 ? 1 : 0,
          retain: r.retain === 1n,
          at: Number(r.at),
          bytes: Number(r.bytes),
        };
        if (r.props) q.properties = JSON.parse(r.props) as OutProperties;
        return q;
      });
    },
    ack(seq) {
      if (closed) return;
      acks.push(seq);
      scheduleAcks();
    },
    stats() {
      const o = messages > 0 ? oldestAt.get() : null;
      return { messages, bytes, oldestAt: o ? Number(o.at) : null, dropped };
    },
    takeDropped() {
      const n = droppedSinceTake;
      droppedSinceTake = 0;
      return n;
    },
    writeStatus(status) {
      if (!closed) setMeta.run("status", JSON.stringify(status));
    },
    flush,
    close() {
      if (closed) return;
      flush();
      checkpoint(); // syncs what is left
      closed = true;
      walSync.close();
      db.close();
    },
  };
}
