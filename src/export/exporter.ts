// One export: rows written to its tables enter its queue (<data>/export-<name>.db, the
// bridge's store-and-forward queue: committed and fsynced before the writer's ack) and
// leave it only once PostgreSQL committed them. The pump sends the oldest entries first,
// up to Batch rows per transaction, so rows arrive in order; after an outage (or a restart,
// even after kill -9) it starts again from the oldest entry, and the database's primary
// key drops what it already had: at least once, never twice.
import { join } from "node:path";
import { type BridgeQueue, nextDelay, type OfferResult, openQueue, RateMeter } from "../bridge/index.ts";
import type { Logger } from "../lib/log.ts";
import {
  type Columns,
  decodeEntry,
  emptyColumns,
  encodeEntries,
  type ExportRecord,
  type ExportRow,
} from "./entries.ts";
import type { PgSettings, PgTarget } from "./postgres.ts";
import { redactUrl } from "../lib/redact-url.ts";

export interface ExportSettings {
  name: string;
  postgres: string;
  tables: string[];
  gateway: string;
  tls: PgSettings["tls"];
  batch: number;
  buffer: { maxBytes: number };
}

export interface ExportStatus {
  name: string;
  /** the database URL without its password */
  database: string;
  tables: string[];
  connected: boolean;
  lastError: string;
  queuedEntries: number;
  queuedBytes: number;
  oldestAgeSeconds: number | null;
  sentRows: number;
  sentPerSecond: number;
  droppedEntries: number;
  timescale: boolean;
  stopped: boolean;
  updatedAt: number;
}

export interface Export {
  readonly name: string;
  readonly settings: ExportSettings;
  /** does this export copy `table` (upper case)? */
  covers(table: string): boolean;
  /** queue one write's rows; resolves once they are on disk */
  offer(table: string, rows: readonly ExportRow[] | readonly ExportRecord[], senml: boolean): Promise<OfferResult>;
  status(): ExportStatus;
  start(): void;
  stop(): Promise<void>;
}

const STATUS_EVERY_MS = 2000;
/** queue entries read at a time while a transaction is filled */
const PEEK = 32;
/** the longest wait before trying the database again */
const MAX_RETRY_MS = 5000;

export function createExport(s: ExportSettings, dataDir: string, log: Logger): Export {
  const tag = `export "${s.name}"`;
  const queue: BridgeQueue = openQueue(join(dataDir, `export-${s.name}.db`), {
    maxMessages: 1_000_000_000,
    maxBytes: s.buffer.maxBytes,
    policy: "drop-oldest",
  });
  const tables = new Set(s.tables.map((t) => t.toUpperCase()));
  let pg: PgTarget | null = null;
  let prepared = false;
  let timescale = false;
  let stopped = true;
  let connected = false;
  let lastError = "";
  let attempt = 0;
  let sentRows = 0;
  let done = 0; // the highest queue seq PostgreSQL has
  let running: Promise<void> | null = null;
  let wake: (() => void) | null = null;
  let retry: ReturnType<typeof setTimeout> | undefined;
  let statusTimer: ReturnType<typeof setInterval> | undefined;
  const meter = new RateMeter();

  const status = (): ExportStatus => {
    const q = queue.stats();
    return {
      name: s.name,
      database: redactUrl(s.postgres),
      tables: [...tables],
      connected,
      lastError,
      queuedEntries: q.messages,
      queuedBytes: q.bytes,
      oldestAgeSeconds: q.oldestAt === null ? null : Math.max(0, (Date.now() - q.oldestAt) / 1000),
      sentRows,
      sentPerSecond: meter.perSecond(),
      droppedEntries: q.dropped,
      timescale,
      stopped,
      updatedAt: Date.now(),
    };
  };

  /** one transaction: up to `batch` rows of the oldest entries; false when nothing waits */
  async function sendOnce(): Promise<boolean> {
    // read the oldest entries a few at a time until Batch rows (an entry can hold thousands:
    // never load more of the queue than one transaction sends)
    const byTable = new Map<string, Columns>();
    const seqs: number[] = [];
    let rows = 0;
    let last = done;
    while (rows < s.batch) {
      const page = queue.peek(last, PEEK);
      if (page.length === 0) break;
      for (const e of page) {
        let c = byTable.get(e.topic);
        if (!c) byTable.set(e.topic, (c = emptyColumns()));
        rows += decodeEntry(e.payload, e.seq, c);
        seqs.push(e.seq);
        last = e.seq;
        if (rows >= s.batch) break;
      }
    }
    if (seqs.length === 0) return false;
    if (!pg) {
      // the PostgreSQL client only once there is something to send (a start loads none of it)
      const { connectPg } = await import("./postgres.ts");
      pg ??= connectPg({ url: s.postgres, tls: s.tls });
    }
    if (!prepared) {
      timescale = (await pg.prepare([...tables])).timescale;
      prepared = true;
    }
    await pg.insert(s.gateway, byTable);
    for (const q of seqs) queue.ack(q);
    done = last;
    sentRows += rows;
    meter.add(rows);
    if (!connected) {
      log.info(`${tag}: connected to ${redactUrl(s.postgres)}`);
      connected = true;
      queue.writeStatus(status());
    }
    lastError = "";
    attempt = 0;
    return true;
  }

  async function pump(): Promise<void> {
    while (!stopped) {
      try {
        if (await sendOnce()) continue;
        await new Promise<void>((r) => (wake = r));
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        if (connected || msg !== lastError) log.warn(`${tag}: ${msg}; rows wait in the queue`);
        connected = false;
        lastError = msg;
        queue.writeStatus(status());
        prepared = false;
        const old = pg;
        pg = null;
        await old?.close().catch(() => undefined);
        await new Promise<void>((r) => {
          retry = setTimeout(r, Math.min(MAX_RETRY_MS, nextDelay(attempt++)));
          wake = r;
        });
      }
    }
  }

  const poke = () => {
    const w = wake;
    wake = null;
    w?.();
  };

  return {
    name: s.name,
    settings: s,
    covers: (t) => tables.has(t.toUpperCase()),
    async offer(table, rows, senml) {
      let result: OfferResult = "queued";
      for (const payload of encodeEntries(rows, senml)) {
        const r = await queue.offer({ topic: table.toUpperCase(), payload, qos: 1, retain: false });
        if (r === "refused") result = r;
      }
      if (connected || !retry) poke();
      return result;
    },
    status,
    start() {
      if (!stopped) return;
      stopped = false;
      queue.writeStatus(status());
      statusTimer = setInterval(() => queue.writeStatus(status()), STATUS_EVERY_MS);
      statusTimer.unref?.();
      running = pump();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      if (retry) clearTimeout(retry);
      if (statusTimer) clearInterval(statusTimer);
      poke();
      await running;
      await pg?.close().catch(() => undefined);
      queue.writeStatus(status());
      queue.close();
    },
  };
}
