// The composition root: the only place that wires subsystems together, starts them
// in order and stops them in reverse.
import { mkdirSync, existsSync, chmodSync } from "node:fs";
import type { NeoConfig } from "../config/index.ts";
import { createLogger, setLogLevel } from "../lib/log.ts";
import { loadOrCreatePki } from "../pki/index.ts";
import { openRegistry } from "../registry/index.ts";
import { ALL_ACCESS_SCOPES, createAuth } from "../auth/index.ts";
import { openSeriesStore } from "../storage/index.ts";
import { Broker, type ClientRef, RC } from "../mqtt/index.ts";
import { createHttpServer, type HttpServer } from "../http/index.ts";
import { createQueryService } from "../query/index.ts";
import { createWriteBatcher } from "./write-batcher.ts";
import { createDataTopics } from "./data-topics.ts";
import { createMqttAuthenticator, isGuess, type SessionCredential } from "./mqtt-auth.ts";
import { createWebUi } from "./web-ui.ts";
import { loadTlsMaterial } from "./tls-material.ts";
import { checkWsUpgrade } from "./ws-upgrade.ts";
import { listening } from "./listen-error.ts";
import { sameAddress, swapListener } from "./swap-listener.ts";
import { createMemorySettler } from "./memory-settle.ts";
import { sweepOrphanSessions } from "./orphan-sessions.ts";
import { persistBrokerState, restoreBrokerState } from "./broker-state.ts";
import { checkBridgeScopes, combineOutcomes, startBridges, type BridgeSet } from "./bridges.ts";
import { createServerGuard } from "./guard.ts";

