// SIGHUP: the freshly loaded config becomes the new settings value, without dropping
// sessions that stay allowed. Nothing is changed in place: this computes the settings
// that will really run (a listener that cannot start, refused bridges and restart-only
// keys keep their old values), swaps listeners, then announces the new value once;
// each part reacts to what it owns (store sync and retention, rights caches, log level).
// Sessions the new settings no longer allow are closed.
import type { NeoConfig } from "../config/index.ts";
import type { Logger } from "../lib/log.ts";
import type { SettingsOwner } from "../lib/settings.ts";
import { RC } from "../mqtt/index.ts";
import type { createMqttAuthenticator, NeoBroker } from "./mqtt-auth.ts";
import type { ListenerSlots } from "./phase-listeners.ts";
import { tlsFilesChanged } from "./tls-material.ts";

export interface ReloadTarget {
  settings: SettingsOwner<NeoConfig>;
  broker: NeoBroker;
  mqttAuth: Pick<ReturnType<typeof createMqttAuthenticator>, "stillAllowed">;
  log: Logger;
  listeners: Pick<ListenerSlots, "mqtt" | "http">;
  /** apply a changed bridge list; returns why it was refused (the old bridges run on) */
  bridges: { replace(next: NeoConfig["bridges"]): Promise<string | undefined> };
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const MQTT_AT_START = [
  "maxMessageSizeLimit",
  "persistence",
  "maxConnectSize",
  "maxUnauthenticatedBytes",
  "maxRetainedMessages",
  "maxRetainedBytes",
  "maxRetainedBytesPerClient",
  "maxKeepAlive",
  "maxPersistentSessions",
  "maxPersistentSessionsPerClient",
  "maxQueuedBytes",
  "maxQueuedBytesPerClient",
  "persistentSessionExpiryMs",
  "maxConnectionsPerClient",
  "maxConnectionsPerAddress",
  "stallTimeoutMs",
] as const;

/** `next` with what only a restart changes kept as it runs, each such change warned about */
function runnable(prev: NeoConfig, next: NeoConfig, log: Logger): NeoConfig {
  const later = (what: string) => log.warn(`${what} changed: it takes effect after a restart`);
  if (next.data !== prev.data) later("Data");
  if (!same(next.query, prev.query)) later("Query.*");
  if (!same(next.guard, prev.guard)) later("Guard.*");
  if (!same(next.audit, prev.audit)) later("Audit.*");
  if (!same(next.grpc, prev.grpc)) later("Grpc.*");
  if (!same(next.coap, prev.coap)) later("Coap.*");
  if (!same(next.tls, prev.tls)) later("Tls.TrustedCA (the CAs; a CrlFile is read again whenever it changes)");
  const mqtt = { ...next.mqtt };
  for (const k of MQTT_AT_START) {
    if (next.mqtt[k] === prev.mqtt[k]) continue;
    later(`Mqtt.${k[0]?.toUpperCase()}${k.slice(1)}`);
    Object.assign(mqtt, { [k]: prev.mqtt[k] });
  }
  const kept = {
    ...next,
    data: prev.data,
    query: prev.query,
    guard: prev.guard,
    audit: prev.audit,
    coap: prev.coap,
    mqtt,
  };
  if (prev.tls) kept.tls = prev.tls;
  else delete kept.tls;
  if (prev.grpc) kept.grpc = prev.grpc;
  else delete kept.grpc;
  return kept;
}

/** what a new settings value changes in place, in words for the log */
function describe(prev: NeoConfig, next: NeoConfig): string[] {
  const done: string[] = [];
  if (!same(next.http.allowedHosts, prev.http.allowedHosts))
    done.push(`Http.AllowedHosts ${JSON.stringify(next.http.allowedHosts)}`);
  if (next.storage.sync !== prev.storage.sync) done.push(`storage sync ${next.storage.sync}`);
  const [a, b] = [prev.storage, next.storage];
  if (a.retention !== b.retention || a.maxSize !== b.maxSize || a.whenFull !== b.whenFull)
    done.push("storage retention and size limit");
  if (next.log.level !== prev.log.level) done.push(`log level ${next.log.level}`);
  const flip = (name: string, before: boolean, after: boolean) => {
    if (before !== after) done.push(`${name} ${after ? "enabled" : "disabled"}`);
  };
  flip("MQTT token authentication", prev.mqtt.enableTokenAuth, next.mqtt.enableTokenAuth);
  flip("MQTT client id match", prev.mqtt.requireClientIdMatch, next.mqtt.requireClientIdMatch);
  flip("HTTP token authentication", prev.http.enableTokenAuth, next.http.enableTokenAuth);
  flip("public /metrics", prev.http.metricsPublic === true, next.http.metricsPublic === true);
  if (!same(prev.auth, next.auth)) done.push("Auth scopes");
  if (!same(prev.login, next.login)) done.push("Auth token durations");
  // each changed export restarts by itself (app/exports.ts); the others run on
  const exportsOf = (c: NeoConfig) => new Map((c.exports ?? []).map((e) => [e.name, JSON.stringify(e)]));
  const [ea, eb] = [exportsOf(prev), exportsOf(next)];
  const changed = [...new Set([...ea.keys(), ...eb.keys()])].filter((n) => ea.get(n) !== eb.get(n));
  if (changed.length > 0) done.push(`exports ${changed.join(", ")}`);
  return done;
}

/** Apply `next`; returns what changed (also logged). */
export async function reloadConfig(t: ReloadTarget, next: NeoConfig): Promise<string[]> {
  const { log } = t;
  const prev = t.settings.get();
  let run = runnable(prev, next, log);
  const done = describe(prev, run);
  const failed: string[] = [];
  // the same CertFile/KeyFile paths with new files in them (a renewed server certificate);
  // both asked before either service loads them again
  const mqttFiles = tlsFilesChanged(run.mqtt.tls);
  const httpFiles = tlsFilesChanged(run.http.tls);
  const sockets = (s: NeoConfig["mqtt"] | NeoConfig["http"]) => [s.listen, s.tls, s.listeners];
  if (mqttFiles || !same(sockets(prev.mqtt), sockets(run.mqtt))) {
    const set = t.listeners.mqtt;
    const r = await set.reconcile(prev.mqtt, run.mqtt, log, mqttFiles);
    done.push(...r.done);
    failed.push(...r.failed);
    if (r.failed.length) run = { ...run, mqtt: set.runningSettings(prev.mqtt, run.mqtt) };
  }
  if (httpFiles || !same(sockets(prev.http), sockets(run.http))) {
    const set = t.listeners.http;
    const r = await set.reconcile(prev.http, run.http, log, httpFiles);
    done.push(...r.done);
    failed.push(...r.failed);
    if (r.failed.length) run = { ...run, http: set.runningSettings(prev.http, run.http) };
  }
  if (!same(run.bridges ?? [], prev.bridges ?? [])) {
    const refused = await t.bridges.replace(run.bridges);
    if (refused) {
      log.error(`reload: bridge settings refused: ${refused}`);
      failed.push("bridges (kept the old ones)");
      run = { ...run, bridges: prev.bridges ?? [] };
    } else done.push(`bridges ${(run.bridges ?? []).map((b) => b.name).join(", ") || "none"}`);
  }
  t.settings.set(run);
  for (const c of t.broker.clients()) {
    if (!t.mqttAuth.stillAllowed(c)) {
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
