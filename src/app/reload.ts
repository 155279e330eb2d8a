// SIGHUP: apply a new config without dropping sessions that stay allowed. Auth switches
// take effect at once (and sessions they no longer allow are closed); a changed listener
// is started anew before the old one stops accepting, and the old one's connections run
// on. Data, the packet size limit and persistence need a restart.
import type { NeoConfig } from "../config/index.ts";
import type { HttpServer } from "../http/index.ts";
import { type Logger, setLogLevel } from "../lib/log.ts";
import { type Broker, RC } from "../mqtt/index.ts";
import type { SeriesStore } from "../storage/index.ts";
import { storageOptions } from "./storage-lifecycle.ts";
import type { MqttListener } from "./listeners.ts";
import type { createMqttAuthenticator } from "./mqtt-auth.ts";
import { sameAddress, swapListener } from "./swap-listener.ts";
import { isConsoleSession } from "./console.ts";

/** What a reload may touch: the live config (changed in place) and the running parts. */
export interface ReloadTarget {
  config: NeoConfig;
  store: SeriesStore;
  broker: Broker;
  mqttAuth: Pick<ReturnType<typeof createMqttAuthenticator>, "stillAllowed">;
  log: Logger;
  mqtt: { current: MqttListener; start(m: NeoConfig["mqtt"]): Promise<MqttListener> };
  http: { current: HttpServer; start(cfg: NeoConfig): Promise<HttpServer>; retired: HttpServer[] };
  /** apply a changed bridge list; returns a failure text when refused (old bridges kept) */
  bridges(next: NeoConfig["bridges"]): Promise<string | undefined>;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Apply `next`; returns what changed (also logged). */
export async function reloadConfig(t: ReloadTarget, next: NeoConfig): Promise<string[]> {
  const { config, log } = t;
  const done = applySettings(t, next);
  const failed: string[] = [];
  if (!same([config.mqtt.listen, config.mqtt.tls], [next.mqtt.listen, next.mqtt.tls]))
    await swapMqtt(t, next, done, failed);
  if (!same([config.http.listen, config.http.tls], [next.http.listen, next.http.tls]))
    await swapHttp(t, next, done, failed);
  if (!same(next.bridges ?? [], config.bridges ?? [])) {
    const refused = await t.bridges(next.bridges);
    if (refused) failed.push(refused);
    else done.push(`bridges ${(next.bridges ?? []).map((b) => b.name).join(", ") || "none"}`);
  }
  for (const c of t.broker.clients()) {
    if (!isConsoleSession(c.meta) && !t.mqttAuth.stillAllowed(c)) {
      log.info(`disconnecting "${c.id}": not allowed under the reloaded config`);
      t.broker.disconnect(c.id, RC.notAuthorized);
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
}

/** Settings that change in place: storage sync, log level, auth switches, scopes. */
function applySettings(t: ReloadTarget, next: NeoConfig): string[] {
  const { config, log } = t;
  const done: string[] = [];
  if (next.data !== config.data) log.warn("Data changed: it takes effect after a restart");
  if (next.mqtt.maxMessageSizeLimit !== config.mqtt.maxMessageSizeLimit)
    log.warn("Mqtt.MaxMessageSizeLimit changed: it takes effect after a restart");
  if (next.mqtt.persistence !== config.mqtt.persistence)
    log.warn("Mqtt.Persistence changed: it takes effect after a restart");
  // limits read when the query pool and the broker start
  if (JSON.stringify(next.query) !== JSON.stringify(config.query))
    log.warn("Query.* changed: it takes effect after a restart");
  for (const k of [
    "maxConnectSize",
    "maxUnauthenticatedBytes",
    "maxRetainedMessages",
    "maxRetainedBytes",
    "maxRetainedBytesPerClient",
    "maxKeepAlive",
  ] as const) {
    if (next.mqtt[k] !== config.mqtt[k])
      log.warn(`Mqtt.${k[0]!.toUpperCase()}${k.slice(1)} changed: it takes effect after a restart`);
  }
  if (JSON.stringify(next.http.allowedHosts) !== JSON.stringify(config.http.allowedHosts)) {
    config.http.allowedHosts = next.http.allowedHosts; // read per request
    done.push(`Http.AllowedHosts ${JSON.stringify(next.http.allowedHosts)}`);
  }
  if (next.storage.sync !== config.storage.sync) {
    t.store.setSync(next.storage.sync);
    config.storage.sync = next.storage.sync;
    done.push(`storage sync ${next.storage.sync}`);
  }
  const s0 = config.storage;
  const s1 = next.storage;
  if (s0.retention !== s1.retention || s0.maxSize !== s1.maxSize || s0.whenFull !== s1.whenFull) {
    t.store.configureStorage(storageOptions(next));
    config.storage = { ...s1 };
    done.push("storage retention and size limit");
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
  config.http.metricsPublic = flip(
    "public /metrics",
    config.http.metricsPublic === true,
    next.http.metricsPublic === true,
  );
  if (!same(config.auth, next.auth)) {
    config.auth = next.auth; // DefaultScopes for new keys, AnonymousScopes for anonymous sessions
    done.push("Auth scopes");
  }
  return done;
}

async function swapMqtt(t: ReloadTarget, next: NeoConfig, done: string[], failed: string[]): Promise<void> {
  const { config, log } = t;
  const prev = { ...config.mqtt };
  const want = { ...config.mqtt, listen: next.mqtt.listen, tls: next.mqtt.tls };
  try {
    const r = await swapListener({
      samePort: sameAddress(prev.listen, want.listen),
      current: t.mqtt.current,
      start: () => t.mqtt.start(want),
      restore: () => t.mqtt.start(prev),
      release: (l) => l.stop(false), // its sessions run on (or are re-checked after the reload)
    });
    t.mqtt.current = r.listener;
    if (r.ok) {
      Object.assign(config.mqtt, { listen: want.listen, tls: want.tls });
      done.push(`MQTT listener ${r.listener.transport}://${r.listener.host}:${r.listener.port}`);
    } else {
      failed.push("MQTT listener (kept the old settings)");
      log.error("reload: the new MQTT listener could not start; the old settings stay", r.error);
    }
  } catch (e) {
    failed.push("MQTT listener (NOTHING listens for MQTT now)");
    log.error("reload: neither the new nor the old MQTT listener could start", e);
  }
}

async function swapHttp(t: ReloadTarget, next: NeoConfig, done: string[], failed: string[]): Promise<void> {
  const { config, log } = t;
  const prev = { ...config.http };
  const tlsFlip = prev.tls.enabled !== next.http.tls.enabled;
  const withHttp = (h: NeoConfig["http"]) => {
    config.http.listen = h.listen;
    config.http.tls = h.tls;
    return t.http.start(config);
  };
  try {
    const r = await swapListener({
      samePort: sameAddress(prev.listen, next.http.listen),
      current: t.http.current,
      start: () => withHttp(next.http),
      restore: () => withHttp(prev),
      // switching TLS on or off: the old server's connections must not go on the old way
      release: (h) => {
        if (tlsFlip) void h.stop();
        else {
          h.stopAccepting();
          t.http.retired.push(h);
        }
      },
    });
    t.http.current = r.listener;
    if (r.ok) done.push(`HTTP listener ${r.listener.url}`);
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
