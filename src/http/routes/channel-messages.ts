// The Mainflux/Magistrala HTTP and WebSocket adapters:
//   POST /http/channels/<id>/messages[/<subtopic>...]   -> 202 Accepted (stored when SenML)
//   GET  /ws/channels/<id>/messages[/<subtopic>...]     -> a plain WebSocket on the channel
// The runner identifies the caller from every form a thing sends (THINGS: Thing/Client/
// Bearer, Basic id:token, a bare token, ?authorization=, a client certificate); with
// HTTP token auth off, a caller that sends nothing is anonymous and may use a channel
// Auth.AnonymousScopes connects (else 401, as before). Errors are JSON: 401 no or bad
// credentials, 403 no right to the channel (audited; the same for a channel that does not exist),
// 404 unknown channel (only to a caller with the right to it), 415, 400 invalid SenML.
import type { Identified } from "../../auth/index.ts";
import { channelRightDomain } from "../../lib/domain-id.ts";
import { forbidden } from "../../lib/errors.ts";
import { failure } from "../../lib/http/respond.ts";
import { mediaType, readBody } from "../body.ts";
import { type RouteContext, type RouteSpec, THINGS } from "../route.ts";

export interface ChannelMessageDeps {
  /** the channel with this id (in this SuperMQ domain, route or id, when given), or undefined */
  channel(channelId: string, domain?: string): { domainId: string } | undefined;
  /** a SuperMQ domain's id from its route or id (undefined: no such domain) */
  domainOf(routeOrId: string): string | undefined;
  /** store (when SenML), then deliver to MQTT subscribers and channel sockets */
  accept(
    channelId: string,
    subtopic: string,
    payload: Uint8Array,
    contentType: string,
    publisher: string,
    /** SuperMQ's form: published on m/<domain>/c/<channel>[/sub] */
    domain?: string,
  ): Promise<{ ok: true; stored: number } | { ok: false; status: number; reason: string }>;
  /** the upgrade data of a channel socket for this caller */
  socketData(who: Identified, channelId: string, subtopic: string, domain?: string): unknown;
  /** largest message accepted (HTTP body): the broker's packet limit */
  maxBodyBytes: number;
}

const SENML_JSON = "application/senml+json";
const CONTENT_TYPES = new Set([SENML_JSON, "application/json"]);

/** route params -> channel id and subtopic, or a reason */
function target(c: RouteContext): { channelId: string; subtopic: string; domain?: string } | string {
  const channelId = c.params.id ?? "";
  const domain = c.params.domain;
  const subtopic = c.params.subtopic ?? "";
  if (subtopic !== "" && subtopic.split("/").some((s) => s === "" || s.includes("+") || s.includes("#")))
    return "invalid subtopic: no empty levels and no + or #";
  return domain === undefined ? { channelId, subtopic } : { channelId, subtopic, domain };
}

export function channelMessageRoutes(d: ChannelMessageDeps): RouteSpec[] {
  /** may the caller use the channel this way? a Response (or a thrown 403) when not */
  function gate(
    c: RouteContext,
    channelId: string,
    ops: ("publish" | "subscribe")[],
    domain?: string,
  ): Identified | Response {
    const who = c.principal!;
    const channel = d.channel(channelId, domain);
    // the right is decided BEFORE the channel's existence is told: asked in the channel's
    // domain (a key of another domain never may), or, for a channel that does not exist,
    // in the domain the path names (the default domain on /http and /ws)
    const inDomain = channelRightDomain(channel, domain, d.domainOf);
    const may = ops.some((op) => c.may(`channels:${op}`, channelId, inDomain));
    // no credentials and no anonymous right: the same 401 as before, whether the channel exists or not
    if (who.kind === "anonymous" && !may)
      return failure(
        401,
        `missing credentials: send Authorization: Thing <token> or a client certificate (Auth.AnonymousScopes does not connect anonymous callers to channel ${channelId})`,
        { "www-authenticate": 'Thing realm="neo"' },
      );
    // no right: the same 403 whether the channel exists or not (nothing learnt about which exist)
    if (!may) {
      c.check(`channels:${ops[ops.length - 1]!}`, channelId, inDomain); // the refusal goes to the audit trail
      throw forbidden("forbidden", `client ${who.id} is not connected to channel ${channelId}`);
    }
    if (!channel) return failure(404, `channel ${JSON.stringify(channelId)} not found`);
    return who;
  }

  async function post(req: Request, c: RouteContext): Promise<Response> {
    const p = target(c);
    if (typeof p === "string") return failure(400, p);
    const who = gate(c, p.channelId, ["publish"], p.domain);
    if (who instanceof Response) return who;
    const type = mediaType(req);
    if (!CONTENT_TYPES.has(type))
      return failure(415, `unsupported content type ${type || "(none)"}: use ${SENML_JSON} or application/json`);
    const body = await readBody(req, d.maxBodyBytes);
    const r = await d.accept(p.channelId, p.subtopic, body, type, who.kind === "anonymous" ? "" : who.id, p.domain);
    if (!r.ok) return failure(r.status, r.reason);
    return Response.json({ success: true, reason: `accepted, ${r.stored} record(s) stored` }, { status: 202 });
  }

  function upgrade(req: Request, c: RouteContext): Response | undefined {
    const p = target(c);
    if (typeof p === "string") return failure(400, p);
    const who = gate(c, p.channelId, ["publish", "subscribe"], p.domain);
    if (who instanceof Response) return who;
    if (req.headers.get("upgrade")?.toLowerCase() !== "websocket")
      return failure(426, "this is a WebSocket endpoint: send Upgrade: websocket", { upgrade: "websocket" });
    if (!c.server?.upgrade(req, { data: d.socketData(who, p.channelId, p.subtopic, p.domain) }))
      return failure(400, "websocket upgrade failed");
    return undefined;
  }

  return [
    { method: "POST", path: "/http/channels/:id/messages", who: THINGS, handler: post },
    // SuperMQ's HTTP adapter: POST /m/<domain>/c/<channel>[/subtopic] -> 202
    { method: "POST", path: "/m/:domain/c/:id", who: THINGS, handler: post },
    { method: "POST", path: "/m/:domain/c/:id/*subtopic", who: THINGS, handler: post },
    { method: "GET", path: "/m/:domain/c/:id", who: THINGS, handler: upgrade },
    { method: "GET", path: "/m/:domain/c/:id/*subtopic", who: THINGS, handler: upgrade },
    { method: "POST", path: "/http/channels/:id/messages/*subtopic", who: THINGS, handler: post },
    { method: "GET", path: "/ws/channels/:id/messages", who: THINGS, handler: upgrade },
    { method: "GET", path: "/ws/channels/:id/messages/*subtopic", who: THINGS, handler: upgrade },
  ];
}
