// Sends one query's answer: a small one (it came whole from the query process) with its
// exact status and X-Neo-Truncated; a large one as a stream, piece by piece as the query
// process writes it, read on demand (the process waits while the reader is slow). A
// stream that fails after it started (Query.Timeout) is cut off, never closed as if whole.
// The stream (and the reader's abort signal) is made only when the first piece comes:
// the usual small answer costs one promise and one Response, as before formats existed.
import { formatElapse } from "../../lib/http/elapse.ts";
import { jsonResponse } from "../../lib/http/respond.ts";
import {
  type ChunkSink,
  contentTypeOf,
  DEFAULT_OUTPUT,
  type QueryAnswer,
  type QueryRequest,
  type QueryService,
  refusalBody,
} from "../../query/index.ts";
import { streamedResponses } from "../inflight.ts";

export interface StreamOptions {
  /** always: compress=gzip; large: the client accepts gzip (answers over 1 KiB); never */
  gzip: "always" | "large" | "never";
}

const utf8 = new TextEncoder();

/** the reply headers of one (content type, gzip option, gzipped) case, made once */
const headerCache = new Map<string, Readonly<Record<string, string>>>();
function headersOf(contentType: string, gzip: boolean, opts: StreamOptions): Readonly<Record<string, string>> {
  const key = `${contentType}\u0000${opts.gzip}\u0000${gzip}`;
  let h = headerCache.get(key);
  if (!h) {
    const made: Record<string, string> = {
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
      "content-type": contentType,
    };
    if (opts.gzip === "large") made.vary = "accept-encoding";
    if (gzip) made["content-encoding"] = "gzip";
    h = made;
    if (headerCache.size < 64) headerCache.set(key, h);
  }
  return h;
}

/** a large answer's pieces, from the first one on: a ReadableStream read on demand */
function openStream() {
  const ac = new AbortController();
  let controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  let waitingAck: (() => void) | null = null;
  const stream = new ReadableStream<Uint8Array>(
    {
      start: (c) => {
        controller = c;
      },
      pull: () => {
        const ack = waitingAck;
        waitingAck = null;
        ack?.();
      },
      cancel: () => ac.abort(),
    },
    { highWaterMark: 2 },
  );
  return {
    stream,
    signal: ac.signal,
    push(text: string, ack: () => void): void {
      controller?.enqueue(utf8.encode(text));
      if ((controller?.desiredSize ?? 0) > 0) ack();
      else waitingAck = ack;
    },
    end(a: QueryAnswer): void {
      if (!controller) return;
      try {
        if (a.ok) {
          if (a.body) controller.enqueue(utf8.encode(a.body));
          controller.close();
        } else controller.error(new Error(a.reason));
      } catch {
        // the reader cancelled: nothing to finish
      }
    },
  };
}

export async function streamQuery(
  queries: QueryService,
  req: QueryRequest,
  t0: number,
  opts: StreamOptions,
  who?: string,
): Promise<Response> {
  let open: ReturnType<typeof openStream> | undefined;
  let answer!: Promise<QueryAnswer>;
  const first = await new Promise<QueryAnswer | "stream">((resolve) => {
    const sink: ChunkSink = {
      get signal() {
        return open?.signal;
      },
      chunk(text, ack) {
        if (!open) {
          open = openStream();
          resolve("stream");
        }
        open.push(text, ack);
      },
    };
    answer = queries.run(req, sink, who);
    answer.then(resolve);
  });
  if (first !== "stream") {
    if (!first.ok) {
      const res = jsonResponse(refusalBody(first, formatElapse(performance.now() - t0)), first.status);
      // 429: the caller's own share of the query pool is full; it has room again then
      if (first.retryAfterSec !== undefined) res.headers.set("retry-after", String(first.retryAfterSec));
      return res;
    }
    const gzip = opts.gzip === "always" || (opts.gzip === "large" && first.body.length >= 1024);
    let headers = headersOf(first.contentType, gzip, opts);
    if (first.cut) headers = { ...headers, "x-neo-truncated": first.cut };
    return new Response(gzip ? Bun.gzipSync(utf8.encode(first.body)) : first.body, { status: 200, headers });
  }
  // streaming: the first piece is out; the rest follows, then the end (or a failure)
  const s = open as ReturnType<typeof openStream>;
  void answer.then((a) => s.end(a));
  const gzip = opts.gzip !== "never";
  const contentType = contentTypeOf(req.output ?? DEFAULT_OUTPUT);
  const res = new Response(
    gzip
      ? s.stream.pipeThrough(new CompressionStream("gzip") as unknown as ReadableWritablePair<Uint8Array, Uint8Array>)
      : s.stream,
    { status: 200, headers: headersOf(contentType, gzip, opts) },
  );
  // its request stays in progress until the client has read it (Http.MaxRequestsPerAddress)
  streamedResponses.add(res);
  return res;
}
