// Start phase 5, listeners: MQTT first (the web UI's first start, an admin password hash,
// must not delay it), then the web UI and the HTTP server with every route. The slots
// hold the running listeners; a reload swaps what is in them.
import { ALL_ACCESS_SCOPES } from "../auth/index.ts";
import type { NeoConfig } from "../config/index.ts";
import { lazyStore } from "../lib/lazy-store.ts";
import { createLogger } from "../lib/log.ts";
import type { Settings } from "../lib/settings.ts";
import { listenCoap } from "./coap-wiring.ts";
import { createDomainChannelStore, createDomainClientStore, createMembershipStore } from "./domain-clients.ts";
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
  domainMemberRoutes,
  invitationRoutes,
  consoleRoutes,
  createKeysService,
  createPasswordLogin,
  estRoutes,
  keyRoutes,
  mainfluxConnectRoutes,
  mainfluxThingRoutes,
  patRoutes,
  pendingKeyRoutes,
  sessionRoutes,
  userRoutes,
} from "../http/index.ts";
import { auditJson, openClientProfiles, openDashboards, parseAuditFilter, pendingJson } from "../registry/index.ts";
import { createListeners } from "./listeners.ts";
import { createHttpListenerSet, type HttpListenerSet, listenerView, type MqttListenerSet } from "./listener-kinds.ts";
import { type ReadyInfo, readyInfo } from "./ready.ts";
import type { Door } from "./phase-door.ts";
import type { Services } from "./phase-services.ts";
import type { Stores } from "./phase-stores.ts";
import type { StartTimes } from "./start-times.ts";
import type { StopList } from "./stop-list.ts";
import type { NeoBroker } from "./mqtt-auth.ts";
import { createWebUi } from "./web-ui.ts";

export type { ReadyInfo };

/** The running listeners; a reload reconciles them (an HTTP server it retired keeps its connections). */
export interface ListenerSlots {
  mqtt: MqttListenerSet;
  http: HttpListenerSet;
  ready(): ReadyInfo;
}

export async function startListeners(
  settings: Settings<NeoConfig>,
  s: Stores,
  door: Door,
  broker: NeoBroker,
  services: Services,
  stops: StopList,
  mq: MqttListenerSet,
  times?: StartTimes,
): Promise<ListenerSlots> {
  const config = settings.get();
  // a bad operator certificate (MQTT's or HTTP's) stopped the start before MQTT listened: phase-mqtt.ts
  // what listens now (the console's Overview shows it): the HTTP servers join below
  const bound: { http?: HttpListenerSet; grpc?: Awaited<ReturnType<typeof startGrpcListener>> } = {};
  let coapAt: { udp?: string; tls?: string } = {};
  const ready = (): ReadyInfo =>
    readyInfo(settings.get(), mq, bound.http, {
      ...(bound.grpc ? { grpc: bound.grpc } : {}),
      coap: coapAt,
    });
  // dashboards and client profiles serve only HTTP routes: their registry.db connections open
  // at their first use (~185 KB each at idle: schema, statements, SQLite's buffers;
  // bench/RESULTS.md "Session 8: start (startpgo)")
  const dashboards = lazyStore(() => openDashboards(config.data));
  stops.add("stores", "dashboards", () => dashboards.close());
  const profiles = lazyStore(() => openClientProfiles(config.data));
  stops.add("stores", "client profiles", () => profiles.close());
  times?.lap("dashboards, client profiles");
  const startedAt = Date.now();
  const defaultScopes = () => settings.get().auth?.defaultScopes ?? ALL_ACCESS_SCOPES;
  const assets = await createWebUi({ dataDir: config.data, users: s.people.users, log: createLogger("web") });
  times?.lap("console assets");
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
  const membership = createMembershipStore({
    domains: s.domains,
    membership: s.people.membership,
    invitationTtlMs: () => settings.get().login.invitationDurationMs,
  });
  // every HTTP route of every surface, one table (the /db/*, /health, /metrics and /mqtt
  // routes are the HTTP server's own)
  const clients = createDomainClientStore({ ...s, profiles });
  const mainflux = createMainfluxStores({ clients, channels: services.ch.channels, profiles });
  const routes = [
    ...services.ch.routes,
    // Mainflux's provisioning calls: /things, /connect, /channels/<id>/things (default domain)
    ...mainfluxThingRoutes(mainflux.things),
    ...mainfluxConnectRoutes(mainflux.connect),
    ...keyRoutes(keys),
    // approval at first use (pinned company CAs): the registry's pending certificates
    ...pendingKeyRoutes({
      list: () => s.registry.pending.list().map(pendingJson),
      find: (k) => pendingJson(s.registry.pending.find(k)),
      approve: (k) => pendingJson(s.registry.pending.approve(k).pending),
      reject: (k) => pendingJson(s.registry.pending.reject(k)),
    }),
    ...domainRoutes(s.domains, (domainId, name) => {
      const u = s.people.membership.members.user(name);
      if (u) s.people.membership.members.set(domainId, u.id, "admin", name);
    }),
    ...domainMemberRoutes(membership),
    ...invitationRoutes(membership),
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
      dashboards,
      domain: (d) => s.domains.resolve(d),
      userExists: (name) => s.people.users.get(name) !== null,
      query: consoleSource.query,
    }),
    ...domainGroupRoutes(createDomainGroupStore(s)),
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
    counted: (name) => s.metrics.httpRequest(name),
  });
  const hs = createHttpListenerSet((h, l) => startHttp(listenerView(settings, h, l), l, settings.get().file));
  await hs.startAll(config.http);
  times?.lap("HTTP routes and listeners");
  stops.add("links", "HTTP servers", () =>
    Promise.all([...[...hs.running.values()].map((r) => r.listener), ...hs.retired].map((h) => h.stop())),
  );
  bound.http = hs;
  s.metrics.provide({
    httpListeners: () =>
      [...hs.running.values()].map((r) => ({ name: r.rules.name, websockets: r.listener.server.pendingWebSockets })),
  });
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
    times?.lap("gRPC");
    bound.grpc = grpc;
    s.metrics.provide({ grpcConnections: () => grpc.connections() });
    stops.add("accept", "gRPC listener", () => grpc.stop()); // open Append streams end; committed rows stay
  }
  if (services.coap) {
    await listenCoap(services.coap, config.coap, s.pki, s.trust?.pem);
    coapAt = services.coap.addresses();
    times?.lap("CoAP");
  }
  return { mqtt: mq, http: hs, ready };
}
