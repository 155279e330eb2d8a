// Mainflux's channels on neo's /channels routes (channels.ts dispatches here): ONE route
// per method and path, the answer shaped by how the caller asks. Mainflux's way is a body
// without neo's "id" (POST), or the bare `Authorization: <token>` its scripts send, or
// Mainflux's paging (?offset, ?limit on GET /channels); neo's own scripts (Bearer, {"id",
// "table"}) get neo's {success,data} as before. Mainflux's channels are the default domain's.
//   POST   /channels {"name","metadata"}  201, Location: /channels/<id>, body {id,name,metadata}
//   POST   /channels/bulk [{...},...]     201 {"channels":[...]} (all or none)
//   GET    /channels                      {total,offset,limit,channels:[{id,name,metadata}]}
//   GET    /channels/<id>                 {id,name,metadata};  DELETE /channels/<id>  204
// The same decisions as neo's form: channels:create:<id> and tables:write:<its table>,
// channels:list:<id>, channels:delete:<id>, in the default domain.
import { DEFAULT_DOMAIN_ID } from "../../lib/domain-id.ts";
import { badRequest, conflict, notFound } from "../../lib/errors.ts";
import { jsonResponse } from "../../lib/http/respond.ts";
import { PROVISION, type RouteContext, type RouteSpec } from "../route.ts";
import type { ChannelStore } from "./channels-service.ts";
import {
  asksMainflux,
  empty,
  entityFields,
  listFilter,
  mfChannelJson,
  objectBody,
  page,
  readJsonValue,
} from "./mainflux-shapes.ts";

const D = DEFAULT_DOMAIN_ID;
const PAGING = ["offset", "limit", "name", "metadata"];

/** GET /channels asked Mainflux's way: its bare header or its paging parameters */
export const listsMainflux = (req: Request, url: URL) =>
  asksMainflux(req) || PAGING.some((p) => url.searchParams.has(p));

/**
 * a create body in Mainflux's shape: never with neo's "table"; without neo's "id", or sent
 * with Mainflux's bare header (Mainflux's bulk bodies may name an id)
 */
export const createsMainflux = (req: Request, body: Record<string, unknown>) =>
  body.table === undefined && (asksMainflux(req) || body.id === undefined);

export function createMainfluxChannels(
  store: ChannelStore,
  tableOf: (id: string, body?: Record<string, unknown>) => string | undefined,
) {
  const inDefault = (ch: { domainId?: string } | null) => ch !== null && (ch.domainId ?? D) === D;
  const channelOf = (id: string) => {
    const ch = store.get(id);
    if (!ch || !inDefault(ch)) throw notFound("channel_not_found", `channel ${JSON.stringify(id)} not found`);
    return ch;
  };
  /** checked fields of one new channel; the caller must be allowed to create it and write its table */
  const planned = (c: RouteContext, v: unknown) => {
    const f = entityFields(objectBody(v), "channel");
    const id = f.id ?? crypto.randomUUID();
    c.need("channels:create", id);
    const table = tableOf(id, {});
    if (table === undefined) throw badRequest("invalid_channel_id", `no table name can be made from ${id}`);
    c.need("tables:write", table);
    if (store.get(id)) throw conflict("channel_exists", `channel ${id} already exists`);
    return { ...f, id };
  };
  const make = (t: ReturnType<typeof planned>) =>
    mfChannelJson(store.create({ id: t.id, name: t.name, ...(t.metadata ? { metadata: t.metadata } : {}) }));

  return {
    create(c: RouteContext, body: Record<string, unknown>): Response {
      const t = planned(c, body);
      const made = make(t);
      c.changed = { target: t.id, detail: { via: "mainflux" } };
      return jsonResponse(made, 201, { location: `/channels/${encodeURIComponent(t.id)}` });
    },
    list(c: RouteContext): Response {
      const wanted = listFilter(c.url);
      const mine = store.list().filter((ch) => inDefault(ch) && c.may("channels:list", ch.id) && wanted(ch));
      if (mine.length === 0 && !c.may("channels:list", "*")) c.need("channels:list", "*");
      return page(c.url, "channels", mine.map(mfChannelJson));
    },
    get(c: RouteContext): Response {
      return jsonResponse(mfChannelJson(channelOf(c.params.id!)));
    },
    remove(c: RouteContext): Response {
      store.delete(channelOf(c.params.id!).id);
      return empty(204);
    },
    /** POST /channels/bulk (Mainflux only) */
    bulk: {
      method: "POST",
      path: "/channels/bulk",
      who: PROVISION,
      change: "channel.create",
      handler: async (req, c) => {
        const v = await readJsonValue(req);
        if (!Array.isArray(v) || v.length === 0 || v.length > 1000)
          throw badRequest("bad_request", "send a JSON array of 1 to 1000 channels");
        const all = v.map((x) => planned(c, x));
        if (new Set(all.map((t) => t.id)).size !== all.length) throw badRequest("bad_request", "channel ids repeat");
        const made: ReturnType<typeof mfChannelJson>[] = [];
        try {
          for (const t of all) made.push(make(t));
        } catch (e) {
          for (const m of made) store.delete(m.id); // all or none, as Mainflux
          throw e;
        }
        c.changed = { target: all.map((t) => t.id).join(","), detail: { via: "mainflux" } };
        return jsonResponse({ channels: made }, 201);
      },
    } satisfies RouteSpec,
  };
}
