// Channel management, one set of handlers behind two doors (Mainflux's paths, neo's JSON):
//   /channels          any API credential (client token or certificate, login access key,
//                      PAT; anonymous with Auth.AnonymousScopes while token auth is off)
//   /web/api/channels  the console (a web session)
//   GET    /channels                  the channels the caller's channels:list scopes name
//   POST   /channels {id, name?, table?, metadata?}    channels:create:<id> AND tables:write:<table>
//   GET    /channels/<id>                              channels:list:<id>
//   DELETE /channels/<id>            disconnects everyone                channels:delete:<id>
//   POST   /channels/<id>/connect    {client_id, publish?, subscribe?}   channels:connect:<id>
//                                    (and tables:write:<its table> to connect a publisher)
//   POST   /channels/<id>/disconnect {client_id}                         channels:disconnect:<id>
// Both doors are the default domain's (defaultDomainChannels): another domain's channel is 404 here.
// A channel is a way to write its table: whoever points one at table T, or lets a
// publisher in, must hold tables:write:T. Changes are audited by the runner.
// Mainflux's provisioning calls use the same routes (`POST /channels {"name"}`, its bare
// `Authorization: <token>`, its paging): each handler answers them Mainflux's way
// (mainflux-channels.ts), so neither kind of client notices the other.
import { badRequest } from "../../lib/errors.ts";
import { readJsonBody } from "../json-body.ts";
import { CONSOLE, PROVISION, type RouteContext, type RouteSpec, type Who } from "../route.ts";
import { type ChannelStore, createChannelsService, defaultDomainChannels, grantsPublish } from "./channels-service.ts";
import { asksMainflux } from "./mainflux-shapes.ts";
import { createMainfluxChannels, createsMainflux, listsMainflux } from "./mainflux-channels.ts";

export function channelRoutes(all: ChannelStore): RouteSpec[] {
  const store = defaultDomainChannels(all);
  const api = createChannelsService(store);
  const mf = createMainfluxChannels(store, api.tableOf);
  /** is this a Mainflux caller on the script door (/channels)? the console never is */
  const mainflux = (req: Request, c: RouteContext) => !c.url.pathname.startsWith("/web/") && asksMainflux(req);
  const create = async (req: Request, c: RouteContext) => {
    const body = await readJsonBody(req);
    if (!c.url.pathname.startsWith("/web/") && createsMainflux(req, body)) return mf.create(c, body);
    const id = body.id;
    if (typeof id !== "string" || id === "") throw badRequest("bad_request", 'give the new channel\'s "id"');
    c.need("channels:create", id);
    const table = api.tableOf(id, body);
    if (table !== undefined) c.need("tables:write", table);
    c.changed = { target: id };
    return api.create(c.started, body);
  };
  const connect = async (req: Request, c: RouteContext) => {
    const body = await readJsonBody(req);
    // connecting a publisher lets it write the channel's table: the caller must hold that right
    const table = grantsPublish(body) ? api.tableOf(c.params.id!) : undefined;
    if (table !== undefined) c.need("tables:write", table);
    return api.connect(c.started, c.params.id!, body);
  };
  const disconnect = async (req: Request, c: RouteContext) =>
    api.disconnect(c.started, c.params.id!, await readJsonBody(req));
  const both = (prefix: string, who: Who): RouteSpec[] => [
    { method: "POST", path: prefix, who, change: "channel.create", handler: create },
    {
      method: "DELETE",
      path: `${prefix}/:id`,
      who,
      scope: { op: "channels:delete", target: ":id" },
      change: "channel.delete",
      handler: (req, c) => (mainflux(req, c) ? mf.remove(c) : api.remove(c.started, c.params.id!)),
    },
    {
      method: "POST",
      path: `${prefix}/:id/connect`,
      who,
      scope: { op: "channels:connect", target: ":id" },
      change: "channel.connect",
      handler: connect,
    },
    {
      method: "POST",
      path: `${prefix}/:id/disconnect`,
      who,
      scope: { op: "channels:disconnect", target: ":id" },
      change: "channel.disconnect",
      handler: disconnect,
    },
  ];
  return [
    {
      method: "GET",
      path: "/channels",
      who: PROVISION,
      handler: (req, c) => {
        if (listsMainflux(req, c.url)) return mf.list(c);
        // the channels its channels:list scopes name; with none at all it is refused
        if (!c.principal?.scopes.some((s) => s.operation === "channels:list" && !s.deny)) c.need("channels:list", "*");
        return api.list(c.started, (ch) => c.may("channels:list", ch));
      },
    },
    {
      method: "GET",
      path: "/channels/:id",
      who: PROVISION,
      scope: { op: "channels:list", target: ":id" },
      handler: (req, c) => (mainflux(req, c) ? mf.get(c) : api.get(c.started, c.params.id!)),
    },
    mf.bulk,
    ...both("/channels", PROVISION),
    {
      method: "GET",
      path: "/web/api/channels",
      who: CONSOLE,
      handler: (_, c) => api.list(c.started, (ch) => c.may("channels:list", ch)),
    },
    ...both("/web/api/channels", CONSOLE),
  ];
}
