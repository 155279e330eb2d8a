// SuperMQ's channels under a domain (channels/api/http/transport.go), on neo's channels:
//   POST   /<domain>/channels {"name","metadata","table"?}     201 + channel
//   GET    /<domain>/channels                                  {total,offset,limit,channels}
//   GET    /<domain>/channels/<id>                             200; DELETE 204
//   POST   /<domain>/channels/connect {"channel_ids","client_ids","types"}      201, empty
//   POST   /<domain>/channels/disconnect (the same body)                        204, empty
//   POST   /<domain>/channels/<id>/connect|disconnect {"client_ids","types"}  201 / 204
// Decided by authorize() in that domain: channels:create:*, channels:list:<id>,
// channels:delete:<id>, channels:connect|disconnect:<id>. A client of another domain is
// never connected (404 here). The channel's SenML goes to table `table` (default C_<id>).
import { badRequest, forbidden, notFound } from "../../lib/errors.ts";
import { jsonResponse } from "../../lib/http/respond.ts";
import { API, type RouteContext, type RouteSpec } from "../route.ts";
import { readJson } from "./domains.ts";

interface DomainChannel {
  id: string;
  name: string | null;
  metadata: Record<string, unknown>;
  table: string;
  createdAt: number;
  domainId: string;
}
type Ops = { publish: boolean; subscribe: boolean };

export interface DomainChannelStore {
  domain(idOrRoute: string): { id: string; status: string } | null;
  create(o: {
    id: string;
    name?: string;
    metadata?: Record<string, unknown>;
    table: string;
    domainId: string;
  }): DomainChannel;
  list(domainId: string): DomainChannel[];
  get(id: string): DomainChannel | null;
  delete(id: string): void;
  /** the domain a client (key) lives in, or null */
  clientDomain(id: string): string | null;
  connect(channelId: string, clientId: string, ops: Ops): void;
  disconnect(channelId: string, clientId: string, ops: Ops): void;
}

const channelJson = (c: DomainChannel) => ({
  id: c.id,
  name: c.name ?? "",
  domain_id: c.domainId,
  metadata: c.metadata,
  table: c.table,
  status: "enabled",
  created_at: new Date(c.createdAt).toISOString(),
});

const ids = (v: unknown, what: string): string[] => {
  if (!Array.isArray(v) || v.length === 0 || v.some((x) => typeof x !== "string") || v.length > 1000)
    throw badRequest("invalid_request", `${what} must be a non-empty array of ids`);
  return v as string[];
};
const opsOf = (v: unknown): Ops => {
  if (v === undefined) return { publish: true, subscribe: true };
  const t = ids(v, "types");
  if (t.some((x) => x !== "publish" && x !== "subscribe"))
    throw badRequest("invalid_request", 'types are "publish" and "subscribe"');
  return { publish: t.includes("publish"), subscribe: t.includes("subscribe") };
};