const log = createLogger("neosvr");
const REVALIDATE_MS = 250;
/** offline sessions of expired keys are ended this often (deleted or revoked ones at once) */
const ORPHAN_SWEEP_MS = 5_000;

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
  const auth = createAuth({ registry });
  const store = openSeriesStore(config.data, { sync: config.storage.sync });
  const batcher = createWriteBatcher(store);
  const queries = createQueryService(store.file, config.query, createLogger("query"));

  const settle = createMemorySettler({ log });
  const serverGuard = createServerGuard({ dataDir: config.data, config: config.guard, log: createLogger("guard") });
  const guard = serverGuard.guard;
  let broker!: Broker;
  const mqttAuth = createMqttAuthenticator({
    config: config.mqtt,
    auth,
    isRegistered: (id) => registry.get(id) != null,
    session: (id) => broker.session(id),
  });
  const dataTopics = createDataTopics({
    store,
    queries,
    batcher,
    replyTo: (id, m) => broker.publishTo(id, { topic: m.topic, payload: m.payload, qos: 1, properties: m.properties }),
    log: createLogger("mqtt"),
  });
  broker = new Broker({
    hooks: {
      authenticate: (req) => {
        // a banned address is refused before any credential is looked at
        const banned = guard.check(req.peer.remoteAddress);
        if (!banned.ok)
          return {
            ok: false,
            reasonCode: RC.connectionRateExceeded,
            reason: `address banned ${banned.retryAfterSec}s`,
          };
        const r = mqttAuth.authenticate(req);
        if (!r.ok) {
          createLogger("mqtt").warn(
            `CONNECT refused for "${req.clientId}" from ${req.peer.remoteAddress}: ${r.reason}`,
          );
          if (isGuess(r)) guard.failed(req.peer.remoteAddress);
        }
        return r;
      },
      authorizePublish: (c, topic) => auth.authorizePublish(c.identity, topic),
      authorizeSubscribe: (c, filter) => auth.authorizeSubscribe(c.identity, filter),
      // a bridged topic enters the bridge's queue before the PUBACK, beside any db/write
      onPublish: (c, msg) => combineOutcomes(dataTopics.onPublish(c, msg), bridges?.onPublish(c, msg)),
      onConnect: () => settle.noteConnect(),
    },
    maxPacketSize: config.mqtt.maxMessageSizeLimit,
    maxConnectSize: config.mqtt.maxConnectSize,
    maxUnauthenticatedBytes: config.mqtt.maxUnauthenticatedBytes,
    log: createLogger("mqtt"),
  });
  const bridgeDeps = { dataDir: config.data, publish: (m: Parameters<Broker["publish"]>[0]) => broker.publish(m) };
  let bridges: BridgeSet | undefined = config.bridges?.length
    ? startBridges({ ...bridgeDeps, bridges: config.bridges })
    : undefined;
  // retained messages and persistent sessions from the last run, before anyone connects
  if (config.mqtt.persistence) restoreBrokerState(config.data, broker, createLogger("mqtt"));
  const persisted = config.mqtt.persistence ? persistBrokerState(config.data, broker, createLogger("mqtt")) : null;

  // Live revocation: when the registry changes (any process) or a key expires, every
  // affected session is thrown out within REVALIDATE_MS.
  const watch = auth.createSessionWatch();
  // Runs every REVALIDATE_MS with every session: it checks each session's own credential
  // record (one per connection) and builds no per-session objects.
  const revalidate = () => {
    const clients = broker.clients();
    const live: SessionCredential[] = [];
    for (const c of clients) if (c.meta) live.push(c.meta as SessionCredential);
    const drop = watch.check(live);
    if (drop.length === 0) return;
    const dropped = new Set(drop);
    for (const c of clients) {
      if (!dropped.has(c.meta as SessionCredential)) continue;
      log.info(
        `disconnecting "${c.id}" (${(c.meta as SessionCredential).clientId}): key deleted, revoked, rotated or expired`,
      );
      broker.disconnect(c.id, RC.administrativeAction);
    }
  };
  let sinceSweep = 0;
  let sweptVersion = Number.NaN;
  const sweep = () =>
    sweepOrphanSessions({
      offlineSessions: () => broker.offlineSessions(),
      discardSession: (id) => broker.discardSession(id),
      usable: (id, now) => {
        const r = registry.get(id);
        return r !== null && r.status === "active" && now < r.notAfter;
      },
      log,
    });
  const timer = setInterval(() => {
    try {
      serverGuard.sync();
      revalidate();
      // at once when the registry changed (a key deleted or revoked), else now and then (expiry)
      sinceSweep += REVALIDATE_MS;
      const version = registry.dataVersion();
      if (version !== sweptVersion || sinceSweep >= ORPHAN_SWEEP_MS) {
        sweptVersion = version;
        sinceSweep = 0;
        sweep();
      }
    } catch (e) {
      log.error("session re-check failed", e);
    }
  }, REVALIDATE_MS);

  // a bad operator certificate stops the start before anything listens
  if (config.mqtt.tls.enabled) await loadTlsMaterial(pki, config.mqtt.tls, "Mqtt");
  if (config.http.tls.enabled) await loadTlsMaterial(pki, config.http.tls, "Http");

  // `announce` runs once the socket listens: the first local-time log stamp loads the
  // time zone (~5 ms), which should not delay accepting connections
  const startMqtt = async (m: NeoConfig["mqtt"], announce?: () => void) => {
    const tls = m.tls.enabled
      ? {
          ...(await loadTlsMaterial(pki, m.tls, "Mqtt")),
          requestCert: m.tls.clientAuth !== "none",
          rejectUnauthorized: m.tls.clientAuth === "require",
        }
      : undefined;
    const l = await listening("MQTT", m.listen.host, m.listen.port, () =>
      broker.listen({ host: m.listen.host, port: m.listen.port, tls }),
    );
    announce?.();
    createLogger("mqtt-tcp").info(`MQTT Listen ${m.tls.enabled ? "tls" : "tcp"}://${l.host}:${l.port}`);
    return l;
  };
  let mq = await startMqtt(config.mqtt, () => {
    if (config.mqtt.enableTokenAuth) log.info("MQTT token authentication enabled");
  });

  const web = await createWebUi({
    dataDir: config.data,
    registry,
    pki,
    log: createLogger("web"),
    guard,
    defaultScopes: () => config.auth?.defaultScopes ?? ALL_ACCESS_SCOPES,
  });
  // `cfg` is the live config object: the server reads its auth switch per request
  const startHttp = async (cfg: NeoConfig) => {
    const httpTls = cfg.http.tls.enabled;
    const tls = httpTls
      ? { ...(await loadTlsMaterial(pki, cfg.http.tls, "Http")), clientAuth: cfg.http.tls.clientAuth }
      : undefined;
    return listening("HTTP", cfg.http.listen.host, cfg.http.listen.port, () =>
      createHttpServer({
        config: cfg,
        store,
        queries,
        auth,
        log: createLogger("http"),
        websocket: {
          path: "/mqtt",
          // behind the HTTPS client-certificate front, `peer` carries the real address and the verified certificate
          upgradeData: (req, server, peer) =>
            checkWsUpgrade(req, auth, peer?.cert) ??
            broker.wsData({
              transport: httpTls ? "wss" : "ws",
              remoteAddress: peer?.remoteAddress ?? server.requestIP(req)?.address ?? "",
              ...(peer?.cert ? { cert: peer.cert } : {}),
            }),
          handlers: broker.websocket,
        },
        extraRoutes: web.routes,
        guard,
        tls,
      }),
    );
  };
  let http = await startHttp(config);
  const retired: HttpServer[] = []; // replaced by a reload; their open connections run on

  const readyInfo = (): ReadyInfo => {
    const httpAddr = new URL(http.url);
    return {
      event: "ready",
      http: `${httpAddr.hostname.replace(/^\[|\]$/g, "")}:${httpAddr.port}`,
      mqtt: `${mq.host}:${mq.port}`,
      mqttTls: config.mqtt.tls.enabled,
      httpTls: config.http.tls.enabled,
      data: config.data,
      pid: process.pid,
    };
  };

  /**
   * SIGHUP: apply a new config without dropping sessions that stay allowed. Auth
   * switches take effect at once (and sessions they no longer allow are closed);
   * a changed listener is started anew before the old one stops accepting, and the
   * old one's connections run on. Data, the packet size limit and persistence need a restart.
   */
  const reload = async (next: NeoConfig): Promise<string[]> => {
    const done: string[] = [];
    const failed: string[] = [];
    if (next.data !== config.data) log.warn("Data changed: it takes effect after a restart");
    if (next.mqtt.maxMessageSizeLimit !== config.mqtt.maxMessageSizeLimit)
      log.warn("Mqtt.MaxMessageSizeLimit changed: it takes effect after a restart");
    if (next.mqtt.persistence !== config.mqtt.persistence)
      log.warn("Mqtt.Persistence changed: it takes effect after a restart");
    if (next.storage.sync !== config.storage.sync) {
      store.setSync(next.storage.sync);
      config.storage.sync = next.storage.sync;
      done.push(`storage sync ${next.storage.sync}`);
    }
    if (next.log.level !== config.log.level) {
      setLogLevel(next.log.level);
      config.log.level = next.log.level;
      done.push(`log level ${next.log.level}`);
    }
    const flip = (name: string, before: boolean, after: boolean) => {
      if (before !== after) done.push(`${name} ${after ? "enabled" : "disabled"}`);
      return after;
    };
    config.mqtt.enableTokenAuth = flip(
      "MQTT token authentication",
      config.mqtt.enableTokenAuth,
      next.mqtt.enableTokenAuth,
    );
    config.mqtt.requireClientIdMatch = flip(
      "MQTT client id match",
      config.mqtt.requireClientIdMatch,
      next.mqtt.requireClientIdMatch,
    );
    config.http.enableTokenAuth = flip(
      "HTTP token authentication",
      config.http.enableTokenAuth,
      next.http.enableTokenAuth,
    );

    const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
    if (!same(config.auth, next.auth)) {
      config.auth = next.auth; // DefaultScopes for new keys, AnonymousScopes for anonymous sessions
      done.push("Auth scopes");
    }
    if (!same([config.mqtt.listen, config.mqtt.tls], [next.mqtt.listen, next.mqtt.tls])) {
      const prev = { ...config.mqtt };
      const want = { ...config.mqtt, listen: next.mqtt.listen, tls: next.mqtt.tls };
      try {
        const r = await swapListener({
          samePort: sameAddress(prev.listen, want.listen),
          current: mq,
          start: () => startMqtt(want),
          restore: () => startMqtt(prev),
          release: (l) => l.stop(false), // its sessions run on (or are re-checked below)
        });
        mq = r.listener;
        if (r.ok) {
          Object.assign(config.mqtt, { listen: want.listen, tls: want.tls });
          done.push(`MQTT listener ${mq.transport}://${mq.host}:${mq.port}`);
        } else {
          failed.push("MQTT listener (kept the old settings)");
          log.error("reload: the new MQTT listener could not start; the old settings stay", r.error);
        }
      } catch (e) {
        failed.push("MQTT listener (NOTHING listens for MQTT now)");
        log.error("reload: neither the new nor the old MQTT listener could start", e);
      }
    }
    if (!same([config.http.listen, config.http.tls], [next.http.listen, next.http.tls])) {
      const prev = { ...config.http };
      const tlsFlip = prev.tls.enabled !== next.http.tls.enabled;
      const withHttp = (h: NeoConfig["http"]) => {
        config.http.listen = h.listen;
        config.http.tls = h.tls;
        return startHttp(config);
      };
      try {
        const r = await swapListener({
          samePort: sameAddress(prev.listen, next.http.listen),
          current: http,
          start: () => withHttp(next.http),
          restore: () => withHttp(prev),
          // switching TLS on or off: the old server's connections must not go on the old way
          release: (h) => {
            if (tlsFlip) void h.stop();
            else {
              h.stopAccepting();
              retired.push(h);
            }
          },
        });
        http = r.listener;
        if (r.ok) done.push(`HTTP listener ${http.url}`);
        else {
          failed.push("HTTP listener (kept the old settings)");
          log.error("reload: the new HTTP listener could not start; the old settings stay", r.error);
        }
      } catch (e) {
        Object.assign(config.http, { listen: prev.listen, tls: prev.tls });
        failed.push("HTTP listener (NOTHING listens for HTTP now)");
        log.error("reload: neither the new nor the old HTTP listener could start", e);
      }
    }
    if (JSON.stringify(next.bridges ?? []) !== JSON.stringify(config.bridges ?? [])) {
      const bad = checkBridgeScopes(next.bridges ?? []);
      if (bad.length > 0) {
        failed.push("bridges (kept the old ones)");
        log.error(`reload: bridge settings refused: ${bad.join("; ")}`);
      } else {
        // queues are files: stopping and starting again loses nothing
        await bridges?.stop();
        bridges = next.bridges?.length ? startBridges({ ...bridgeDeps, bridges: next.bridges }) : undefined;
        config.bridges = next.bridges ?? [];
        done.push(`bridges ${(next.bridges ?? []).map((b) => b.name).join(", ") || "none"}`);
      }
    }
    for (const c of broker.clients()) {
      if (!mqttAuth.stillAllowed(c)) {
        log.info(`disconnecting "${c.id}": not allowed under the reloaded config`);
        broker.disconnect(c.id, RC.notAuthorized);
      }
    }
    if (failed.length) log.error(`config reload incomplete, FAILED: ${failed.join(", ")}`);
    log.info(
      done.length
        ? `config reloaded: ${done.join(", ")}`
        : failed.length
          ? "config reloaded: no change applied"
          : "config reloaded: nothing changed",
    );
    return done;
  };

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      clearInterval(timer);
      settle.stop();
      queries.close(); // a query still running is killed, not waited for
      mq.stop(false); // stop accepting; broker.close() tells each client before closing
      persisted?.stop(); // before close(), which ends every session
      await broker.close({ reasonCode: RC.serverShuttingDown });
      await bridges?.stop(); // after the broker: nothing is offered to a closed queue
      await Promise.all([http, ...retired].map((h) => h.stop()));
      await batcher.flush();
      store.close();
      web.close();
      serverGuard.close();
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
