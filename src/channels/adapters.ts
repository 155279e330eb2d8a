// The Mainflux/Magistrala HTTP and WebSocket adapters:
//   POST /http/channels/<id>/messages[/<subtopic>...]   -> 202 Accepted (stored when SenML)
//   GET  /ws/channels/<id>/messages[/<subtopic>...]     -> a plain WebSocket on the channel
// Errors are JSON {"success":false,"reason":...}: 401 no or bad credentials, 403 not
// connected to the channel, 404 unknown channel, 415 another content type, 400 invalid SenML.
// With HTTP token auth off, a caller without credentials is anonymous and may use a
// channel that Auth.AnonymousScopes connects (else 401, as before).
import type { Server } from "bun";
import { authorize, type Auth, formOf, principalName } from "../auth/index.ts";
import {
  mediaType,
  readBody,
  type FrontPeer,
  type RouteContext,
  type RouteSpec,
  type HttpSockets,
} from "../http/index.ts";
import { failure } from "../lib/http/respond.ts";
import type { Logger } from "../lib/log.ts";
import type { AuditLog } from "../registry/index.ts";
import { identifyCaller } from "./credentials.ts";
import { channelTopic, SENML_JSON, type ChannelMessages, type MessageOrigin } from "./messages.ts";
import { createChannelSockets, isChannelSocket, type ChannelSocketData, type ChannelSockets } from "./sockets.ts";

export interface ChannelAdapterDeps {
  messages: ChannelMessages;
  auth: Auth;
  /** publish to the broker's MQTT subscribers (no authorization: the adapter checked it) */
  publish(topic: string, payload: Uint8Array): void;
  /** largest message accepted (HTTP body or WebSocket frame): the broker's packet limit */
  maxBodyBytes: number;
  log: Logger;
  /** the audit trail: one row per authentication of an adapter request or upgrade */
  audit?: Pick<AuditLog, "record">;
  /** read per request (a reload may change it): is HTTP token auth on? */
  tokenAuth(): boolean;
  /** a message went out on a channel topic: other adapters' subscribers (CoAP observers) */
  delivered?(topic: string, payload: Uint8Array): void;
}

const CONTENT_TYPES = new Set([SENML_JSON, "application/json"]);
const anonymous = (p: { kind: string }) => p.kind === "anonymous";

/** route params -> channel id and subtopic, or a reason */
function target(c: RouteContext): { channelId: string; subtopic: string } | string {
  const channelId = c.params.id ?? "";
  const subtopic = c.params.subtopic ?? "";
  if (subtopic.split("/").some((s) => s === "" || s.includes("+") || s.includes("#")) && subtopic !== "")
    return "invalid subtopic: no empty levels and no + or #";
  return { channelId, subtopic };
}

