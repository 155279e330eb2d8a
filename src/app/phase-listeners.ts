// Start phase 5, listeners: MQTT first (the web UI's first start, an admin password hash,
// must not delay it), then the web UI and the HTTP server with every route. The slots
// hold the running listeners; a reload swaps what is in them.
import { ALL_ACCESS_SCOPES } from "../auth/index.ts";
import type { NeoConfig } from "../config/index.ts";
import type { HttpServer } from "../http/index.ts";
import { createLogger } from "../lib/log.ts";
import { live, type Settings } from "../lib/settings.ts";
import { listenCoap } from "./coap-wiring.ts";
import { createDomainChannelStore, createDomainClientStore } from "./domain-clients.ts";
import { createMainfluxStores } from "./mainflux-provision.ts";
import { createDomainGroupStore } from "./domain-groups.ts";
import { createConsoleSource } from "./console.ts";
import { createEst } from "./est.ts";
import { startGrpcListener } from "./grpc-wiring.ts";
import {
  auditRoutes,
  consoleAssetRoutes,
  dashboardRoutes,
  domainChannelRoutes,
  domainClientRoutes,
  domainGroupRoutes,
  domainRoutes,
  consoleRoutes,
  createKeysService,
  createPasswordLogin,
  estRoutes,
  keyRoutes,
  mainfluxConnectRoutes,
  mainfluxThingRoutes,
  patRoutes,
  sessionRoutes,
  userRoutes,
} from "../http/index.ts";
import { auditJson, parseAuditFilter } from "../registry/index.ts";
import { createListeners, startMqttListener } from "./listeners.ts";
import { type MqttListenerSet, startMqttListeners } from "./mqtt-listener-set.ts";
import type { Door } from "./phase-door.ts";
import type { Services } from "./phase-services.ts";
import type { Stores } from "./phase-stores.ts";
import type { StopList } from "./stop-list.ts";
import type { NeoBroker } from "./mqtt-auth.ts";
import { loadTlsMaterial } from "./tls-material.ts";
import { createWebUi } from "./web-ui.ts";

export interface ReadyInfo {
  event: "ready";
  http: string;
  /** the first MQTT listener */
  mqtt: string;
  mqttTls: boolean;
  /** every MQTT listener by name (Listener blocks; the one listener is "tcp" or "tls") */
  mqttListeners: { name: string; transport: "tcp" | "tls" | "ws" | "wss"; address: string }[];
  httpTls: boolean;
  /** the gRPC listener ("host:port"), when a Grpc block configures one */
  grpc?: string;
  grpcTls?: boolean;
  /** CoAP over UDP, when Coap.Listen is set */
  coap?: string;
  /** CoAP over TLS (coaps+tcp), when Coap.Tls.Listen is set */
  coapsTcp?: string;
  data: string;
  pid: number;
}

/** The running listeners; a reload puts new ones in (an HTTP server it retired keeps its connections). */
export interface ListenerSlots {
  mqtt: MqttListenerSet;
  http: {
    current: HttpServer;
    start(h: Pick<NeoConfig["http"], "listen" | "tls">): Promise<HttpServer>;
    retired: HttpServer[];
  };
  ready(): ReadyInfo;
}

/** the settings as they are now, with this HTTP server's own address and TLS (read per request) */
function withHttp(settings: Settings<NeoConfig>, h: Pick<NeoConfig["http"], "listen" | "tls">): NeoConfig {
  let base: NeoConfig | undefined;
  let view: NeoConfig | undefined;
  return live(() => {
    const now = settings.get();
    if (now !== base || !view) {
      base = now;
      view = { ...now, http: { ...now.http, listen: h.listen, tls: h.tls } };
    }
    return view;
  });
}

