// Parsing big payloads without stalling the event loop: bodies over BIG_BODY go to one
// shared parse Worker (parse-worker.ts) and come back as slices of rows; small ones are
// parsed here, at once (the common case costs no thread hop).
import { NeoError } from "../lib/errors.ts";
import { parsePayload } from "./parse.ts";
import type { ParseJob, ParseReply } from "./parse-worker.ts";
import type { ParseOptions, Row } from "./row.ts";

/** bodies up to this are parsed on the caller's thread (a few ms at most) */
export const BIG_BODY = 256 * 1024;
/** rows per slice: receiving one and committing it each take a few ms */
export const SLICE_ROWS = 2048;

let worker: Worker | null = null;
/** the worker could not start (or died): parse on the caller's thread from now on */
let broken = false;
let nextId = 1;
// compiled: build.ts bundles parse-worker.ts as a second entry point; Bun stores it under
// the entry points' common folder (src/), i.e. /$bunfs/root/ingest/parse-worker.js
const COMPILED = import.meta.dir.startsWith("/$bunfs");
const WORKER_URL = COMPILED
  ? "/$bunfs/root/ingest/parse-worker.js"
  : new URL("./parse-worker.ts", import.meta.url).href;
const waiting = new Map<number, (r: ParseReply) => void>();

function parseWorker(): Worker {
  if (worker) return worker;
  const w = new Worker(WORKER_URL);
  w.onmessage = (e: MessageEvent<ParseReply>) => waiting.get(e.data.id)?.(e.data);
  w.onerror = (e) => {
    broken = true;
    console.error(`neo: the parse worker failed (${e.message}); big bodies are parsed on the main thread`);
    for (const [id, cb] of waiting) cb({ id, error: { message: e.message, status: 0 } });
    waiting.clear();
    worker = null;
  };
  w.unref();
  worker = w;
  return w;
}

/**
 * Parse a db/write payload into slices of rows, calling `onSlice` for each in order and
 * awaiting it (the caller commits a slice, then the next one is taken). Throws what
 * parsePayload throws.
 */
export async function parseInSlices(
  body: Uint8Array,
  opts: ParseOptions,
  onSlice: (rows: Row[]) => Promise<void> | void,
): Promise<void> {
  if (body.byteLength <= BIG_BODY || broken) {
    const rows = parsePayload(body, opts);
    for (let i = 0; i < rows.length || i === 0; i += SLICE_ROWS) {
      await onSlice(rows.slice(i, i + SLICE_ROWS));
      if (i + SLICE_ROWS < rows.length) await new Promise((r) => setImmediate(r));
    }
    return;
  }
  const id = nextId++;
  const replies: ParseReply[] = [];
  let wake: (() => void) | null = null;
  waiting.set(id, (r) => {
    replies.push(r);
    wake?.();
  });
  const job: ParseJob = { id, body, opts, slice: SLICE_ROWS };
  parseWorker().postMessage(job);
  try {
    for (;;) {
      if (replies.length === 0) await new Promise<void>((r) => (wake = r));
      wake = null;
      const r = replies.shift() as ParseReply;
      if ("error" in r && r.error.status === 0) {
        waiting.delete(id);
        return parseInSlices(body, opts, onSlice); // no worker: parse here
      }
      if ("error" in r) throw new NeoError("bad_payload", r.error.message, r.error.status);
      await onSlice(r.rows);
      if (r.done) return;
      await new Promise((res) => setImmediate(res)); // let others in between slices
    }
  } finally {
    waiting.delete(id);
  }
}
