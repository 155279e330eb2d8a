// SuperMQ's channels under a domain (channels/api/http/transport.go), on neo's channels:
//   POST   /<domain>/channels {"name","metadata","tags","table"?}   201 + channel
//   GET    /<domain>/channels                                  {total,offset,limit,channels}
//   GET    /<domain>/channels/<id>                             200; DELETE 204
//   PATCH|PUT /<domain>/channels/<id> {"name","metadata","tags"}, PATCH .../tags {"tags"}   200
//   POST   /<domain>/channels/<id>/enable|disable              200 + channel
//   POST   /<domain>/channels/connect {"channel_ids","client_ids","types"}      201, empty
//   POST   /<domain>/channels/disconnect (the same body)                        204, empty
//   POST   /<domain>/channels/<id>/connect|disconnect {"client_ids","types"}  201 / 204
// Decided by authorize() in that domain: channels:create:*, channels:list:<id>,
// channels:update:<id> (update, tags, enable, disable), channels:delete:<id>,
// channels:connect|disconnect:<id>. A disabled channel refuses every publish and subscribe
// (authorize() reads its status). A client of another domain is never connected (404 here).
import { badRequest, conflict, forbidden } from "../../lib/errors.ts";
import { jsonResponse } from "../../lib/http/respond.ts";
import type { RouteContext, RouteSpec } from "../route.ts";
import { apiRoute, type DomainLookup, domainOf, fieldsOf, ids, inDomain, page, strings } from "./domain-common.ts";
import { readJson } from "./domains.ts";

interface DomainChannel {
  id: string;
  name: string | null;
  metadata: Record<string, unknown>;
  tags: string[];
  status: "enabled" | "disabled";
  table: string;
  createdAt: number;
  updatedAt: number | null;
  domainId: string;
}
type Ops = { publish: boolean; subscribe: boolean };
type Fields = { name?: string; metadata?: Record<string, unknown>; tags?: string[] };

export interface DomainChannelStore extends DomainLookup {
  create(o: Fields & { id: string; table: string; domainId: string }): DomainChannel;
  list(domainId: string): DomainChannel[];
  get(id: string): DomainChannel | null;
  update(id: string, p: Fields): DomainChannel;
  setStatus(id: string, status: DomainChannel["status"]): DomainChannel;
  delete(id: string): void;
  /** the domain a client (key) lives in, or null */
  clientDomain(id: string): string | null;
  /**
   * the domain a table belongs to: its channel's; a table that exists with no channel: the
   * default domain's; undefined: no such table yet (a new channel's own)
   */
  tableDomain(table: string): string | undefined;
  /** the group the channel is a member of (SuperMQ's parent_group_id), or null */
  groupOf(id: string): string | null;
  connect(channelId: string, clientId: string, ops: Ops): void;
  disconnect(channelId: string, clientId: string, ops: Ops): void;
}

const iso = (ms: number) => new Date(ms).toISOString();

const CODE = "invalid_request";
const opsOf = (v: unknown): Ops => {
  if (v === undefined) return { publish: true, subscribe: true };
  const t = ids(v, "types");
  if (t.some((x) => x !== "publish" && x !== "subscribe"))
    throw badRequest("invalid_request", 'types are "publish" and "subscribe"');
  return { publish: t.includes("publish"), subscribe: t.includes("subscribe") };
};