export function createChannelAdapters(deps: ChannelAdapterDeps) {
  const { messages, auth, log } = deps;
  let sockets!: ChannelSockets;

  /** store (when SenML), then deliver to MQTT subscribers and channel sockets */
  async function accept(
    channelId: string,
    subtopic: string,
    payload: Uint8Array,
    contentType: string | undefined,
    origin: MessageOrigin,
    from?: unknown,
  ): Promise<{ ok: true; stored: number } | { ok: false; status: number; reason: string }> {
    const channel = messages.channelOf(channelTopic(channelId, subtopic))?.channel;
    if (!channel) return { ok: false, status: 404, reason: `channel ${JSON.stringify(channelId)} not found` };
    const r = await messages.ingest(channel, payload, contentType, origin);
    if (!r.ok) return r;
    const topic = channelTopic(channelId, subtopic);
    deps.publish(topic, payload);
    sockets.fanout(topic, payload, from);
    deps.delivered?.(topic, payload);
    return { ok: true, stored: r.stored };
  }

  sockets = createChannelSockets({
    messages,
    log,
    // an anonymous socket ("" client id) lasts while token auth stays off; its rights are re-checked too
    stillValid: (d) => (d.ref.kind === "anonymous" ? !deps.tokenAuth() : auth.current(d.ref).ok),
    publish: async (d: ChannelSocketData, payload, from) => {
      if (payload.byteLength > deps.maxBodyBytes)
        return { ok: false, reason: `message exceeds ${deps.maxBodyBytes} bytes` };
      const sub = d.topic.split("/").slice(3).join("/");
      const origin: MessageOrigin = { publisher: d.clientId, protocol: "websocket", subtopic: sub };
      const r = await accept(d.channelId, sub, payload, undefined, origin, from);
      return r.ok ? { ok: true } : { ok: false, reason: r.reason };
    },
  });

  /** who, and may they do it: a Response when not */
  function gate(
    req: Request,
    url: URL,
    peer: FrontPeer | undefined,
    address: string | undefined,
    channelId: string,
    ops: ("publish" | "subscribe")[],
  ) {
    const caller = identifyCaller(req, url, (c) => auth.identify(c), peer, !deps.tokenAuth());
    const anon = caller.ok && anonymous(caller.principal);
    // like the HTTP API: an anonymous request on an open server is no authentication to record
    if (!anon)
      deps.audit?.record({
        kind: "auth",
        action: "request",
        result: caller.ok ? "ok" : "fail",
        method: caller.ok ? formOf(caller.principal.ref) : peer?.cert ? "certificate" : "token",
        listener: peer ? "https" : "http",
        ...(address ? { address } : {}),
        ...(caller.ok
          ? caller.principal.kind === "user"
            ? { user: principalName(caller.principal) }
            : { client: caller.principal.id }
          : { reason: `HTTP ${caller.status}` }),
        target: `${req.method} ${url.pathname}`,
      });
    if (!caller.ok) {
      log.warn(`${req.method} ${url.pathname} refused: ${caller.reason}`);
      return failure(
        caller.status,
        caller.reason,
        caller.status === 401 ? { "www-authenticate": 'Thing realm="neo"' } : {},
      );
    }
    const who = caller.principal;
    // the channel scopes of the key (or Auth.AnonymousScopes), as identify() read them for this request
    const may = ops.some((op) => authorize(who, `channels:${op}`, channelId).allow);
    // no credentials and no anonymous right: the same 401 as before, whether the channel exists or not
    if (anon && !may)
      return failure(
        401,
        `missing credentials: send Authorization: Thing <token> or a client certificate (Auth.AnonymousScopes does not connect anonymous callers to channel ${channelId})`,
        { "www-authenticate": 'Thing realm="neo"' },
      );
    if (!messages.channelOf(channelTopic(channelId, "")))
      return failure(404, `channel ${JSON.stringify(channelId)} not found`);
    if (!may) {
      log.warn(`${req.method} ${url.pathname} refused: ${who.id} is not connected to channel ${channelId}`);
      return failure(403, `client ${who.id} is not connected to channel ${channelId}`);
    }
    return who;
  }

  async function post(req: Request, c: RouteContext): Promise<Response> {
    const p = target(c);
    if (typeof p === "string") return failure(400, p);
    const who = gate(req, c.url, c.peer, c.clientIp, p.channelId, ["publish"]);
    if (who instanceof Response) return who;
    const type = mediaType(req);
    if (!CONTENT_TYPES.has(type))
      return failure(415, `unsupported content type ${type || "(none)"}: use ${SENML_JSON} or application/json`);
    const body = await readBody(req, deps.maxBodyBytes);
    const origin: MessageOrigin = { publisher: anonymous(who) ? "" : who.id, protocol: "http", subtopic: p.subtopic };
    const r = await accept(p.channelId, p.subtopic, body, type, origin);
    if (!r.ok) return failure(r.status, r.reason);
    if (who.kind === "client") auth.markUsed(who.id);
    return Response.json({ success: true, reason: `accepted, ${r.stored} record(s) stored` }, { status: 202 });
  }

  function upgrade(req: Request, c: RouteContext): Response | undefined {
    const p = target(c);
    if (typeof p === "string") return failure(400, p);
    const who = gate(req, c.url, c.peer, c.clientIp, p.channelId, ["publish", "subscribe"]);
    if (who instanceof Response) return who;
    if (req.headers.get("upgrade")?.toLowerCase() !== "websocket")
      return failure(426, "this is a WebSocket endpoint: send Upgrade: websocket", { upgrade: "websocket" });
    const data: ChannelSocketData = {
      kind: "channel-socket",
      clientId: who.id,
      ref: who.ref,
      channelId: p.channelId,
      topic: channelTopic(p.channelId, p.subtopic),
      expiresAt: who.expiresAt,
    };
    const server: Server<unknown> | undefined = c.server;
    if (!server?.upgrade(req, { data })) return failure(400, "websocket upgrade failed");
    if (who.kind === "client") auth.markUsed(who.id);
    return undefined;
  }

  // the adapters identify the caller themselves (Thing/Client/Bearer/Basic, query, certificate)
  const routes: RouteSpec[] = [
    { method: "POST", path: "/http/channels/:id/messages", who: "public", handler: post },
    { method: "POST", path: "/http/channels/:id/messages/*subtopic", who: "public", handler: post },
    { method: "GET", path: "/ws/channels/:id/messages", who: "public", handler: upgrade },
    { method: "GET", path: "/ws/channels/:id/messages/*subtopic", who: "public", handler: upgrade },
  ];
  const socketKind: HttpSockets = { owns: isChannelSocket, handlers: sockets.handlers };

  return { routes, socketKind, sockets, accept };
}

export type ChannelAdapters = ReturnType<typeof createChannelAdapters>;
