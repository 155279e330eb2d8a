// GET|POST /db/query: q and machbase-neo's options (format, timeformat, tz, heading, precision,
// rownum, transpose, rowsArray, rowsFlatten, compress, ...) from the query string, a form
// body or a JSON object. The answer is sent as the query process writes it (query-stream.ts).
import { NeoError } from "../../lib/errors.ts";
import { formatElapse } from "../../lib/http/elapse.ts";
import { jsonResponse } from "../../lib/http/respond.ts";
import {
  OUTPUT_FIELDS,
  parseCompress,
  parseOutputOptions,
  type QueryRequest,
  type QueryService,
  refusalBody,
} from "../../query/index.ts";
import { mediaType, readBody } from "../body.ts";
import { streamQuery } from "./query-stream.ts";

type Raw = string | number | boolean;
const TEXT_FIELDS = ["q", "timeformat", "tz", "compress"] as const;
const FIELDS: readonly string[] = [...TEXT_FIELDS, ...OUTPUT_FIELDS];
const FIELD_SET: ReadonlySet<string> = new Set(FIELDS);

/** the fields present (usually just q), the first value of each, as URLSearchParams.get gives it */
function fromParams(p: URLSearchParams, into: Map<string, Raw>): void {
  for (const [k, v] of p) if (FIELD_SET.has(k) && p.get(k) === v) into.set(k, v);
}

async function readRequest(req: Request, url: URL, limit: number): Promise<Map<string, Raw>> {
  const out = new Map<string, Raw>();
  fromParams(url.searchParams, out);
  if (req.method !== "POST") return out;
  const body = new TextDecoder().decode(await readBody(req, limit));
  if (body.trim() === "") return out;
  const type = mediaType(req);
  if (type === "application/json") {
    let doc: unknown;
    try {
      doc = JSON.parse(body);
    } catch (e) {
      throw new NeoError("bad_request", `body is not valid JSON: ${e instanceof Error ? e.message : String(e)}`, 400);
    }
    if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
      throw new NeoError("bad_request", 'body must be a JSON object like {"q": "select ..."}', 400);
    }
    for (const f of FIELDS) {
      const v = (doc as Record<string, unknown>)[f];
      if (v === undefined || v === null) continue;
      const text = (TEXT_FIELDS as readonly string[]).includes(f);
      if (typeof v !== "string" && (text || (typeof v !== "number" && typeof v !== "boolean")))
        throw new NeoError("bad_request", `"${f}" must be a ${text ? "string" : "string, number or boolean"}`, 400);
      out.set(f, v);
    }
  } else if (type === "application/x-www-form-urlencoded" || type === "") {
    fromParams(new URLSearchParams(body), out);
  } else if (type === "text/plain") {
    out.set("q", body);
  } else {
    throw new NeoError("unsupported_media_type", `unsupported content type ${type} (use JSON or a form)`, 415);
  }
  return out;
}

/** gzip when asked (compress=gzip), or when the client accepts it and the answer is worth it */
function acceptsGzip(req: Request): boolean {
  const ae = req.headers.get("accept-encoding") ?? "";
  return /(^|,)\s*gzip\s*(;\s*q=(?!0(\.0*)?\s*(,|$))[\d.]+)?\s*(,|$)/i.test(ae);
}

export async function handleQuery(
  req: Request,
  url: URL,
  queries: QueryService,
  limit: number,
  readCheck?: (sql: string) => { status: number; reason: string } | undefined,
  who?: string,
): Promise<Response> {
  const t0 = performance.now();
  const f = await readRequest(req, url, limit);
  const q = f.get("q");
  if (typeof q !== "string" || q.trim() === "") throw new NeoError("empty_query", "missing query (q)", 400);
  // no output option given (the usual query): the child uses DEFAULT_OUTPUT, nothing is parsed or sent
  const output = OUTPUT_FIELDS.some((k) => f.has(k)) ? parseOutputOptions((k) => f.get(k)) : undefined;
  const compress = parseCompress(f.get("compress"));
  // scopes: every table the statement reads must be readable (403 naming the first that is not)
  const refused = readCheck?.(q);
  if (refused) return jsonResponse(refusalBody(refused, formatElapse(performance.now() - t0)), refused.status);
  // only the fields given go to the query process (each one is copied over IPC)
  const request: QueryRequest = { sql: q };
  const timeformat = f.get("timeformat");
  if (typeof timeformat === "string" && timeformat !== "") request.timeformat = timeformat;
  const tz = f.get("tz");
  if (typeof tz === "string" && tz !== "") request.tz = tz;
  if (output) request.output = output;
  // off the event loop, under Query.Timeout / MaxRows / MaxBytes / MaxMemory
  return streamQuery(
    queries,
    request,
    t0,
    {
      gzip: compress === "gzip" ? "always" : acceptsGzip(req) ? "large" : "never",
    },
    who,
  );
}
