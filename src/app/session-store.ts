// Persistent MQTT sessions and retained messages in <data>/mqtt-state.db, saved
// incrementally: a row per session (its subscriptions, in-flight and queued deliveries,
// each naming a message by id) and a row per message (stored once however many sessions
// queue it, deleted when none does any more). A save writes only the sessions whose mark
// (Broker.persistentSessions) moved since they were last written, ~20,000 deliveries per
// transaction with the event loop free between them, so no save blocks it for long
// (the whole-file save of mqtt-state.bin did, 2.1 s with 2,000 sessions x 1,000 queued).
import type { Database } from "bun:sqlite";
import { deserialize, serialize } from "bun:jsc";
import { join } from "node:path";
import type { Logger } from "../lib/log.ts";
import { type Broker, type ImportResult, type SavedSession, STATE_VERSION } from "../mqtt/index.ts";
import { openDatabase } from "../storage/index.ts";

export const STATE_DB = "mqtt-state.db";

type Delivery = SavedSession["queue"][number];
type Msg = Delivery["msg"];
type Stored<T> = Omit<T, "msg"> & { msg: number };
interface StoredSession extends Omit<SavedSession, "queue" | "inflight"> {
  /** the queue as flat triples [message id, qos, retain 0|1] (one array, not an object per delivery) */
  q: number[];
  /** subscription ids of queued deliveries that have them, by position in the queue */
  qSubs?: Record<number, number[]>;
  inflight: (Omit<SavedSession["inflight"][number], "delivery"> & { delivery: Stored<Delivery> })[];
}

/** deliveries written per transaction before the event loop gets a turn */
const STEP_DELIVERIES = 20_000;
const yieldToLoop = () => new Promise<void>((r) => setImmediate(r));

/** a message as plain bytes of its own (a payload may be a view into a larger socket chunk) */
function plain(m: Msg): Msg {
  const c: Msg = { ...m, payload: new Uint8Array(m.payload) as Buffer };
  if (m.properties?.correlationData)
    c.properties = { ...m.properties, correlationData: new Uint8Array(m.properties.correlationData) as Buffer };
  return c;
}

export interface SessionStore {
  /** load into an empty broker (before it listens); undefined when the file holds nothing */
  load(broker: Broker): ImportResult | undefined;
  /** write what changed; `all` at once (shutdown), else in steps with the event loop free between */
  save(broker: Broker, all?: boolean): Promise<{ sessions: number; messages: number }>;
  close(): void;
}

