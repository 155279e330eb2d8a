// Mainflux/SuperMQ's readers API: GET /channels/<id>/messages answers what a channel
// stored, as SenML messages, paged and filtered with the readers' parameters
// (readers-query.ts), in their JSON shape: {offset, limit, ...the filters, total,
// messages: [{channel, subtopic, publisher, protocol, name, unit, time, value, ...}]}.
// The runner identifies the caller (THINGS: client token as `Thing`/`Client`/`Bearer`,
// Basic, ?authorization=, certificate, PAT, access key; anonymous by Auth.AnonymousScopes
// while token auth is off); the handler asks the channel's subscribe right
// (`channels:subscribe:<id>`) before it reads. The SQL runs in the query processes
// (Query.Timeout). SuperMQ's form `/<domain>/channels/<id>/messages` (the domain by id or
// route) answers the same for a channel of that domain: unknown domain or a channel not in
// it 404. Both forms ask authorize() in the channel's own domain (as the MQTT and HTTP
// adapters do), so a key of another domain is refused (403) whatever its scopes say.
import { shareKey } from "../../auth/index.ts";
import { forbidden, notFound } from "../../lib/errors.ts";
import { methodNotAllowed } from "../../lib/http/respond.ts";
import { toJson } from "../../lib/json-text.ts";
import { parseReaderQuery, type ReaderQuery, readerSql } from "../../query/index.ts";
import { type RouteContext, THINGS, type RouteSpec } from "../route.ts";

export type ReadRows = { ok: true; rows: unknown[][] } | { ok: false; status: number; reason: string };

export interface ReaderDeps {
  /** channel `id`: the table it stores its records in and its domain; undefined: no such channel */
  channel(id: string): { table: string; domainId: string } | undefined;
  /** a SuperMQ domain by id or route, or null */
  domain(idOrRoute: string): { id: string } | null;
  /** run one read-only statement in a query process (in `who`'s share of the pool); a missing table reads as no rows */
  read(sql: string, who: string): Promise<ReadRows>;
}

const rawJSON = (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON;
const FIELDS = ["channel", "publisher", "protocol", "subtopic", "name", "unit"] as const;

/** one stored row as SuperMQ's SenML message (empty fields left out, time exact) */
function message(row: unknown[], channel: string, aggregated: boolean): Record<string, unknown> {
  const [ts, ...rest] = row;
  const m: Record<string, unknown> = { channel };
  FIELDS.forEach((f, i) => {
    const v = rest[i];
    if (typeof v === "string" && v !== "") m[f] = v;
  });
  m.channel = channel;
  if (typeof ts === "string" && /^-?\d+$/.test(ts)) m.time = rawJSON(ts);
  const [value, vs, vb, vd, sum] = rest.slice(FIELDS.length);
  if (typeof value === "number") m.value = value;
  if (aggregated) return m;
  if (typeof vs === "string") m.string_value = vs;
  if (vb === 0 || vb === 1) m.bool_value = vb === 1;
  if (typeof vd === "string") m.data_value = vd;
  if (typeof sum === "number") m.sum = sum;
  return m;
}

/** the page's metadata as SuperMQ echoes it (omitempty), then total and messages */
function page(q: ReaderQuery, p: URLSearchParams, total: number, messages: unknown[]): string {
  const out: Record<string, unknown> = { offset: q.offset, limit: q.limit, order: q.order, dir: q.dir };
  for (const k of ["subtopic", "publisher", "protocol", "name", "comparator", "vs", "vd"] as const)
    if (q[k] !== undefined) out[k] = q[k];
  if (q.v !== undefined) out.v = q.v;
  if (q.vb) out.vb = true;
  for (const k of ["from", "to"] as const) if (q[k] !== undefined) out[k] = Number(p.get(k));
  out.format = "messages";
  if (q.aggregation) {
    out.aggregation = q.aggregation;
    out.interval = q.interval;
  }
  out.total = total;
  out.messages = messages;
  return toJson(out);
}

export function channelReaderRoutes(d: ReaderDeps): RouteSpec[] {
  const channelNotFound = (id: string) => notFound("not_found", `channel ${JSON.stringify(id)} not found`);
  /**
   * Mainflux's spelling names no domain: the right is asked in the channel's (or, for none, the
   * default domain), and a refusal is the same text either way (audited with its reason), so it
   * tells nothing of a channel of another domain nor of that domain
   */
  const mayRead = (c: RouteContext, id: string, domain?: string) => {
    if (c.check("channels:subscribe", id, domain).allow) return;
    throw forbidden(
      "forbidden",
      `not allowed to subscribe to channel ${id} (needs the scope channels:subscribe:${id})`,
    );
  };
  /** the channel's SenML page, once the caller may subscribe to it (asked by the route) */
  async function answer(req: Request, c: RouteContext, id: string, ch: { table: string; domainId: string }) {
    const params = new URL(req.url).searchParams;
    const q = parseReaderQuery(params);
    const sql = readerSql(`${ch.table}_SENML`, id, q);
    const who = shareKey(c.principal, c.address);
    const [rows, count] = await Promise.all([d.read(sql.page, who), d.read(sql.total, who)]);
    for (const r of [rows, count])
      if (!r.ok) return Response.json({ success: false, reason: r.reason }, { status: r.status });
    const total = rows.ok && count.ok ? Number(count.rows[0]?.[0] ?? 0) : 0;
    const list = rows.ok ? rows.rows.map((r) => message(r, id, q.aggregation !== undefined)) : [];
    return new Response(page(q, params, total, list), {
      headers: { "content-type": "application/json", "cache-control": "no-store" },
    });
  }
  return [
    {
      method: "GET",
      path: "/channels/:id/messages",
      who: THINGS,
      // decided in the channel's domain (answer()); an unknown channel in the default one
      handler: (req, c) => {
        const id = c.params.id!;
        const ch = d.channel(id);
        mayRead(c, id, ch?.domainId);
        if (ch !== undefined) return answer(req, c, id, ch);
        throw channelNotFound(id);
      },
    },
    {
      // SuperMQ's form, resolved and decided as the other /<domain>/... routes are
      method: "GET",
      path: "/:domain/channels/:id/messages",
      who: THINGS,
      handler: (req, c) => {
        // Mainflux's paths win: /http/channels/<id>/messages is the HTTP adapter's (POST only),
        // as /ws/channels/<id>/messages is its WebSocket; a domain routed "http" or "ws" is read by id
        if (c.params.domain === "http") return methodNotAllowed("POST");
        const dom = d.domain(c.params.domain!);
        if (!dom) throw notFound("domain_not_found", `domain ${JSON.stringify(c.params.domain)} not found`);
        const id = c.params.id!;
        c.need("channels:subscribe", id, dom.id);
        const ch = d.channel(id);
        if (ch === undefined || ch.domainId !== dom.id) throw channelNotFound(id);
        return answer(req, c, id, ch);
      },
    },
  ];
}
