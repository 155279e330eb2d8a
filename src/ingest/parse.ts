// One entry point for every payload format: bytes (maybe gzip) -> UTF-8 text -> rows.
import { parseCsvRows } from "./csv.ts";
import { parseJsonRows } from "./json.ts";
import { parseNdjsonRows } from "./ndjson.ts";
import { badPayload, type ParseOptions, type Row } from "./row.ts";

const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;
const utf8 = new TextDecoder("utf-8", { fatal: true });

function gunzip(body: Uint8Array, max: number): Uint8Array {
  try {
    // node:zlib rather than Bun.gunzipSync: it can cap the output (gzip bombs). Loaded on
    // the first gzip payload: a static import keeps it resident in every server (bench/RESULTS.md, "Module costs").
    return process.getBuiltinModule("node:zlib").gunzipSync(body, { maxOutputLength: max });
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === "ERR_BUFFER_TOO_LARGE") throw badPayload(`decompressed payload exceeds ${max} bytes`);
    throw badPayload("payload is not valid gzip data");
  }
}

/** Parse a db/write payload into rows. Throws NeoError("bad_payload", reason, 400). */
export function parsePayload(body: Uint8Array | string, o: ParseOptions): Row[] {
  const max = o.maxBytes ?? DEFAULT_MAX_BYTES;
  let text: string;
  if (typeof body === "string") {
    if (o.compress === "gzip") throw badPayload("gzip payload must be bytes, not text");
    text = body;
  } else {
    const bytes = o.compress === "gzip" ? gunzip(body, max) : body;
    try {
      text = utf8.decode(bytes);
    } catch {
      throw badPayload("payload is not valid UTF-8");
    }
  }
  switch (o.format) {
    case "json":
      return parseJsonRows(text, o);
    case "csv":
      return parseCsvRows(text, o);
    case "ndjson":
      return parseNdjsonRows(text, o);
    default:
      throw badPayload(`unsupported format ${JSON.stringify(String(o.format))} (use json, csv or ndjson)`);
  }
}