export function domainChannelRoutes(store: DomainChannelStore): RouteSpec[] {
  const channelJson = (c: DomainChannel, group = store.groupOf(c.id)) => ({
    id: c.id,
    name: c.name ?? "",
    domain_id: c.domainId,
    tags: c.tags,
    metadata: c.metadata,
    table: c.table,
    status: c.status,
    created_at: iso(c.createdAt),
    ...(group ? { parent_group_id: group } : {}),
    ...(c.updatedAt !== null ? { updated_at: iso(c.updatedAt) } : {}),
  });
  const channelOf = (id: string, domain: string) => inDomain(store.get(id), domain, "channel", id);
  /** connect or disconnect every pair, all checked before any change */
  function link(c: RouteContext, domain: string, channels: string[], b: Record<string, unknown>, on: boolean) {
    const clients = ids(b.client_ids, "client_ids");
    const ops = opsOf(b.types);
    for (const ch of channels) {
      c.need(on ? "channels:connect" : "channels:disconnect", ch, domain);
      channelOf(ch, domain);
    }
    for (const cl of clients) if (store.clientDomain(cl) !== domain) inDomain(null, domain, "client", cl);
    for (const ch of channels) for (const cl of clients) (on ? store.connect : store.disconnect)(ch, cl, ops);
    c.changed = { target: channels.join(","), detail: { clients, ...ops } };
    return new Response(null, { status: on ? 201 : 204 });
  }
  /** the path's channel after the caller's channels:update on it */
  const updatable = (c: RouteContext) => {
    const d = domainOf(store, c, true);
    c.need("channels:update", c.params.id ?? "", d);
    return channelOf(c.params.id ?? "", d);
  };
  const at = (p: string) => `/:domain/channels${p}`;
  const route = (method: RouteSpec["method"], path: string, change: string | undefined, h: RouteSpec["handler"]) =>
    apiRoute(method, at(path), change, h);
  const update = async (req: Request, c: RouteContext) => {
    const ch = updatable(c);
    return jsonResponse(channelJson(store.update(ch.id, fieldsOf(await readJson(req), CODE))));
  };
  const status = (op: "enable" | "disable") =>
    route("POST", `/:id/${op}`, `channel.${op}`, (_, c) =>
      jsonResponse(channelJson(store.setStatus(updatable(c).id, op === "enable" ? "enabled" : "disabled"))),
    );
  return [
    route("POST", "", "channel.create", async (req, c) => {
      const d = domainOf(store, c, true);
      c.need("channels:create", "*", d);
      const b = await readJson(req);
      const id = typeof b.id === "string" ? b.id : crypto.randomUUID();
      const table = typeof b.table === "string" ? b.table : `C_${id.replaceAll("-", "_").replaceAll(".", "_")}`;
      // a channel is a way to write its table: the caller must hold that right where the table
      // lives, and a table of another domain (or the default domain's) never joins this one
      const t = table.toUpperCase();
      const owner = store.tableDomain(t);
      if (owner !== undefined && owner !== d) {
        // refused there (audited) as any table the caller may not write, naming no domain
        if (!c.check("tables:write", t, owner).allow)
          throw forbidden("forbidden", `not allowed to write table ${t} (needs the scope tables:write:${t})`);
        throw conflict("table_taken", `table ${t} belongs to another domain`);
      }
      c.need("tables:write", t, d);
      const ch = store.create({ id, ...fieldsOf(b, CODE), table, domainId: d });
      if (b.status === "disabled") store.setStatus(ch.id, "disabled");
      c.changed = { target: ch.id, detail: { domain: d, table: ch.table } };
      return jsonResponse(channelJson(store.get(ch.id) ?? ch), 201);
    }),
    route("GET", "", undefined, (_, c) => {
      const d = domainOf(store, c, false);
      const mine = store.list(d).filter((ch) => c.may("channels:list", ch.id, d));
      if (mine.length === 0) c.need("channels:list", "*", d);
      return jsonResponse(page(c, "channels", mine, (ch) => channelJson(ch)));
    }),
    route("POST", "/connect", "channel.connect", async (req, c) => {
      const d = domainOf(store, c, true);
      const b = await readJson(req);
      return link(c, d, ids(b.channel_ids, "channel_ids"), b, true);
    }),
    route("POST", "/disconnect", "channel.disconnect", async (req, c) => {
      const d = domainOf(store, c, true);
      const b = await readJson(req);
      return link(c, d, ids(b.channel_ids, "channel_ids"), b, false);
    }),
    route("GET", "/:id", undefined, (_, c) => {
      const d = domainOf(store, c, false);
      c.need("channels:list", c.params.id ?? "", d);
      return jsonResponse(channelJson(channelOf(c.params.id ?? "", d)));
    }),
    route("PATCH", "/:id", "channel.update", update),
    route("PUT", "/:id", "channel.update", update),
    route("PATCH", "/:id/tags", "channel.update", async (req, c) => {
      const ch = updatable(c);
      const tags = strings((await readJson(req)).tags, "tags", CODE);
      return jsonResponse(channelJson(store.update(ch.id, { tags })));
    }),
    status("enable"),
    status("disable"),
    route("DELETE", "/:id", "channel.delete", (_, c) => {
      const d = domainOf(store, c, true);
      c.need("channels:delete", c.params.id ?? "", d);
      store.delete(channelOf(c.params.id ?? "", d).id);
      return new Response(null, { status: 204 });
    }),
    ...(["connect", "disconnect"] as const).map((op) =>
      route("POST", `/:id/${op}`, `channel.${op}`, async (req, c) =>
        link(c, domainOf(store, c, true), [c.params.id ?? ""], await readJson(req), op === "connect"),
      ),
    ),
  ];
}