export function openSessionStore(dataDir: string, log: Logger): SessionStore {
  const db: Database = openDatabase(join(dataDir, STATE_DB));
  db.exec(
    "PRAGMA synchronous=NORMAL;" +
      "CREATE TABLE IF NOT EXISTS messages (id INTEGER PRIMARY KEY, msg BLOB NOT NULL);" +
      "CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY, meta BLOB NOT NULL);" +
      "CREATE TABLE IF NOT EXISTS retained (topic TEXT PRIMARY KEY, msg BLOB NOT NULL);",
  );
  const ids = new WeakMap<Msg, number>();
  const byId = new Map<number, WeakRef<Msg>>();
  const refs = new Map<number, number>();
  const written = new Map<string, { mark: string; msgs: number[] }>();
  let nextId = Number(db.query<{ m: number | null }, []>("SELECT max(id) AS m FROM messages").get()?.m ?? 0) + 1;
  let retainedVersion = -1;
  const putMsg = db.prepare("INSERT OR REPLACE INTO messages (id, msg) VALUES (?, ?)");
  const delMsg = db.prepare("DELETE FROM messages WHERE id = ?");
  const putSession = db.prepare("INSERT OR REPLACE INTO sessions (id, meta) VALUES (?, ?)");
  const delSession = db.prepare("DELETE FROM sessions WHERE id = ?");

  const ref = (id: number, n: 1 | -1) => {
    const left = (refs.get(id) ?? 0) + n;
    if (left > 0) return void refs.set(id, left);
    refs.delete(id);
    if (n < 0) {
      delMsg.run(id);
      const m = byId.get(id)?.deref();
      if (m) ids.delete(m);
      byId.delete(id);
    }
  };

  /** a session row: its messages by id (new ones written first), references counted */
  function write(s: SavedSession, queue: readonly Delivery[], mark: string): number {
    const msgs: number[] = [];
    const idOf = (m: Msg): number => {
      let id = ids.get(m);
      if (id === undefined) {
        id = nextId++;
        ids.set(m, id);
        byId.set(id, new WeakRef(m));
        putMsg.run(id, serialize(plain(m), { binaryType: "nodebuffer" }));
      }
      msgs.push(id);
      return id;
    };
    const q = new Array<number>(queue.length * 3);
    let qSubs: Record<number, number[]> | undefined;
    queue.forEach((d, i) => {
      q[i * 3] = idOf(d.msg);
      q[i * 3 + 1] = d.qos;
      q[i * 3 + 2] = d.retain ? 1 : 0;
      if (d.subscriptionIds) (qSubs ??= {})[i] = d.subscriptionIds;
    });
    const { queue: _none, ...rest } = s;
    const stored: StoredSession = {
      ...rest,
      q,
      ...(qSubs ? { qSubs } : {}),
      inflight: s.inflight.map((f) => ({ ...f, delivery: { ...f.delivery, msg: idOf(f.delivery.msg) } })),
    };
    putSession.run(s.id, serialize(stored, { binaryType: "nodebuffer" }));
    for (const id of msgs) ref(id, 1);
    const before = written.get(s.id);
    if (before) for (const id of before.msgs) ref(id, -1);
    written.set(s.id, { mark, msgs });
    return msgs.length;
  }

  function forget(id: string): void {
    delSession.run(id);
    const before = written.get(id);
    written.delete(id);
    if (before) for (const m of before.msgs) ref(m, -1);
  }

  return {
    load(broker) {
      const messages = new Map<number, Msg>();
      for (const r of db.query<{ id: number | bigint; msg: Uint8Array }, []>("SELECT id, msg FROM messages").all())
        messages.set(Number(r.id), deserialize(r.msg) as Msg);
      const sessions: SavedSession[] = [];
      const loaded = new Map<string, number[]>();
      let unreadable = 0;
      for (const r of db.query<{ id: string; meta: Uint8Array }, []>("SELECT id, meta FROM sessions").iterate()) {
        try {
          const st = deserialize(r.meta) as StoredSession;
          const msgs: number[] = [];
          const msgOf = (id: number): Msg => {
            const m = messages.get(id);
            if (!m) throw new Error(`message ${id} missing`);
            msgs.push(id);
            return m;
          };
          const queue: Delivery[] = [];
          for (let i = 0; i < st.q.length; i += 3) {
            const d: Delivery = {
              msg: msgOf(st.q[i] as number),
              qos: st.q[i + 1] as Delivery["qos"],
              retain: st.q[i + 2] === 1,
            };
            const subs = st.qSubs?.[i / 3];
            if (subs) d.subscriptionIds = subs;
            queue.push(d);
          }
          const { q: _q, qSubs: _s, ...rest } = st;
          sessions.push({
            ...rest,
            queue,
            inflight: st.inflight.map((f) => ({ ...f, delivery: { ...f.delivery, msg: msgOf(f.delivery.msg) } })),
          });
          loaded.set(st.id, msgs);
        } catch {
          unreadable++;
          delSession.run(r.id);
        }
      }
      const retained = db
        .query<{ msg: Uint8Array }, []>("SELECT msg FROM retained")
        .all()
        .map((r) => deserialize(r.msg) as Msg);
      if (sessions.length === 0 && retained.length === 0 && messages.size === 0) return undefined;
      const result = broker.importState({ version: STATE_VERSION, savedAt: Date.now(), retained, sessions });
      // what is in the file now: the rows loaded count as written (their marks as imported)
      for (const msgs of loaded.values()) for (const m of msgs) refs.set(m, (refs.get(m) ?? 0) + 1);
      for (const p of broker.persistentSessions()) {
        const msgs = loaded.get(p.id);
        if (msgs) written.set(p.id, { mark: p.mark, msgs });
      }
      // sessions left out (expired while down, bad entries) are removed at the next save
      for (const id of loaded.keys()) if (!written.has(id)) written.set(id, { mark: "", msgs: loaded.get(id) ?? [] });
      retainedVersion = broker.retainedNow().version;
      result.skipped += unreadable;
      sessions.length = 0;
      messages.clear();
      Bun.gc(true); // the rows read and their copies are garbage now: RSS back near the live figure
      return result;
    },
    async save(broker, all = false) {
      const now = Date.now();
      const live = new Set<string>();
      let pending: {
        id: string;
        mark: string;
        save: (now: number) => SavedSession;
        queue: () => readonly Delivery[];
      }[] = [];
      let deliveries = 0;
      let sessions = 0;
      let messages = 0;
      const flush = () => {
        const batch = pending;
        pending = [];
        deliveries = 0;
        if (batch.length === 0) return;
        db.transaction(() => {
          for (const p of batch) {
            messages += write(p.save(now), p.queue(), p.mark);
            sessions++;
          }
        })();
      };
      for (const p of broker.persistentSessions()) {
        live.add(p.id);
        if (written.get(p.id)?.mark === p.mark) continue;
        pending.push(p);
        deliveries += 1 + Number(p.mark.split("|")[6] ?? 0) + 1000; // in flight + (at most) the queue
        if (!all && deliveries >= STEP_DELIVERIES) {
          flush();
          await yieldToLoop();
        }
      }
      flush();
      const gone = [...written.keys()].filter((id) => !live.has(id));
      if (gone.length > 0) db.transaction(() => gone.forEach(forget))();
      const r = broker.retainedNow();
      if (r.version !== retainedVersion) {
        db.transaction(() => {
          db.exec("DELETE FROM retained");
          const put = db.prepare("INSERT OR REPLACE INTO retained (topic, msg) VALUES (?, ?)");
          for (const m of r.messages) put.run(m.topic, serialize(plain(m), { binaryType: "nodebuffer" }));
          put.finalize();
        })();
        retainedVersion = r.version;
      }
      if (sessions > 0 || gone.length > 0)
        log.debug(`MQTT state: ${sessions} session(s) written (${messages} deliveries), ${gone.length} removed`);
      return { sessions, messages };
    },
    close() {
      for (const st of [putMsg, delMsg, putSession, delSession]) st.finalize();
      try {
        db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
      } catch {
        // a full disk: the WAL is replayed at the next open
      }
      db.close();
    },
  };
}
