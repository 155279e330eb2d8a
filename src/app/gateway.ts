// The composition root: the only place that wires subsystems together, starts them
// in order and stops them in reverse.
import { mkdirSync, existsSync, chmodSync } from "node:fs";
import type { NeoConfig } from "../config/index.ts";
import { createLogger } from "../lib/log.ts";
import { createLogAggregator } from "../lib/log-aggregate.ts";
import { loadOrCreatePki } from "../pki/index.ts";
import { openRegistry } from "../registry/index.ts";
import { ALL_ACCESS_SCOPES, createAuth, personIdentify } from "../auth/index.ts";
import { openSeriesStore, userTableOf } from "../storage/index.ts";
import { Broker, type ClientRef, RC } from "../mqtt/index.ts";
import { createQueryService, openTableFinder } from "../query/index.ts";
import { createWriteBatcher } from "./write-batcher.ts";
import { startStorageLifecycle, storageOptions } from "./storage-lifecycle.ts";
import { createDataTopics } from "./data-topics.ts";
import { wireChannels } from "./channels-wiring.ts";
import { createBrokerHooks } from "./broker-hooks.ts";
import { createMqttAuthenticator } from "./mqtt-auth.ts";
import { createWebUi } from "./web-ui.ts";
import { createKeysApi, keyManagementRoutes } from "../web/index.ts";
import { loadTlsMaterial } from "./tls-material.ts";
import { createMemorySettler } from "./memory-settle.ts";
import { persistBrokerState, restoreBrokerState } from "./broker-state.ts";
import { checkBridgeScopes, startBridges, type BridgeSet } from "./bridges.ts";
import { startSessionRecheck } from "./session-recheck.ts";
import { createMqttAuthorizer } from "./mqtt-authz.ts";
import { createReadCheck } from "./query-authz.ts";
import { createListeners } from "./listeners.ts";
import { reloadConfig, type ReloadTarget } from "./reload.ts";
import { createServerGuard } from "./guard.ts";
import { openPeople } from "./people.ts";
import { createServerAudit } from "./audit.ts";
import { countedAudit, createGatewayMetrics, meteredStore, startNeoSys } from "./metrics.ts";
import { createConsoleSource } from "./console.ts";

const log = createLogger("neosvr");

export interface ReadyInfo {
  event: "ready";
  http: string;
  mqtt: string;
  mqttTls: boolean;
  httpTls: boolean;
  data: string;
  pid: number;
}

export interface Gateway {
  readonly ready: ReadyInfo;
  /** apply a freshly loaded config (SIGHUP); returns what changed */
  reload(next: NeoConfig): Promise<string[]>;
  stop(): Promise<void>;
}

function ensureDataDir(dir: string): void {
  if (!existsSync(dir)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
  }
}

