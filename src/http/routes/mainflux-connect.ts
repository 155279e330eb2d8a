// Mainflux's connections (things/api/things/http): a connection is the thing's pair of
// channel scopes (channels:publish|subscribe:<channel>), as `neo shell channel connect`
// and /channels/<id>/connect make it, so a live session sees it within a second.
//   POST   /connect {"channel_ids":[...],"thing_ids":[...]}   200, empty (every pair; all checked first)
//   POST|PUT /disconnect (the same body)                     200, empty
//   PUT    /channels/<ch>/things/<thing>                      200, empty
//   DELETE /channels/<ch>/things/<thing>                      204
//   GET    /channels/<id>/things[?connected=false]            {total,offset,limit,things:[{id,name,metadata}]}
// Default domain only. Decided like neo's connect: channels:connect:<ch> and
// tables:write:<its table> (a publisher writes it), channels:disconnect:<ch>,
// channels:list:<ch> and keys:list:<thing> to see who is connected.
import { DEFAULT_DOMAIN_ID } from "../../lib/domain-id.ts";
import { notFound } from "../../lib/errors.ts";
import { PROVISION, type RouteContext, type RouteSpec } from "../route.ts";
import { empty, idList, objectBody, page, readJsonValue, type ThingLike, thingJson } from "./mainflux-shapes.ts";

export interface ConnectStore {
  channel(id: string): { id: string; table: string; domainId?: string } | null;
  /** a client key's profile, with its domain */
  thing(id: string): (ThingLike & { domainId: string }) | null;
  /** the default domain's things */
  things(): ThingLike[];
  /** client ids connected to the channel (publish or subscribe) */
  connectedTo(channelId: string): Set<string>;
  /** both rights (publish and subscribe), as Mainflux's connection gives */
  connect(channelId: string, thingId: string): void;
  /** every right of the thing on the channel */
  disconnect(channelId: string, thingId: string): void;
}

const D = DEFAULT_DOMAIN_ID;

export function mainfluxConnectRoutes(store: ConnectStore): RouteSpec[] {
  const channelOf = (id: string) => {
    const ch = store.channel(id);
    if (!ch || (ch.domainId ?? D) !== D) throw notFound("channel_not_found", `channel ${JSON.stringify(id)} not found`);
    return ch;
  };
  const thingOf = (id: string) => {
    const t = store.thing(id);
    if (!t || t.domainId !== D) throw notFound("thing_not_found", `thing ${JSON.stringify(id)} not found`);
    return t;
  };
  /** every pair checked (rights, existence) before any change */
  function link(c: RouteContext, channels: string[], things: string[], on: boolean) {
    for (const ch of channels) {
      c.need(on ? "channels:connect" : "channels:disconnect", ch, D);
      const found = channelOf(ch);
      if (on) c.need("tables:write", found.table, D);
    }
    for (const t of things) thingOf(t);
    for (const ch of channels) for (const t of things) (on ? store.connect : store.disconnect)(ch, t);
    c.changed = { target: channels.join(","), detail: { things, via: "mainflux" } };
  }
  const bulk = (on: boolean) => async (req: Request, c: RouteContext) => {
    const b = objectBody(await readJsonValue(req));
    link(c, idList(b.channel_ids, "channel_ids"), idList(b.thing_ids, "thing_ids"), on);
    return empty(200);
  };
  const one = (on: boolean) => (_: Request, c: RouteContext) => {
    link(c, [c.params.ch!], [c.params.thing!], on);
    return empty(on ? 200 : 204);
  };
  return [
    { method: "POST", path: "/connect", who: PROVISION, change: "channel.connect", handler: bulk(true) },
    { method: "POST", path: "/disconnect", who: PROVISION, change: "channel.disconnect", handler: bulk(false) },
    { method: "PUT", path: "/disconnect", who: PROVISION, change: "channel.disconnect", handler: bulk(false) },
    {
      method: "PUT",
      path: "/channels/:ch/things/:thing",
      who: PROVISION,
      change: "channel.connect",
      handler: one(true),
    },
    {
      method: "DELETE",
      path: "/channels/:ch/things/:thing",
      who: PROVISION,
      change: "channel.disconnect",
      handler: one(false),
    },
    {
      method: "GET",
      path: "/channels/:id/things",
      who: PROVISION,
      scope: { op: "channels:list", target: ":id" },
      handler: (_, c) => {
        const mine = store.connectedTo(channelOf(c.params.id!).id);
        const want = c.url.searchParams.get("connected") !== "false";
        const shown = store
          .things()
          .filter((t) => mine.has(t.id) === want && c.may("keys:list", t.id, D))
          .map((t) => thingJson(t));
        return page(c.url, "things", shown);
      },
    },
  ];
}
