// Channels (Mainflux-style) wired into the gateway: the registry's channels, the message
// path (SenML stored before delivery), the HTTP and WebSocket adapters and the MQTT side.
// `tick` runs with the session re-check: when channel connections changed (or now and
// then, for expiry) the channel sockets are re-checked; a settings change (AnonymousScopes,
// HTTP token auth) decides anonymous rights again at the next tick.
import type { Auth } from "../auth/index.ts";
import type { NeoConfig } from "../config/index.ts";
import type { Settings } from "../lib/settings.ts";
import { createLogger } from "../lib/log.ts";
import type { LogAggregator } from "../lib/log-aggregate.ts";
import type { QueryService } from "../query/index.ts";
import type { Broker } from "../mqtt/index.ts";
// the route modules, not the HTTP barrel (the start loads the HTTP server after the first CONNACKs)
import { type RouteSpec, channelRoutes, channelReaderRoutes, type ReadRows } from "../http/channel-routes.ts";
import {
  assertChannelId,
  type AuditLog,
  type Channel,
  channelsJson,
  defaultChannelTable,
  openChannels,
  type Domains,
  type Registry,
} from "../registry/index.ts";
import { createChannelAdapters, createChannelMessages, createChannelMqtt } from "../channels/index.ts";
import type { CredentialSignal } from "./credential-signal.ts";
import { ORPHAN_SWEEP_MS, RECHECK_MS } from "./session-recheck.ts";
import type { WriteBatcher } from "./write-batcher.ts";

export function wireChannels(d: {
  settings: Settings<NeoConfig>;
  registry: Registry;
  /** the live re-check's change signal (credential-signal.ts) */
  changes?: Pick<CredentialSignal, "onChange">;
  /** SuperMQ domains: the m/<domain>/c/<channel> topics name one by route or id */
  domains: Pick<Domains, "resolve">;
  batcher: WriteBatcher;
  auth: Auth;
  audit: AuditLog;
  broker: Pick<Broker, "publish" | "publishTo">;
  /** per-message warnings, summed up per client and minute */
  refusals: LogAggregator;
  /** the query processes: Mainflux's readers API reads a channel's records through them */
  queries: QueryService;
}) {
  const { settings, registry } = d;
  const log = createLogger("channels");
  const channels = openChannels(settings.get().data, registry);
  const messages = createChannelMessages({
    channels,
    domainOf: (s) => d.domains.resolve(s)?.id,
    routeOf: (id) => d.domains.resolve(id)?.route,
    batcher: d.batcher,
    // a channel's rights are the credential's scopes now (current(): status, expiry, owner,
    // role), or Auth.AnonymousScopes
    principalOf: (ref) => {
      const now = d.auth.current(ref);
      return now.ok ? now.principal : null;
    },
    log,
  });
  // other adapters' subscribers (CoAP observers) get every message delivered on a channel
  const taps = new Set<(topic: string, payload: Uint8Array) => void>();
  const delivered = (topic: string, payload: Uint8Array) => {
    for (const t of taps) t(topic, payload);
  };
  const adapters = createChannelAdapters({
    delivered,
    messages,
    auth: d.auth,
    publish: (topic, payload, also) =>
      d.broker.publish({ topic, payload: Buffer.from(payload), qos: 1, ...(also.length > 0 ? { also } : {}) }),
    // a channel message becomes an MQTT message: no larger than the broker takes one
    maxBodyBytes: settings.get().mqtt.maxMessageSizeLimit,
    log,
    // read per request: a SIGHUP reload may switch it
    tokenAuth: (listener) => {
      const h = settings.get().http;
      return (
        (listener !== undefined ? h.listeners?.find((l) => l.name === listener)?.enableTokenAuth : undefined) ??
        h.enableTokenAuth
      );
    },
  });
  const mqtt = createChannelMqtt({
    messages,
    replyTo: (id, m) =>
      d.broker.publishTo(id, { topic: m.topic, payload: m.payload, qos: 1, properties: m.properties }),
    delivered: (topic, payload) => {
      adapters.sockets.fanout(topic, payload);
      delivered(topic, payload);
    },
    refusals: d.refusals,
  });
  let sinceSockets = 0;
  // a reload may change AnonymousScopes or flip HTTP token auth: anonymous rights are then
  // decided again, and anonymous sockets re-checked, at the next tick
  let reloaded = false;
  settings.onChange(() => {
    reloaded = true;
  });
  // a company CA's CRL read again: channel rights and sockets are judged again too
  d.changes?.onChange(() => {
    reloaded = true;
  });
  /** `registryMoved` false: registry.db (channels included) is known not to have changed since the last tick */
  const tick = (registryMoved = true) => {
    sinceSockets += RECHECK_MS;
    const changed = registryMoved || reloaded ? messages.refresh(reloaded) : false;
    reloaded = false;
    if (changed || sinceSockets >= ORPHAN_SWEEP_MS) {
      sinceSockets = 0;
      adapters.sockets.revalidate();
      return true;
    }
    return false;
  };
  // the adapters, and channel management for scripts (/channels, decided by channels:* scopes)
  // and Mainflux's readers API (GET /channels/<id>/messages)
  const read = async (sql: string, who: string): Promise<ReadRows> => {
    const a = await d.queries.run({ sql }, undefined, who);
    if (a.ok) return { ok: true, rows: (JSON.parse(a.body) as { data: { rows: unknown[][] } }).data.rows };
    // nothing stored yet on this channel: its side table does not exist
    if (a.status === 400 && a.reason.startsWith("no such table")) return { ok: true, rows: [] };
    return a;
  };
  const readers = channelReaderRoutes({
    channel: (id) => channels.get(id) ?? undefined,
    domain: (s) => d.domains.resolve(s),
    read,
  });
  const manage = channelRoutes({
    create: (o) => channels.create(o),
    get: (id) => channels.get(id),
    list: () => channels.list(),
    delete: (id) => channels.delete(id),
    connect: (id, client, ops) => channels.connect(id, client, ops),
    disconnect: (id, client) => channels.disconnect(id, client),
    json: (list) => channelsJson(list as Channel[], channels.connections()),
    defaultTable: (id) => {
      assertChannelId(id);
      return defaultChannelTable(id);
    },
  });
  const routes: RouteSpec[] = [...adapters.routes, ...manage, ...readers];
  return {
    channels,
    messages,
    adapters,
    mqtt,
    /** true when live channel rights were re-checked (a registry change, or now and then for expiry) */
    tick,
    routes,
    onDelivered: (fn: (topic: string, payload: Uint8Array) => void) => taps.add(fn),
  };
}