export async function startListeners(
  settings: Settings<NeoConfig>,
  s: Stores,
  door: Door,
  broker: NeoBroker,
  services: Services,
  stops: StopList,
): Promise<ListenerSlots> {
  const log = createLogger("neosvr");
  const config = settings.get();
  // a bad operator certificate stops the start before anything listens
  if (config.mqtt.tls.enabled) await loadTlsMaterial(s.pki, config.mqtt.tls, "Mqtt");
  if (config.http.tls.enabled) await loadTlsMaterial(s.pki, config.http.tls, "Http");

  let announced = false;
  const mq: ListenerSlots["mqtt"] = {
    running: new Map(),
    start: (m, l) =>
      startMqttListener(
        { pki: s.pki, broker, ...(s.trust ? { trusted: s.trust.pem } : {}) },
        m,
        l,
        () => {
          if (!announced && config.mqtt.enableTokenAuth) log.info("MQTT token authentication enabled");
          announced = true;
        },
        settings.get().file,
      ),
  };
  await startMqttListeners(mq, config.mqtt);
  // broker.close() tells each client
  stops.add("accept", "MQTT listeners", () => {
    for (const r of mq.running.values()) r.listener.stop(false);
  });
  // what listens now (the console's Overview shows it): the HTTP server joins below
  const bound: { http?: ListenerSlots["http"]; grpc?: Awaited<ReturnType<typeof startGrpcListener>> } = {};
  let coapAt: { udp?: string; tls?: string } = {};
  const ready = (): ReadyInfo => {
    const now = settings.get();
    const httpAddr = new URL(bound.http?.current.url ?? "http://-:0");
    const mqttAll = [...mq.running.values()].map((r) => ({
      name: r.rules.name,
      transport: r.listener.transport,
      address: `${r.listener.host}:${r.listener.port}`,
    }));
    return {
      event: "ready",
      http: `${httpAddr.hostname.replace(/^\[|\]$/g, "")}:${httpAddr.port}`,
      mqtt: mqttAll[0]?.address ?? "",
      mqttTls: mqttAll[0]?.transport === "tls",
      mqttListeners: mqttAll,
      httpTls: now.http.tls.enabled,
      ...(bound.grpc ? { grpc: `${bound.grpc.host}:${bound.grpc.port}`, grpcTls: bound.grpc.tls } : {}),
      ...(coapAt.udp ? { coap: coapAt.udp } : {}),
      ...(coapAt.tls ? { coapsTcp: coapAt.tls } : {}),
      data: now.data,
      pid: process.pid,
    };
  };
  const startedAt = Date.now();
  const defaultScopes = () => settings.get().auth?.defaultScopes ?? ALL_ACCESS_SCOPES;
  const assets = await createWebUi({ dataDir: config.data, users: s.people.users, log: createLogger("web") });
  const consoleSource = createConsoleSource({
    config: settings.view,
    broker,
    store: s.store,
    queries: s.queries,
    metrics: s.metrics,
    startedAt,
    addresses: () => ready(),
    bodyLimit: 64 * 1024,
    readCheck: door.readCheck,
    bans: { list: () => door.guard.bans(), clear: (a) => door.serverGuard.clear(a) },
    exports: () => s.exports.statuses(),
  });
  const keys = { registry: s.registry, pki: s.pki, log: createLogger("keys"), defaultScopes };
  const keyApi = createKeysService({ ...keys, now: Date.now });
  const login = createPasswordLogin({ users: s.people.users, guard: door.guard, log: createLogger("web") });
  const { people } = s.people;
  // every HTTP route of every surface, one table (the /db/*, /health, /metrics and /mqtt
  // routes are the HTTP server's own)
  const clients = createDomainClientStore(s);
  const mainflux = createMainfluxStores({ clients, channels: services.ch.channels, profiles: s.profiles });
  const routes = [
    ...services.ch.routes,
    // Mainflux's provisioning calls: /things, /connect, /channels/<id>/things (default domain)
    ...mainfluxThingRoutes(mainflux.things),
    ...mainfluxConnectRoutes(mainflux.connect),
    ...keyRoutes(keys),
    ...domainRoutes(s.domains),
    ...auditRoutes({
      query: (q) => s.audit.query(parseAuditFilter({ limit: "1000", ...q }, Date.now())).map(auditJson),
    }),
    ...sessionRoutes({ people, login }),
    // EST (RFC 7030): devices enroll and renew their own certificates
    ...estRoutes(
      createEst({ pki: s.pki, registry: s.registry, config: () => settings.get(), log: createLogger("est") }),
    ),
    ...userRoutes({ people, login, log: createLogger("web") }),
    ...patRoutes({ pats: s.people.pats, user: (name) => s.people.users.get(name) }),
    ...consoleRoutes({
      source: consoleSource,
      revokeKey: async (id, by) => void (await keyApi.revoke(performance.now(), id, `user ${by}`)),
    }),
    // /web/<file> would take any other /web/... path
    ...consoleAssetRoutes(assets),
    // SuperMQ's /<domain>/clients: after every fixed path
    ...domainClientRoutes(clients),
    ...domainChannelRoutes(createDomainChannelStore({ ...s, channels: services.ch.channels })),
    // dashboards per domain (/dashboards, /<domain>/dashboards): panels read with the viewer's rights
    ...dashboardRoutes({
      dashboards: s.dashboards,
      domain: (d) => s.domains.resolve(d),
      userExists: (name) => s.people.users.get(name) !== null,
      query: consoleSource.query,
    }),
    ...domainGroupRoutes(createDomainGroupStore({ ...s, channels: services.ch.channels })),
  ];
  const { startHttp } = createListeners({
    pki: s.pki,
    ...(s.trust ? { trusted: s.trust.pem } : {}),
    broker,
    store: s.store,
    queries: s.queries,
    readCheck: door.readCheck,
    auth: door.auth,
    guard: door.guard,
    audit: s.audit,
    metrics: { metrics: () => s.metrics.render() },
    routes,
    sockets: services.ch.adapters.socketKind,
  });
  const startHttpWith = (h: Pick<NeoConfig["http"], "listen" | "tls">) => startHttp(withHttp(settings, h));
  const hs: ListenerSlots["http"] = {
    current: await startHttpWith(config.http),
    start: startHttpWith,
    retired: [],
  };
  stops.add("links", "HTTP servers", () => Promise.all([hs.current, ...hs.retired].map((h) => h.stop())));
  bound.http = hs;
  // machbase-neo's gRPC API (docs/grpc.md), when a Grpc block asks for it
  const grpc = await startGrpcListener({
    ...{
      config,
      pki: s.pki,
      ...(s.trust ? { trusted: s.trust.pem } : {}),
      auth: door.auth,
      registry: s.registry,
      changes: s.changes,
      readCheck: door.readCheck,
      queries: s.queries,
    },
    ...{ batcher: s.batcher, keysApi: keyApi, audit: s.audit, guard: door.guard, metrics: s.metrics },
    ...{ patAuth: s.people.patAuth, users: s.people.users, startedAt, addresses: ready, log: createLogger("grpc") },
  });
  if (grpc) {
    bound.grpc = grpc;
    s.metrics.provide({ grpcConnections: () => grpc.connections() });
    stops.add("accept", "gRPC listener", () => grpc.stop()); // open Append streams end; committed rows stay
  }
  if (services.coap) {
    await listenCoap(services.coap, config.coap, s.pki, s.trust?.pem);
    coapAt = services.coap.addresses();
  }
  return { mqtt: mq, http: hs, ready };
}
