// Mainflux's things (things/api/things/http): a thing IS a neo key of the default domain,
// made by the same code as SuperMQ's /<domain>/clients (DomainClientStore: registry key,
// certificate, profile), so it shows in `neo shell key list` and its key is the token a
// device uses (MQTT -u <id> -P <key>, `Authorization: Thing <key>`).
//   POST   /things {"name","metadata"}    201, Location: /things/<id>, body {id,name,key,metadata}
//   POST   /things/bulk [{...},...]       201 {"things":[{id,name,key,metadata}]} (all or none)
//   GET    /things[?offset&limit&name&metadata]   {total,offset,limit,things:[{id,name,metadata}]}
//   GET    /things/<id>                   {id,name,metadata}; PUT {"name","metadata"} 200; DELETE 204
//   GET    /things/<id>/channels[?connected=false]   {total,offset,limit,channels}
// The key is shown once, at creation (neo stores only its HMAC): GET never shows it.
// Decided in the default domain: keys:create:<id>, keys:list:<id>, keys:rotate:<id>
// (update), keys:delete:<id>. Credentials: PROVISION (a user's access key as Mainflux's
// bare `Authorization: <token>`, Bearer, a PAT, a client token).
import { DEFAULT_DOMAIN_ID } from "../../lib/domain-id.ts";
import { badRequest, conflict, notFound } from "../../lib/errors.ts";
import { jsonResponse } from "../../lib/http/respond.ts";
import { PROVISION, type RouteContext, type RouteSpec } from "../route.ts";
import type { DomainClientStore } from "./domain-clients.ts";
import {
  type ChannelLike,
  empty,
  entityFields,
  listFilter,
  mfChannelJson,
  objectBody,
  page,
  readJsonValue,
  thingJson,
} from "./mainflux-shapes.ts";

export interface ThingStore {
  /** the same store as /<domain>/clients: one key store */
  clients: Pick<DomainClientStore, "create" | "list" | "get" | "update" | "delete">;
  /** the default domain's channels */
  channels(): (ChannelLike & { id: string })[];
  /** the channel ids a client's key is connected to (publish or subscribe) */
  connectedTo(clientId: string): Set<string>;
}

const D = DEFAULT_DOMAIN_ID;

export function mainfluxThingRoutes(store: ThingStore): RouteSpec[] {
  const { clients } = store;
  /** a thing of the default domain (another domain's client is not found here) */
  const thingOf = (id: string) => {
    const p = clients.get(id);
    if (!p || p.domainId !== D) throw notFound("thing_not_found", `thing ${JSON.stringify(id)} not found`);
    return p;
  };
  /** checked fields of one new thing; the caller must hold keys:create on its id */
  const planned = (c: RouteContext, v: unknown) => {
    const b = objectBody(v);
    if (b.key !== undefined)
      throw badRequest("bad_request", "neo makes the thing's key itself (256 random bits): leave key out");
    const f = entityFields(b, "thing");
    const id = f.id ?? crypto.randomUUID();
    c.need("keys:create", id, D);
    if (clients.get(id)) throw conflict("thing_exists", `thing ${id} already exists`);
    return { ...f, id };
  };
  const make = async (t: ReturnType<typeof planned>) => {
    const metadata = t.metadata ?? {};
    const { token } = await clients.create({
      id: t.id,
      domainId: D,
      name: t.name,
      tags: [],
      metadata,
      disabled: false,
    });
    return thingJson({ id: t.id, name: t.name, metadata }, token);
  };
  return [
    {
      method: "POST",
      path: "/things",
      who: PROVISION,
      change: "client.create",
      handler: async (req, c) => {
        const t = planned(c, await readJsonValue(req));
        const made = await make(t);
        c.changed = { target: t.id, detail: { domain: D, via: "mainflux" } };
        return jsonResponse(made, 201, { location: `/things/${encodeURIComponent(t.id)}` });
      },
    },
    {
      method: "POST",
      path: "/things/bulk",
      who: PROVISION,
      change: "client.create",
      handler: async (req, c) => {
        const v = await readJsonValue(req);
        if (!Array.isArray(v) || v.length === 0 || v.length > 1000)
          throw badRequest("bad_request", "send a JSON array of 1 to 1000 things");
        const all = v.map((x) => planned(c, x));
        if (new Set(all.map((t) => t.id)).size !== all.length) throw badRequest("bad_request", "thing ids repeat");
        const made: ReturnType<typeof thingJson>[] = [];
        try {
          for (const t of all) made.push(await make(t));
        } catch (e) {
          for (const m of made) clients.delete(m.id); // all or none, as Mainflux
          throw e;
        }
        c.changed = { target: all.map((t) => t.id).join(","), detail: { domain: D, via: "mainflux" } };
        return jsonResponse({ things: made }, 201);
      },
    },
    {
      method: "GET",
      path: "/things",
      who: PROVISION,
      handler: (_, c) => {
        const wanted = listFilter(c.url);
        const mine = clients.list(D).filter((p) => c.may("keys:list", p.id, D) && wanted(p));
        if (mine.length === 0 && !c.may("keys:list", "*", D)) c.need("keys:list", "*", D); // nothing visible: say why
        return page(
          c.url,
          "things",
          mine.map((p) => thingJson(p)),
        );
      },
    },
    {
      method: "GET",
      path: "/things/:id",
      who: PROVISION,
      handler: (_, c) => {
        c.need("keys:list", c.params.id!, D);
        return jsonResponse(thingJson(thingOf(c.params.id!)));
      },
    },
    {
      method: "PUT",
      path: "/things/:id",
      who: PROVISION,
      change: "client.update",
      handler: async (req, c) => {
        c.need("keys:rotate", c.params.id!, D);
        const p = thingOf(c.params.id!);
        const b = objectBody(await readJsonValue(req));
        // Mainflux updates name and metadata only: an id or key sent along (its SDK's Thing) is ignored
        const f = entityFields({ ...b, id: undefined, key: undefined }, "thing");
        clients.update(p.id, { name: f.name, ...(f.metadata ? { metadata: f.metadata } : {}) });
        return empty(200);
      },
    },
    {
      method: "DELETE",
      path: "/things/:id",
      who: PROVISION,
      change: "client.delete",
      handler: (_, c) => {
        c.need("keys:delete", c.params.id!, D);
        clients.delete(thingOf(c.params.id!).id);
        return empty(204);
      },
    },
    {
      method: "GET",
      path: "/things/:id/channels",
      who: PROVISION,
      handler: (_, c) => {
        c.need("keys:list", c.params.id!, D);
        const mine = store.connectedTo(thingOf(c.params.id!).id);
        const want = c.url.searchParams.get("connected") !== "false";
        const shown = store
          .channels()
          .filter((ch) => mine.has(ch.id) === want && c.may("channels:list", ch.id, D))
          .map(mfChannelJson);
        return page(c.url, "channels", shown);
      },
    },
  ];
}
