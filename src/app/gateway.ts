// The composition root: the only place that wires subsystems together, starts them
// in order and stops them in reverse.
import { mkdirSync, existsSync, chmodSync } from "node:fs";
import type { NeoConfig } from "../config/index.ts";
import { createLogger } from "../lib/log.ts";
import { loadOrCreatePki, type Pki } from "../pki/index.ts";
import { openRegistry } from "../registry/index.ts";
import { createAuth } from "../auth/index.ts";
import { openSeriesStore } from "../storage/index.ts";
import { Broker, type ClientRef } from "../mqtt/index.ts";
import { createHttpServer } from "../http/index.ts";
import { createWriteBatcher } from "./write-batcher.ts";
import { createDataTopics } from "./data-topics.ts";
import { createMqttAuthenticator, RC_ADMINISTRATIVE_ACTION, type SessionCredential } from "./mqtt-auth.ts";
import { createWebUi } from "./web-ui.ts";

const log = createLogger("neosvr");
const REVALIDATE_MS = 250;

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
  ready: ReadyInfo;
  stop(): Promise<void>;
}

function ensureDataDir(dir: string): void {
  if (!existsSync(dir)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
  }
}

async function tlsMaterial(pki: Pki, tls: NeoConfig["mqtt"]["tls"]) {
  const cert = tls.certFile ? await Bun.file(tls.certFile).text() : pki.serverCertPem;
  const key = tls.keyFile ? await Bun.file(tls.keyFile).text() : pki.serverKeyPem;
  return { cert, key, ca: pki.caCertPem };
}

export async function startGateway(config: NeoConfig): Promise<Gateway> {
  ensureDataDir(config.data);
  const hosts = [...new Set([config.http.listen.host, config.mqtt.listen.host])];
  const pki = await loadOrCreatePki(config.data, { hosts });
  const registry = openRegistry(config.data);
  const auth = createAuth({ registry });
  const store = openSeriesStore(config.data);
  const batcher = createWriteBatcher(store);

  let broker!: Broker;
  const mqttAuth = createMqttAuthenticator({
    config: config.mqtt,
    auth,
    isRegistered: (id) => registry.get(id) != null,
    liveClient: (id) => broker.clients().find((c) => c.id === id),
  });
  const dataTopics = createDataTopics({
    store,
    batcher,
    publish: (m) => broker.publish({ topic: m.topic, payload: m.payload, qos: 1, properties: m.properties }),
    log: createLogger("mqtt"),
  });
  broker = new Broker({
    hooks: {
      authenticate: (req) => {
        const r = mqttAuth.authenticate(req);
        if (!r.ok) createLogger("mqtt").warn(`CONNECT refused for "${req.clientId}" from ${req.peer.remoteAddress}: ${r.reason}`);
        return r;
      },
      authorizePublish: (c, topic) => auth.authorizePublish(c.identity, topic),
      authorizeSubscribe: (c, filter) => auth.authorizeSubscribe(c.identity, filter),
      onPublish: (c, msg) => dataTopics.onPublish(c, msg),
    },
    maxPacketSize: config.mqtt.maxMessageSizeLimit,
    log: createLogger("mqtt"),
  });

  // Live revocation: when the registry changes (any process) or a key expires, every
  // affected session is thrown out within REVALIDATE_MS.
  const watch = auth.createSessionWatch();
  const revalidate = () => {
    const live: (SessionCredential & { ref: ClientRef })[] = [];
    for (const c of broker.clients()) {
      const cred = c.meta as SessionCredential | undefined;
      if (cred) live.push({ ...cred, ref: c });
    }
    for (const s of watch.check(live)) {
      log.info(`disconnecting "${s.ref.id}" (${s.clientId}): key deleted, revoked, rotated or expired`);
      broker.disconnect(s.ref.id, RC_ADMINISTRATIVE_ACTION);
    }
  };
  const timer = setInterval(() => {
    try {
      revalidate();
    } catch (e) {
      log.error("session re-check failed", e);
    }
  }, REVALIDATE_MS);

  if (config.mqtt.enableTokenAuth) log.info("MQTT token authentication enabled");
  const mqttTls = config.mqtt.tls.enabled;
  const mq = await broker.listen({
    host: config.mqtt.listen.host,
    port: config.mqtt.listen.port,
    tls: mqttTls
      ? {
          ...(await tlsMaterial(pki, config.mqtt.tls)),
          requestCert: config.mqtt.tls.clientAuth !== "none",
          rejectUnauthorized: config.mqtt.tls.clientAuth === "require",
        }
      : undefined,
  });
  createLogger("mqtt-tcp").info(`MQTT Listen ${mqttTls ? "tls" : "tcp"}://${mq.host}:${mq.port}`);

  const web = await createWebUi({ dataDir: config.data, registry, pki, log: createLogger("web") });
  const httpTls = config.http.tls.enabled;
  const http = createHttpServer({
    config,
    store,
    auth,
    log: createLogger("http"),
    websocket: {
      path: "/mqtt",
      // behind the HTTPS client-certificate front, `peer` carries the real address and the verified certificate
      upgradeData: (req, server, peer) =>
        broker.wsData({
          transport: httpTls ? "wss" : "ws",
          remoteAddress: peer?.remoteAddress ?? server.requestIP(req)?.address ?? "",
          ...(peer?.cert ? { cert: peer.cert } : {}),
        }),
      handlers: broker.websocket,
    },
    extraRoutes: web.routes,
    tls: httpTls ? { ...(await tlsMaterial(pki, config.http.tls)), clientAuth: config.http.tls.clientAuth } : undefined,
  });
  const httpAddr = new URL(http.url);

  const ready: ReadyInfo = {
    event: "ready",
    http: `${httpAddr.hostname.replace(/^\[|\]$/g, "")}:${httpAddr.port}`,
    mqtt: `${mq.host}:${mq.port}`,
    mqttTls,
    httpTls,
    data: config.data,
    pid: process.pid,
  };

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      clearInterval(timer);
      mq.stop();
      await broker.close({ reasonCode: 0x8b }); // server shutting down
      await http.stop();
      await batcher.flush();
      store.close();
      web.close();
      registry.close();
      log.info("stopped");
    })());
  return { ready, stop };
}

export type { ClientRef };