export async function startGateway(config: NeoConfig): Promise<Gateway> {
  ensureDataDir(config.data);
  const hosts = [...new Set([config.http.listen.host, config.mqtt.listen.host])];
  const pki = await loadOrCreatePki(config.data, { hosts });
  const registry = openRegistry(config.data);
  const people = openPeople(config.data, () => config.login);
  const auth = createAuth({
    registry,
    anonymousScopes: () => config.auth?.anonymousScopes ?? ALL_ACCESS_SCOPES,
    person: personIdentify(people.people, people.patAuth),
  });
  const startedAt = Date.now();
  let bridges: BridgeSet | undefined;
  // bans: the brute-force guard below (read only when metrics are rendered)
  const metrics = createGatewayMetrics(
    () => broker,
    () => serverGuard.guard.bans().length,
    () => bridges?.statuses() ?? [],
  );
  const store = meteredStore(
    openSeriesStore(config.data, {
      sync: config.storage.sync,
      busyTimeoutMs: config.storage.busyTimeoutMs,
      log: createLogger("storage"),
      ...storageOptions(config),
    }),
    metrics,
  );
  const lifecycle = startStorageLifecycle(store, createLogger("storage"));
  const batcher = createWriteBatcher(store);
  const queries = createQueryService(store.file, config.query, createLogger("query"));
  // storage's user tables are views over internal tables: map what SQLite reads back to them
  const finder = openTableFinder(store.file, userTableOf);

  const settle = createMemorySettler({ log });
  // every authentication the trail records is also counted for /metrics and the Overview
  const audit = countedAudit(createServerAudit(config.data, config.audit, createLogger("audit")), metrics);
  // refused payloads, failed writes, db/query errors: a few per client in full, then a count a minute
  const messageRefusals = createLogAggregator(createLogger("mqtt"), "refused or failed MQTT messages");
  const ch = wireChannels({
    config,
    registry,
    batcher,
    auth,
    audit,
    broker: () => broker,
    refusals: messageRefusals,
    queries,
  });
  const serverGuard = createServerGuard({
    dataDir: config.data,
    config: config.guard,
    log: createLogger("guard"),
    onBan: (b) =>
      audit.record({
        kind: "ban",
        action: "ban",
        result: "fail",
        address: b.address,
        reason: `${b.failures} failed authentications`,
        detail: JSON.stringify({ until: new Date(b.until).toISOString(), level: b.level }),
      }),
  });
  const guard = serverGuard.guard;
  const authz = createMqttAuthorizer({
    registry,
    person: (p) => ("fingerprint256" in p ? people.patAuth.principalOf(String(p.fingerprint256)) : null),
    anonymousScopes: () => config.auth?.anonymousScopes ?? ALL_ACCESS_SCOPES,
    log: createLogger("mqtt"),
  });
  const mqttAuth = createMqttAuthenticator({
    config: config.mqtt,
    auth,
    isRegistered: (id) => registry.get(id) != null,
  });
  const readCheck = createReadCheck(finder);
  const dataTopics = createDataTopics({
    refusals: messageRefusals,
    store,
    queries,
    readCheck: (c, sql) => readCheck(authz.principalOf(c), sql),
    batcher,
    replyTo: (id, m) => broker.publishTo(id, { topic: m.topic, payload: m.payload, qos: 1, properties: m.properties }),
    log: createLogger("mqtt"),
  });
  // refused CONNECTs: a few per address in full, then one count per address and minute
  const connectRefusals = createLogAggregator(createLogger("mqtt"), "refused MQTT CONNECTs");
  const broker: Broker = new Broker({
    hooks: createBrokerHooks({
      authz,
      mqttAuth,
      guard,
      audit,
      refusals: connectRefusals,
      channelMqtt: ch.mqtt,
      dataTopics,
      bridges: () => bridges,
      sessionUser: (t) => web?.sessionUser(t),
      sessionOwner: (id) => broker.session(id)?.owner,
      onConnect: () => settle.noteConnect(),
    }),
    maxPacketSize: config.mqtt.maxMessageSizeLimit,
    maxConnectSize: config.mqtt.maxConnectSize,
    maxUnauthenticatedBytes: config.mqtt.maxUnauthenticatedBytes,
    maxKeepAlive: config.mqtt.maxKeepAlive,
    retained: {
      maxMessages: config.mqtt.maxRetainedMessages,
      maxBytes: config.mqtt.maxRetainedBytes,
      maxBytesPerOwner: config.mqtt.maxRetainedBytesPerClient,
    },
    log: createLogger("mqtt"),
  });
  const bridgeDeps = { dataDir: config.data, publish: (m: Parameters<Broker["publish"]>[0]) => broker.publish(m) };
  bridges = config.bridges?.length ? startBridges({ ...bridgeDeps, bridges: config.bridges }) : undefined;
  // retained messages and persistent sessions from the last run, before anyone connects
  if (config.mqtt.persistence) restoreBrokerState(config.data, broker, createLogger("mqtt"));
  const persisted = config.mqtt.persistence ? persistBrokerState(config.data, broker, createLogger("mqtt")) : null;
  // $SYS/neo/...: rows written, auth attempts and failures, bans, connections per listener
  const neoSys = startNeoSys(metrics, (topic, value) => broker.publish({ topic, payload: value, retain: true }));

  // live revocation: deleted, revoked, rotated and expired keys lose their sessions at once
  const recheck = startSessionRecheck({
    broker,
    auth,
    registry,
    log,
    onTick: () => {
      serverGuard.sync();
      ch.tick();
    },
    // a console session ends with its web session (sign-out, expiry, password change)
    consoleSessionLive: (m) => web?.sessionUser(m.token)?.name === m.user,
    onRegistryChange: () => authz.changed(),
    personLive: (m) => m.via === "pat" && people.patAuth.stillValid(m.fingerprint256),
  });

  // a bad operator certificate stops the start before anything listens
  if (config.mqtt.tls.enabled) await loadTlsMaterial(pki, config.mqtt.tls, "Mqtt");
  if (config.http.tls.enabled) await loadTlsMaterial(pki, config.http.tls, "Http");

  let web!: Awaited<ReturnType<typeof createWebUi>>;
  const consoleSource = createConsoleSource({
    config,
    broker: () => broker,
    store,
    queries,
    metrics,
    startedAt,
    addresses: () => readyInfo(),
    bodyLimit: 64 * 1024,
    readCheck,
    bans: { list: () => serverGuard.guard.bans(), clear: (a) => serverGuard.clear(a) },
  });
  // /keys: the web UI's key handlers for token/certificate/PAT callers, decided by keys:* scopes
  const keyRoutes = keyManagementRoutes(
    createKeysApi({
      registry,
      pki,
      log: createLogger("keys"),
      now: Date.now,
      defaultScopes: () => config.auth?.defaultScopes ?? ALL_ACCESS_SCOPES,
    }),
    audit,
  );
  const { startMqtt, startHttp } = createListeners({
    pki,
    broker,
    store,
    queries,
    readCheck,
    auth,
    guard,
    audit,
    extraRoutes: (req, url, ip) => web.routes(req, url, ip),
    metrics: {
      metrics: () => metrics.render(),
    },
    routes: [...ch.routes, ...keyRoutes],
    sockets: ch.adapters.socketKind,
  });
  // MQTT first: the web UI's first start (admin password hash, UI bundle) must not delay it
  const mqtt = await startMqtt(config.mqtt, () => {
    if (config.mqtt.enableTokenAuth) log.info("MQTT token authentication enabled");
  });
  web = await createWebUi({
    dataDir: config.data,
    registry,
    pki,
    log: createLogger("web"),
    guard,
    audit,
    people,
    defaultScopes: () => config.auth?.defaultScopes ?? ALL_ACCESS_SCOPES,
    console: consoleSource,
    channels: ch.channels,
  });
  const http = await startHttp(config);
  // what a reload swaps: the listeners (and the servers it retired, whose connections run on)
  const mq: ReloadTarget["mqtt"] = { current: mqtt, start: (m) => startMqtt(m) };
  const hs: ReloadTarget["http"] = { current: http, start: (cfg) => startHttp(cfg), retired: [] };

  const readyInfo = (): ReadyInfo => {
    const httpAddr = new URL(hs.current.url);
    return {
      event: "ready",
      http: `${httpAddr.hostname.replace(/^\[|\]$/g, "")}:${httpAddr.port}`,
      mqtt: `${mq.current.host}:${mq.current.port}`,
      mqttTls: config.mqtt.tls.enabled,
      httpTls: config.http.tls.enabled,
      data: config.data,
      pid: process.pid,
    };
  };

  const reload = (next: NeoConfig) =>
    // AnonymousScopes may have changed: cached MQTT decisions go either way
    reloadConfig(
      {
        config,
        store,
        broker,
        mqttAuth,
        log,
        mqtt: mq,
        http: hs,
        async bridges(list) {
          const bad = checkBridgeScopes(list ?? []);
          if (bad.length > 0) {
            log.error(`reload: bridge settings refused: ${bad.join("; ")}`);
            return "bridges (kept the old ones)";
          }
          // queues are files: stopping and starting again loses nothing
          await bridges?.stop();
          bridges = list?.length ? startBridges({ ...bridgeDeps, bridges: list }) : undefined;
          config.bridges = list ?? [];
          return undefined;
        },
      },
      next,
    ).finally(() => authz.changed());

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      recheck.stop();
      settle.stop();
      connectRefusals.stop(); // the last minute's counts
      messageRefusals.stop();
      queries.close(); // a query still running is killed, not waited for
      finder.close();
      mq.current.stop(false); // stop accepting; broker.close() tells each client before closing
      persisted?.stop(); // before close(), which ends every session
      neoSys.stop();
      await broker.close({ reasonCode: RC.serverShuttingDown });
      await bridges?.stop(); // after the broker: nothing is offered to a closed queue
      ch.adapters.sockets.closeAll();
      await Promise.all([hs.current, ...hs.retired].map((h) => h.stop()));
      await batcher.flush();
      await lifecycle.stop();
      store.close();
      web.close();
      people.close();
      serverGuard.close();
      audit.close();
      ch.channels.close();
      registry.close();
      log.info("stopped");
    })());
  return {
    get ready() {
      return readyInfo();
    },
    reload,
    stop,
  };
}

export type { ClientRef };
