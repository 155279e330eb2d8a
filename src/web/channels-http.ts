// Channel management over HTTP for scripts: any caller identify() knows (client token or
// certificate, login access key, PAT; anonymous with Auth.AnonymousScopes when token auth
// is off). Mainflux's paths and neo's JSON:
//   GET    /channels                      the channels the caller's channels:list scopes name
//   POST   /channels                      {id, name?, table?, metadata?}      channels:create:<id>
//   GET    /channels/<id>                                                     channels:list:<id>
//   DELETE /channels/<id>                 disconnects everyone                channels:delete:<id>
//   POST   /channels/<id>/connect         {client_id, publish?, subscribe?}   channels:connect:<id>
//   POST   /channels/<id>/disconnect      {client_id}                         channels:disconnect:<id>
// The handlers are the web UI's (channels-api.ts); every action is first decided by
// authorize(), and every change is audited like the web API's. The HTTP server's route
// table mounts these with its "client" requirement.
import { authorize, type Identified, type Operation, principalName } from "../auth/index.ts";
import { badRequest, forbidden, unauthorized } from "../lib/errors.ts";
import type { Params, Route } from "../lib/http/routes.ts";
import type { AuditLog } from "../registry/index.ts";
import { type createChannelsApi, grantsPublish } from "./channels-api.ts";
import { readJsonBody } from "./people-api.ts";

/** what a route gets from the HTTP server (a subset of its context) */
export interface ChannelCaller {
  params: Params;
  principal?: Identified;
  clientIp?: string;
}

type ChannelsApi = ReturnType<typeof createChannelsApi>;

const who = (c: ChannelCaller): Identified => {
  if (!c.principal) throw unauthorized("unauthorized", "channel management needs a token or client certificate");
  return c.principal;
};

/** the caller, once authorize() let it do `op` on channel `id` */
function allowed(c: ChannelCaller, op: Operation, id: string): Identified {
  const p = who(c);
  const d = authorize(p, op, id);
  if (!d.allow) throw forbidden("forbidden", `${d.reason} (needs the scope ${op}:${id})`);
  return p;
}

export function channelManagementRoutes(
  api: ChannelsApi,
  audit?: Pick<AuditLog, "record">,
): Route<ChannelCaller, "client">[] {
  /** a change, recorded once it succeeded */
  const changed = async (c: ChannelCaller, p: Identified, action: string, id: string, run: () => Response) => {
    const res = run();
    if (res.status < 300)
      audit?.record({
        kind: "change",
        action,
        result: "ok",
        ...(p.kind === "user" ? { user: principalName(p) } : p.kind === "client" ? { client: p.id } : {}),
        ...(c.clientIp ? { address: c.clientIp } : {}),
        listener: "http",
        target: id,
      });
    return res;
  };
  const started = () => performance.now();
  const id = (c: ChannelCaller) => c.params.id!;

  return [
    {
      method: "GET",
      path: "/channels",
      auth: "client",
      handler: (_, c) => {
        const p = who(c);
        // the channels its channels:list scopes name; with none at all it is refused
        if (!p.scopes.some((s) => s.operation === "channels:list" && !s.deny)) allowed(c, "channels:list", "*");
        return api.list(started(), (ch) => authorize(p, "channels:list", ch).allow);
      },
    },
    {
      method: "POST",
      path: "/channels",
      auth: "client",
      handler: async (req, c) => {
        const body = await readJsonBody(req);
        const ch = body.id;
        if (typeof ch !== "string" || ch === "") throw badRequest("bad_request", 'give the new channel\'s "id"');
        const p = allowed(c, "channels:create", ch);
        // a channel is a way to write its table: creating one at T needs tables:write:T
        const table = api.tableOf(ch, body);
        if (table !== undefined) allowed(c, "tables:write", table);
        return changed(c, p, "channel.create", ch, () => api.create(started(), body));
      },
    },
    {
      method: "GET",
      path: "/channels/:id",
      auth: "client",
      handler: (_, c) => {
        allowed(c, "channels:list", id(c));
        return api.get(started(), id(c));
      },
    },
    {
      method: "DELETE",
      path: "/channels/:id",
      auth: "client",
      handler: (_, c) => {
        const p = allowed(c, "channels:delete", id(c));
        return changed(c, p, "channel.delete", id(c), () => api.remove(started(), id(c)));
      },
    },
    {
      method: "POST",
      path: "/channels/:id/connect",
      auth: "client",
      handler: async (req, c) => {
        const p = allowed(c, "channels:connect", id(c));
        const body = await readJsonBody(req);
        // connecting a publisher lets it write the channel's table: the caller must hold that right
        const table = grantsPublish(body) ? api.tableOf(id(c)) : undefined;
        if (table !== undefined) allowed(c, "tables:write", table);
        return changed(c, p, "channel.connect", id(c), () => api.connect(started(), id(c), body));
      },
    },
    {
      method: "POST",
      path: "/channels/:id/disconnect",
      auth: "client",
      handler: async (req, c) => {
        const p = allowed(c, "channels:disconnect", id(c));
        const body = await readJsonBody(req);
        return changed(c, p, "channel.disconnect", id(c), () => api.disconnect(started(), id(c), body));
      },
    },
  ];
}