export function domainChannelRoutes(store: DomainChannelStore): RouteSpec[] {
  const domainOf = (c: RouteContext, change: boolean) => {
    const d = store.domain(c.params.domain ?? "");
    if (!d) throw notFound("domain_not_found", `domain ${JSON.stringify(c.params.domain)} not found`);
    if (change && d.status !== "enabled") throw forbidden("domain_disabled", `domain ${d.id} is ${d.status}`);
    return d.id;
  };
  const channelOf = (id: string, domain: string) => {
    const ch = store.get(id);
    if (!ch || ch.domainId !== domain) throw notFound("channel_not_found", `channel ${JSON.stringify(id)} not found`);
    return ch;
  };
  /** connect or disconnect every pair, all checked before any change */
  function link(c: RouteContext, domain: string, channels: string[], b: Record<string, unknown>, on: boolean) {
    const clients = ids(b.client_ids, "client_ids");
    const ops = opsOf(b.types);
    for (const ch of channels) {
      c.need(on ? "channels:connect" : "channels:disconnect", ch, domain);
      channelOf(ch, domain);
    }
    for (const cl of clients)
      if (store.clientDomain(cl) !== domain)
        throw notFound("client_not_found", `client ${JSON.stringify(cl)} not found`);
    for (const ch of channels) for (const cl of clients) (on ? store.connect : store.disconnect)(ch, cl, ops);
    c.changed = { target: channels.join(","), detail: { clients, ...ops } };
    return new Response(null, { status: on ? 201 : 204 });
  }
  const at = (p: string) => `/:domain/channels${p}`;
  return [
    {
      method: "POST",
      path: at(""),
      who: API,
      change: "channel.create",
      handler: async (req, c) => {
        const d = domainOf(c, true);
        c.need("channels:create", "*", d);
        const b = await readJson(req);
        const id = typeof b.id === "string" ? b.id : crypto.randomUUID();
        if (b.name !== undefined && typeof b.name !== "string")
          throw badRequest("invalid_request", "name must be a string");
        if (
          b.metadata !== undefined &&
          (typeof b.metadata !== "object" || b.metadata === null || Array.isArray(b.metadata))
        )
          throw badRequest("invalid_request", "metadata must be an object");
        const table = typeof b.table === "string" ? b.table : `C_${id.replaceAll("-", "_").replaceAll(".", "_")}`;
        const ch = store.create({
          id,
          ...(typeof b.name === "string" ? { name: b.name } : {}),
          ...(b.metadata ? { metadata: b.metadata as Record<string, unknown> } : {}),
          table,
          domainId: d,
        });
        c.changed = { target: ch.id, detail: { domain: d, table: ch.table } };
        return jsonResponse(channelJson(ch), 201);
      },
    },
    {
      method: "GET",
      path: at(""),
      who: API,
      handler: (_, c) => {
        const d = domainOf(c, false);
        const q = c.url.searchParams;
        const offset = Math.max(0, Number(q.get("offset") ?? 0) || 0);
        const limit = Math.min(100, Math.max(1, Number(q.get("limit") ?? 10) || 10));
        const mine = store.list(d).filter((ch) => c.may("channels:list", ch.id, d));
        if (mine.length === 0) c.need("channels:list", "*", d);
        return jsonResponse({
          total: mine.length,
          offset,
          limit,
          channels: mine.slice(offset, offset + limit).map(channelJson),
        });
      },
    },
    {
      method: "POST",
      path: at("/connect"),
      who: API,
      change: "channel.connect",
      handler: async (req, c) => {
        const d = domainOf(c, true);
        const b = await readJson(req);
        return link(c, d, ids(b.channel_ids, "channel_ids"), b, true);
      },
    },
    {
      method: "POST",
      path: at("/disconnect"),
      who: API,
      change: "channel.disconnect",
      handler: async (req, c) => {
        const d = domainOf(c, true);
        const b = await readJson(req);
        return link(c, d, ids(b.channel_ids, "channel_ids"), b, false);
      },
    },
    {
      method: "GET",
      path: at("/:id"),
      who: API,
      handler: (_, c) => {
        const d = domainOf(c, false);
        c.need("channels:list", c.params.id ?? "", d);
        return jsonResponse(channelJson(channelOf(c.params.id ?? "", d)));
      },
    },
    {
      method: "DELETE",
      path: at("/:id"),
      who: API,
      change: "channel.delete",
      handler: (_, c) => {
        const d = domainOf(c, true);
        c.need("channels:delete", c.params.id ?? "", d);
        store.delete(channelOf(c.params.id ?? "", d).id);
        return new Response(null, { status: 204 });
      },
    },
    ...(["connect", "disconnect"] as const).map(
      (op): RouteSpec => ({
        method: "POST",
        path: at(`/:id/${op}`),
        who: API,
        change: `channel.${op}`,
        handler: async (req, c) =>
          link(c, domainOf(c, true), [c.params.id ?? ""], await readJson(req), op === "connect"),
      }),
    ),
  ];
}
