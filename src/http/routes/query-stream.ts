// Sends one query's answer: a small one (it came whole from the query process) with its
// exact status and X-Neo-Truncated; a large one as a stream, piece by piece as the query
// process writes it, read on demand (the process waits while the reader is slow). A
// stream that fails after it started (Query.Timeout) is cut off, never closed as if whole.
import { formatElapse } from "../../lib/http/elapse.ts";
import { streamedResponses } from "../inflight.ts";
import { jsonResponse } from "../../lib/http/respond.ts";
import {
  contentTypeOf,
  DEFAULT_OUTPUT,
  type QueryAnswer,
  type QueryRequest,
  type QueryService,
  refusalBody,
} from "../../query/index.ts";

export interface StreamOptions {
  /** always: compress=gzip; large: the client accepts gzip (answers over 1 KiB); never */
  gzip: "always" | "large" | "never";
}

const BASE_HEADERS = { "cache-control": "no-store", "x-content-type-options": "nosniff" };
const utf8 = new TextEncoder();

function encodingHeaders(gzip: boolean, opts: StreamOptions): Record<string, string> {
  const h: Record<string, string> = opts.gzip === "large" ? { vary: "accept-encoding" } : {};
  if (gzip) h["content-encoding"] = "gzip";
  return h;
}

export async function streamQuery(
  queries: QueryService,
  req: QueryRequest,
  t0: number,
  opts: StreamOptions,
  who?: string,
): Promise<Response> {
  const ac = new AbortController();
  let controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  let waitingAck: (() => void) | null = null;
  let streaming: (() => void) | undefined;
  const started = new Promise<"stream">((r) => (streaming = () => r("stream")));
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
  const answer = queries.run(
    req,
    {
      signal: ac.signal,
      chunk(text, ack) {
        controller?.enqueue(utf8.encode(text));
        if ((controller?.desiredSize ?? 0) > 0) ack();
        else waitingAck = ack;
        streaming?.();
      },
    },
    who,
  );
  const first: QueryAnswer | "stream" = await Promise.race([answer, started]);
  if (first !== "stream") {
    ac.abort(); // nothing runs any more; the stream object is dropped
    if (!first.ok) {
      const res = jsonResponse(refusalBody(first, formatElapse(performance.now() - t0)), first.status);
      // 429: the caller's own share of the query pool is full; it has room again then
      if (first.retryAfterSec !== undefined) res.headers.set("retry-after", String(first.retryAfterSec));
      return res;
    }
    const gzip = opts.gzip === "always" || (opts.gzip === "large" && first.body.length >= 1024);
    const headers: Record<string, string> = {
      ...BASE_HEADERS,
      "content-type": first.contentType,
      ...encodingHeaders(gzip, opts),
    };
    if (first.cut) headers["x-neo-truncated"] = first.cut;
    return new Response(gzip ? Bun.gzipSync(utf8.encode(first.body)) : first.body, { status: 200, headers });
  }
  // streaming: the first piece is out; the rest follows, then the end (or a failure)
  void answer.then((a) => {
    if (!controller) return;
    try {
      if (a.ok) {
        if (a.body) controller.enqueue(utf8.encode(a.body));
        controller.close();
      } else controller.error(new Error(a.reason));
    } catch {
      // the reader cancelled: nothing to finish
    }
  });
  const gzip = opts.gzip !== "never";
  const contentType = contentTypeOf(req.output ?? DEFAULT_OUTPUT);
  const res = new Response(
    gzip
      ? stream.pipeThrough(new CompressionStream("gzip") as unknown as ReadableWritablePair<Uint8Array, Uint8Array>)
      : stream,
    {
      status: 200,
      headers: { ...BASE_HEADERS, "content-type": contentType, ...encodingHeaders(gzip, opts) },
    },
  );
  // its request stays in progress until the client has read it (Http.MaxRequestsPerAddress)
  streamedResponses.add(res);
  return res;
}
