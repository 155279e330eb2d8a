// GET|POST /db/query: q from the query string, a form body or JSON {"q", "timeformat", "format", "tz"}.
import { NeoError } from "../../lib/errors.ts";
import { refusalBody, type QueryService } from "../../query/index.ts";
import { mediaType, readBody } from "../body.ts";
import { formatElapse } from "../../lib/http/elapse.ts";
import { jsonResponse } from "../../lib/http/respond.ts";

interface QueryRequest {
  q?: string;
  timeformat?: string;
  format?: string;
  tz?: string;
}

const FIELDS = ["q", "timeformat", "format", "tz"] as const;

function fromParams(p: URLSearchParams, into: QueryRequest): void {
  for (const f of FIELDS) {
    const v = p.get(f);
    if (v !== null) into[f] = v;
  }
}

async function readRequest(req: Request, url: URL, limit: number): Promise<QueryRequest> {
  const out: QueryRequest = {};
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
      if (v === undefined) continue;
      if (typeof v !== "string") throw new NeoError("bad_request", `"${f}" must be a string`, 400);
      out[f] = v;
    }
  } else if (type === "application/x-www-form-urlencoded" || type === "") {
    fromParams(new URLSearchParams(body), out);
  } else if (type === "text/plain") {
    out.q = body;
  } else {
    throw new NeoError("unsupported_media_type", `unsupported content type ${type} (use JSON or a form)`, 415);
  }
  return out;
}

export async function handleQuery(
  req: Request,
  url: URL,
  queries: QueryService,
  limit: number,
  readCheck?: (sql: string) => { status: number; reason: string } | undefined,
): Promise<Response> {
  const t0 = performance.now();
  const q = await readRequest(req, url, limit);
  if (q.q === undefined || q.q.trim() === "") throw new NeoError("empty_query", "missing query (q)", 400);
  if (q.format !== undefined && q.format.toLowerCase() !== "json") {
    throw new NeoError("bad_request", `unsupported format "${q.format}" (use json)`, 400);
  }
  // scopes: every table the statement reads must be readable (403 naming the first that is not)
  const refused = readCheck?.(q.q);
  if (refused) return jsonResponse(refusalBody(refused, formatElapse(performance.now() - t0)), refused.status);
  // off the event loop, under Query.Timeout / MaxRows / MaxBytes / MaxMemory
  const a = await queries.run({ sql: q.q, timeformat: q.timeformat || undefined, tz: q.tz || undefined });
  if (a.ok) return jsonResponse(a.body, 200, a.cut ? { "x-neo-truncated": a.cut } : {});
  return jsonResponse(refusalBody(a, formatElapse(performance.now() - t0)), a.status);
}
