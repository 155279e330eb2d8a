// The Mainflux CoAP adapter's forms, on any CoAP transport:
//   POST /channels/<id>/messages[/<subtopic>...]?auth=<key>   -> 2.04 Changed (stored when SenML)
//   GET  /channels/<id>/messages[/...]?auth=<key>, Observe: 0 -> 2.05, then a notification per message
//   GET  ... Observe: 1                                        -> the observation ends
// and SuperMQ's `m/<domain route or id>/c/<channel>[/<subtopic>...]` for the same POST and GET.
// The adapter translates; it decides nothing itself (door.ts asks identify/authorize, the
// channel message path stores and delivers). Responses to requests that were not admitted
// carry a diagnostic payload only where it keeps the response no larger than the request
// (UDP: no amplification).
import type { CoapOption } from "./codec.ts";
import { channelRightDomain } from "../lib/domain-id.ts";
import { encodeOptions } from "./codec.ts";
import type { Block1 } from "./block1.ts";
import type { Caller, Door } from "./door.ts";
import type { Observers, ObserverSink } from "./observe.ts";
import { blockOption, blockSize, CODE, FORMAT, OPT, option, options, readBlock, uint, uintOption } from "./options.ts";

export interface CoapRequest {
  code: number;
  token: Uint8Array;
  options: CoapOption[];
  payload: Uint8Array;
  /** its size on the wire */
  bytes: number;
  /** UDP: a CON request (its observation gets CON notifications) */
  confirmable: boolean;
}

export interface CoapReply {
  code: number;
  options: CoapOption[];
  payload: Uint8Array;
}

export interface CoapPeer extends Caller {
  /** unique per client endpoint: "udp|addr|port" or "tcp|<connection>" */
  key: string;
  /** UDP: responses to sources that were not admitted never exceed the request */
  spoofable: boolean;
  /** where an observation's notifications go; `confirmable`: the registration was CON */
  sink(token: Uint8Array, confirmable: boolean): ObserverSink;
}

export type AcceptResult = { ok: true; stored: number } | { ok: false; status: number; reason: string };

export interface AdapterDeps {
  door: Door;
  observers: Observers;
  block1: Block1;
  /** the channel with this id (in this SuperMQ domain, route or id, when given), or undefined */
  channel(channelId: string, domain?: string): { domainId: string } | undefined;
  /** a SuperMQ domain's id from its route or id (undefined: no such domain) */
  domainOf(routeOrId: string): string | undefined;
  /** store (SenML) and deliver to MQTT subscribers, channel sockets and observers */
  accept(
    channelId: string,
    subtopic: string,
    payload: Uint8Array,
    contentType: string | undefined,
    /** the key that published (recorded with SenML rows) */
    publisher: string,
    /** SuperMQ's form: posted on m/<domain>/c/<channel>[/sub] */
    domain?: string,
  ): Promise<AcceptResult>;
  /** largest message body (a channel message becomes an MQTT message) */
  maxBodyBytes: number;
}

const utf8 = new TextEncoder();
const decoder = new TextDecoder();
const CONTENT_TYPES = new Map<number, string>([
  [FORMAT.SENML_JSON, "application/senml+json"],
  [FORMAT.JSON, "application/json"],
  [FORMAT.TEXT, "text/plain"],
  [FORMAT.OCTETS, "application/octet-stream"],
]);

/** the topic a channel message goes out on (the MQTT topic of the same form) */
const topicOf = (t: ChannelPath) =>
  t.domain === undefined
    ? t.subtopic === ""
      ? `channels/${t.channelId}/messages`
      : `channels/${t.channelId}/messages/${t.subtopic}`
    : `m/${t.domain}/c/${t.channelId}${t.subtopic === "" ? "" : `/${t.subtopic}`}`;

export interface ChannelPath {
  channelId: string;
  subtopic: string;
  /** SuperMQ's form: the domain as the path names it (route or id) */
  domain?: string;
}

