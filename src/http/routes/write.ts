// POST /db/write/<table>: JSON {"data":{"columns","rows"}}, CSV (text/csv) or NDJSON
// (application/x-ndjson); ?timeformat=&tz=&header=&method=append; Content-Encoding: gzip.
import { isNeoError, NeoError } from "../../lib/errors.ts";
import { parseInSlices, type ParseOptions } from "../../ingest/index.ts";
import type { SeriesStore } from "../../storage/index.ts";
import { mediaType, readBody } from "../body.ts";
import { formatElapse } from "../../lib/http/elapse.ts";
import { jsonResponse } from "../../lib/http/respond.ts";

// No Content-Type is no longer taken as JSON: a cross-site HTML form can send a body with
// none (or text/plain), never one of these, so a browser cannot be made to write here.
const FORMATS: Record<string, ParseOptions["format"]> = {
  "application/json": "json",
  "text/json": "json",
  "text/csv": "csv",
  "application/csv": "csv",
  "application/x-ndjson": "ndjson",
  "application/ndjson": "ndjson",
  "application/jsonl": "ndjson",
};

export async function handleWrite(
  req: Request,
  url: URL,
  table: string,
  store: SeriesStore,
  limit: number,
): Promise<Response> {
  const t0 = performance.now();
  const type = mediaType(req);
  const format = FORMATS[type];
  if (type === "") {
    throw new NeoError(
      "unsupported_media_type",
      "missing Content-Type (use application/json, text/csv or application/x-ndjson)",
      415,
    );
  }
  if (!format) {
    throw new NeoError(
      "unsupported_media_type",
      `unsupported content type ${type} (use application/json, text/csv or application/x-ndjson)`,
      415,
    );
  }
  const encoding = (req.headers.get("content-encoding") ?? "").trim().toLowerCase();
  if (encoding !== "" && encoding !== "identity" && encoding !== "gzip") {
    throw new NeoError("unsupported_encoding", `unsupported content encoding ${encoding} (use gzip)`, 415);
  }
  const p = url.searchParams;
  const method = p.get("method");
  if (method !== null && method !== "" && method !== "append" && method !== "insert") {
    throw new NeoError("bad_request", `unsupported method "${method}" (use append)`, 400);
  }
  const header = p.get("header");
  if (header !== null && header !== "" && header !== "skip" && header !== "columns") {
    throw new NeoError("bad_request", `unsupported header "${header}" (use skip or columns)`, 400);
  }
  const body = await readBody(req, limit);
  // Big bodies are parsed off the event loop and committed in slices of a few thousand
  // rows, each its own short transaction, so nobody waits long behind a 10 MB upload. The
  // 200 leaves after the last slice is committed; if a later slice fails (a bad row, a
  // full disk), the reply says how many rows earlier slices committed (machbase-neo's
  // append is not all-or-nothing either).
  let n = 0;
  try {
    await parseInSlices(
      body,
      {
        format,
        compress: encoding === "gzip" ? "gzip" : undefined,
        timeformat: p.get("timeformat") || undefined,
        tz: p.get("tz") || undefined,
        header: header === "skip" || header === "columns" ? header : undefined,
        maxBytes: limit * 4,
      },
      (rows) => {
        n += store.write(table, rows);
      },
    );
    // the rows are also in every export queue that copies the table before the 200
    await store.settled?.();
  } catch (e) {
    if (n > 0 && isNeoError(e)) throw new NeoError(e.code, `${e.message} (after ${n} record(s) inserted)`, e.status, e);
    throw e;
  }
  return jsonResponse({
    success: true,
    reason: `success, ${n} record(s) inserted`,
    elapse: formatElapse(performance.now() - t0),
  });
}