const level = (s: string) => s !== "" && !/[+#/]/.test(s);

/** Uri-Path -> channel, subtopic (and SuperMQ domain); undefined for any other path */
export function channelPath(segments: string[]): ChannelPath | undefined {
  let t: ChannelPath;
  if (segments.length >= 3 && segments[0] === "channels" && segments[2] === "messages")
    t = { channelId: segments[1]!, subtopic: segments.slice(3).join("/") };
  else if (segments.length >= 4 && segments[0] === "m" && segments[2] === "c") {
    if (!level(segments[1]!)) return undefined;
    t = { channelId: segments[3]!, subtopic: segments.slice(4).join("/"), domain: segments[1]! };
  } else return undefined;
  if (!level(t.channelId)) return undefined;
  if (segments.slice(t.domain === undefined ? 3 : 4).some((s) => !level(s))) return undefined;
  return t;
}

function status(s: number): number {
  if (s === 404) return CODE.NOT_FOUND;
  if (s === 415) return CODE.UNSUPPORTED_CONTENT_FORMAT;
  if (s === 413) return CODE.REQUEST_ENTITY_TOO_LARGE;
  if (s >= 500) return CODE.SERVICE_UNAVAILABLE;
  return CODE.BAD_REQUEST;
}

export function createAdapter(deps: AdapterDeps) {
  const { door, observers, block1 } = deps;

  /** a refusal: the reason as payload where it fits (always over TCP/TLS) */
  function refusal(req: CoapRequest, peer: CoapPeer, code: number, reason: string, opts: CoapOption[] = []) {
    const r: CoapReply = { code, options: opts, payload: utf8.encode(reason) };
    if (!peer.spoofable) return r;
    const size = (x: CoapReply) => 4 + req.token.length + encodeOptions(x.options, x.payload).length;
    if (size(r) > req.bytes) r.payload = new Uint8Array(0);
    if (size(r) > req.bytes) r.options = [];
    return r;
  }

  async function handle(req: CoapRequest, peer: CoapPeer): Promise<CoapReply> {
    const path = options(req, OPT.URI_PATH).map((o) => decoder.decode(o.value));
    const target = channelPath(path);
    const where = `/${path.join("/")}`;
    if (!target)
      return refusal(
        req,
        peer,
        CODE.NOT_FOUND,
        `no resource ${where}: use /channels/<id>/messages or /m/<domain>/c/<id>`,
      );
    if (req.code !== CODE.GET && req.code !== CODE.POST)
      return refusal(req, peer, CODE.METHOD_NOT_ALLOWED, "use POST to publish, GET with Observe to subscribe");
    if (option(req, OPT.PROXY_URI) || option(req, OPT.PROXY_SCHEME))
      return refusal(req, peer, CODE.PROXYING_NOT_SUPPORTED, "no proxying");
    let key: string | undefined;
    for (const q of options(req, OPT.URI_QUERY)) {
      const s = decoder.decode(q.value);
      if (s.startsWith("auth=")) key = s.slice(5);
    }
    const op = req.code === CODE.POST ? "publish" : "subscribe";
    const method = req.code === CODE.POST ? "POST" : "GET";
    // resolved only once the caller is identified: the same lookup as the HTTP adapter's
    const who = door.admit(peer, key, op, target.channelId, `${method} ${where}`, () => {
      const channel = deps.channel(target.channelId, target.domain);
      return { channel, rightDomain: channelRightDomain(channel, target.domain, deps.domainOf) };
    });
    if (!who.ok) return refusal(req, peer, who.code, who.reason, who.maxAge ? [uint(OPT.MAX_AGE, who.maxAge)] : []);
    const topic = topicOf(target);
    if (req.code === CODE.POST) return post(req, peer, target, where, who.principal.id);
    const observe = uintOption(req, OPT.OBSERVE);
    const b2 = readBlock(req, OPT.BLOCK2);
    if (b2 === null) return refusal(req, peer, CODE.BAD_OPTION, "malformed Block2 option");
    if (observe === 1) {
      observers.deregister(peer.key, req.token);
      return { code: CODE.CONTENT, options: [], payload: new Uint8Array(0) };
    }
    if (observe === 0) {
      const p = who.principal;
      if (p.ref.kind !== "client")
        return refusal(req, peer, CODE.FORBIDDEN, "observing a channel needs a device key or its certificate");
      const r = observers.register({
        peer: peer.key,
        token: req.token,
        topic,
        channelId: target.channelId,
        domainId: who.domainId,
        principal: p,
        clientId: p.id,
        ref: p.ref,
        expiresAt: p.expiresAt,
        szx: Math.min(b2?.szx ?? 6, 6),
        sink: peer.sink(req.token, req.confirmable),
      });
      if (!r.ok) return refusal(req, peer, CODE.SERVICE_UNAVAILABLE, r.reason);
      return { code: CODE.CONTENT, options: [uint(OPT.OBSERVE, r.observer.seq)], payload: new Uint8Array(0) };
    }
    // the rest of a notification too large for one block (RFC 7959 §2.6)
    if (b2 && b2.num > 0) {
      const etag = option(req, OPT.ETAG)?.value;
      const rep =
        observers.representation(peer.key, topic, b2.num, etag) ?? observers.representation(peer.key, topic, b2.num);
      if (!rep) return refusal(req, peer, CODE.NOT_FOUND, "no notification to continue");
      const size = blockSize(b2.szx);
      const from = b2.num * size;
      if (from >= rep.payload.length) return refusal(req, peer, CODE.BAD_OPTION, "block beyond the representation");
      const more = from + size < rep.payload.length;
      return {
        code: CODE.CONTENT,
        options: [
          { number: OPT.ETAG, value: rep.etag },
          blockOption(OPT.BLOCK2, { num: b2.num, more, szx: b2.szx }),
          uint(OPT.SIZE2, rep.payload.length),
        ],
        payload: rep.payload.subarray(from, from + size),
      };
    }
    return refusal(req, peer, CODE.BAD_REQUEST, "GET subscribes: send Observe: 0 (and Observe: 1 to stop)");
  }

  async function post(
    req: CoapRequest,
    peer: CoapPeer,
    target: ChannelPath,
    where: string,
    publisher: string,
  ): Promise<CoapReply> {
    const format = uintOption(req, OPT.CONTENT_FORMAT);
    const type = format === undefined ? undefined : CONTENT_TYPES.get(format);
    if (format !== undefined && type === undefined)
      return refusal(req, peer, CODE.UNSUPPORTED_CONTENT_FORMAT, "use application/senml+json (110) or json (50)");
    const size1 = uintOption(req, OPT.SIZE1);
    const tooLarge = () =>
      refusal(req, peer, CODE.REQUEST_ENTITY_TOO_LARGE, `message over ${deps.maxBodyBytes} bytes`, [
        uint(OPT.SIZE1, deps.maxBodyBytes),
      ]);
    const b1 = readBlock(req, OPT.BLOCK1);
    if (b1 === null) return refusal(req, peer, CODE.BAD_OPTION, "malformed Block1 option");
    let body = req.payload;
    if (b1) {
      const tag = option(req, 292)?.value; // Request-Tag (RFC 9175): tells concurrent transfers apart
      const k = `${peer.key}|${where}|${tag ? Buffer.from(tag).toString("hex") : ""}`;
      const r = block1.receive(peer.key, k, b1, req.payload, size1);
      const echo = blockOption(OPT.BLOCK1, { num: b1.num, more: b1.more, szx: b1.szx });
      if (r.kind === "continue") return { code: CODE.CONTINUE, options: [echo], payload: new Uint8Array(0) };
      if (r.kind === "too-large") return tooLarge();
      if (r.kind === "incomplete") return refusal(req, peer, CODE.REQUEST_ENTITY_INCOMPLETE, r.reason);
      if (r.kind === "busy")
        return refusal(req, peer, CODE.SERVICE_UNAVAILABLE, "too many uploads in progress", [uint(OPT.MAX_AGE, 5)]);
      body = r.body;
    } else if (body.length > deps.maxBodyBytes || (size1 ?? 0) > deps.maxBodyBytes) return tooLarge();
    const r = await deps.accept(target.channelId, target.subtopic, body, type, publisher, target.domain);
    if (!r.ok) return refusal(req, peer, status(r.status), r.reason, r.status >= 500 ? [uint(OPT.MAX_AGE, 5)] : []);
    const opts = b1 ? [blockOption(OPT.BLOCK1, { num: b1.num, more: false, szx: b1.szx })] : [];
    return { code: CODE.CHANGED, options: opts, payload: new Uint8Array(0) };
  }

  return { handle };
}

export type Adapter = ReturnType<typeof createAdapter>;
